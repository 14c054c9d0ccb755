/*
 * instrument — structured risk instruments as data, and the rules that turn
 * answers into a risk level.
 *
 * An instrument (the risk identification checklist, the stalking screen, the
 * structured judgement) is a versioned JSON file in instruments/: its items,
 * each with an id and a short theme in Vigil's own words, and its scoring
 * rule.  instrument_set_load() reads and validates every file of a directory
 * at start, so a broken file stops the server with a message naming the file
 * and the problem; a deployment that holds the licensed wording of a
 * published checklist overlays it by item id with instrument_set_override().
 *
 * Schema of an instrument file (every field required, no others allowed):
 *   id           [a-z0-9-], at most 64 bytes, unique within the set
 *   version      integer >= 1; an assessment is pinned to (id, version)
 *   title        short text;  description  text (how it is answered and scored)
 *   kind         "checklist" | "screen": items answered "yes", "no" or "unknown"
 *                "judgement": items (domains) answered
 *                             {"rating": "low"|"moderate"|"high", "reason": text}
 *   items        1..100 of {"id": [a-z0-9_], "theme": short text}, ids unique
 *   scoring      {"type": "none"}, or for a checklist or screen
 *                {"type": "count_yes", "bands": [{"min", "max", "level",
 *                 "visible_high"?}, ...]}: bands in ascending order that cover
 *                0..item count exactly (only the last may leave out max: "or
 *                more"), levels never falling; visible_high only on a high band.
 *
 * The rest is pure: scoring answers, applying professional judgement (which may
 * raise a level, never lower it), review intervals and the MARAC referral flag.
 * Functions return 0, or -1 with a sentence a user can act on in why/err.
 * Allocation aborts on failure (base/mem.h).
 */
#ifndef VIGIL_CORE_INSTRUMENT_H
#define VIGIL_CORE_INSTRUMENT_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

/* ---- risk levels ------------------------------------------------------------ */

enum risk_level { RISK_NONE = -1, RISK_STANDARD, RISK_MEDIUM, RISK_HIGH };

/* "standard", "medium", "high"; NULL for RISK_NONE or out of range. */
const char *risk_level_name(enum risk_level l);
/* The level named s (exactly as risk_level_name spells it), else RISK_NONE. */
enum risk_level risk_level_parse(const char *s);
/* The level's definition, for the case page; NULL for RISK_NONE. */
const char *risk_level_definition(enum risk_level l);

/* ---- instruments ------------------------------------------------------------ */

typedef struct instrument instrument;         /* opaque; owned by its set */
typedef struct instrument_set instrument_set; /* opaque; owns its instruments */

/*
 * Load every *.json file in dir (names starting with '.' are skipped), in
 * name order.  0 and *out (caller frees with instrument_set_free()), or -1,
 * *out NULL and err naming the file and the problem
 * ("instruments/ric.json: item 4: duplicate id 'fear'"; items and bands are
 * counted from 1).  A directory without instrument files, a file over 1 MiB
 * and an id already defined by another file are errors too.
 */
int instrument_set_load(const char *dir, instrument_set **out, char *err, size_t errlen);
/*
 * Apply a deployment's licensed display text from the JSON file at path:
 * {"ric": {"fear": "licensed wording", ...}, ...}.  Unknown instrument or item
 * ids are an error naming them (up to ten, then "and more"); on any error
 * nothing is applied.
 * Applying again replaces earlier text.
 */
int instrument_set_override(instrument_set *s, const char *path, char *err, size_t errlen);
/* Free the set and its instruments; NULL does nothing. */
void instrument_set_free(instrument_set *s);

size_t instrument_set_count(const instrument_set *s);
/* The i-th instrument in file-name order; NULL when i is out of range. */
const instrument *instrument_set_at(const instrument_set *s, size_t i);
/* The instrument with this id, or NULL. */
const instrument *instrument_set_find(const instrument_set *s, const char *id);

const char *instrument_id(const instrument *in);
int instrument_version(const instrument *in);
/* "checklist", "screen" or "judgement". */
const char *instrument_kind(const instrument *in);
const char *instrument_title(const instrument *in);
const char *instrument_description(const instrument *in);
size_t instrument_item_count(const instrument *in);
/* The i-th item's id; NULL when i is out of range. */
const char *instrument_item_id(const instrument *in, size_t i);
/* The i-th item's display text: the licensed override when one is loaded,
 * else our own theme; NULL when i is out of range. */
const char *instrument_item_theme(const instrument *in, size_t i);
/*
 * The instrument for GET /api/v1/instruments/{id}: id, version, title,
 * description, kind, the allowed answers ("answers": ["yes","no","unknown"] or
 * "ratings": ["low","moderate","high"]), items ({id, theme, licensed_text},
 * theme being the override text when one is loaded) and scoring as in the
 * file.  Caller owns the reference.
 */
json_t *instrument_json(const instrument *in);

/* ---- scoring ---------------------------------------------------------------- */

struct score {
	int yes, no, unknown;           /* checklist/screen; 0 for a judgement */
	enum risk_level computed;       /* from the count bands; RISK_NONE without a count rule */
	bool visible_high;              /* the band that gave computed says so */
	json_t *yes_items;              /* ids answered yes, in item order (owned; [] for a judgement) */
	json_t *ratings;                /* judgement: {domain: rating} (owned; {} otherwise) */
	enum risk_level highest_rating; /* judgement: highest rating as low→standard,
					 * moderate→medium, high→high; shown, never used
					 * as a level.  RISK_NONE otherwise. */
};

/* Release what a score owns; the struct itself is the caller's.  Safe on a
 * zeroed score and on one that instrument_score() refused. */
void score_free(struct score *s);
/*
 * Validate answers (a JSON object: item id → answer) against the instrument
 * and score them into *out (release with score_free()).  -1 when the answers
 * do not fit, with field the first offending path ("answers.fear", or
 * "answers" when it is not an object) and why one sentence naming every
 * missing item, the items the instrument does not have (up to ten, then how
 * many more) and every bad answer:
 *   "missing answers: fear, isolation; items not in ric v1: feer".
 * unknown answers are counted in .unknown, never as no.  field and why may be
 * NULL.
 */
int instrument_score(const instrument *in, json_t *answers, struct score *out, char *field,
		     size_t fieldlen, char *why, size_t whylen);

/* ---- professional judgement ------------------------------------------------- */

/*
 * The final level of an assessment.  floor: the level no judgement may go
 * below (the latest checklist's computed level, or RISK_NONE); computed: this
 * assessment's computed level (RISK_NONE if none); judged: the assessor's
 * level (RISK_NONE when no judgement is given; reason is then ignored).
 * With base = max(floor, computed): no judgement gives base; judged == base
 * gives base; judged above base (or any judged level when base is RISK_NONE)
 * needs a reason that is not blank; judged below base is refused, whatever
 * the reason.  0 and *final, or -1 with why.
 */
int judgement_apply(enum risk_level floor, enum risk_level computed, enum risk_level judged,
		    const char *reason, enum risk_level *final, char *why, size_t whylen);

/* ---- reviews ---------------------------------------------------------------- */

/* Days from an assessment to its next review, by level.  A field <= 0 takes
 * its default. */
struct review_policy {
	int high_days, medium_days, standard_days;
};
#define REVIEW_HIGH_DAYS 7
#define REVIEW_MEDIUM_DAYS 28
#define REVIEW_STANDARD_DAYS 90

/* The review interval for level l under p (NULL: the defaults); -1 for
 * RISK_NONE, which sets no review date. */
int review_days(const struct review_policy *p, enum risk_level l);

/* ---- MARAC referral --------------------------------------------------------- */

#define MARAC_ESCALATION_INCIDENTS 3 /* default: 3 incidents ... */
#define MARAC_ESCALATION_DAYS 365    /* ... within 12 months (the caller counts) */

struct marac_facts {
	enum risk_level computed;     /* the checklist's computed level */
	bool judgement_refer;         /* the assessor refers on judgement ... */
	const char *judgement_reason; /* ... for this reason (the route needs one) */
	int incidents_in_window;      /* incidents in the escalation window */
	int escalation_incidents;     /* threshold; <= 0 takes MARAC_ESCALATION_INCIDENTS */
	bool previously_referred;     /* referred to MARAC within the last 12 months */
	bool incident_since_referral; /* and a new incident since that referral */
};

/*
 * True when any referral route applies: the count reached high; the
 * assessor's judgement (with a reason); potential escalation
 * (incidents_in_window >= the threshold); a repeat referral (referred within
 * 12 months and a new incident since).  One sentence per route that applied
 * is appended to reasons, a JSON array, when it is not NULL.
 */
bool marac_due(const struct marac_facts *f, json_t *reasons);

#endif
