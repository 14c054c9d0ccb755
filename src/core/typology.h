/*
 * typology — the typology aid: a proposed stalker type (Mullen et al.'s five:
 * rejected, intimacy seeker, incompetent suitor, resentful, predatory) from
 * the facts recorded on a case, with every fact that weighed for or against
 * each type, and the prompts a decided type brings into the case.
 *
 * The aid proposes; the assessor decides.  The rules are a weighted table
 * (see typology.c): the motivation checklist weighs most, the relationship
 * next, behaviours and stalking-screen answers least.  A type is proposed only
 * when it clearly leads; otherwise the answer is "undetermined", with the
 * evidence.  Pure: no I/O.
 */
#ifndef VIGIL_CORE_TYPOLOGY_H
#define VIGIL_CORE_TYPOLOGY_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

enum typology {
	TYPO_REJECTED,
	TYPO_INTIMACY_SEEKER,
	TYPO_INCOMPETENT_SUITOR,
	TYPO_RESENTFUL,
	TYPO_PREDATORY,
	TYPO_UNDETERMINED,
	TYPO_COUNT,
	TYPO_NONE = -1, /* typology_parse: not a type */
};

/* "rejected", "intimacy_seeker", "incompetent_suitor", "resentful",
 * "predatory", "undetermined"; NULL when out of range. */
const char *typology_name(enum typology t);
/* The type named s, else TYPO_NONE. */
enum typology typology_parse(const char *s);
/* The prompts a decision brings into the case, as a JSON array of strings
 * (caller owns); NULL when t is out of range. */
json_t *typology_prompts(enum typology t);

/* ---- the aid ---------------------------------------------------------------- */

#define TYPOLOGY_BEHAVIOURS 16 /* room for casefile's behaviour vocabulary */

/* Answers of the motivation checklist. */
enum typology_answer { TYPO_UNKNOWN = -1, TYPO_NO = 0, TYPO_YES = 1 };

struct typology_facts {
	const char *relationship; /* a case_relationships name, or NULL when not recorded */
	int incidents;            /* incidents on the case, all behaviours */
	int behaviour[TYPOLOGY_BEHAVIOURS]; /* incidents by typology_behaviour_index() */
	/* The stalking screen's yes items, as ids: struct score's yes_items from
	 * the "stalking-screen" instrument; NULL when no screen was done. */
	const json_t *screen_yes;
	/* the motivation checklist, each an enum typology_answer */
	int reconciliation_or_revenge;  /* after the end of a relationship */
	int believes_relationship;      /* believes in a relationship that does not exist */
	int seeks_date_ignores_refusal; /* wants a date or relationship, does not accept no */
	int grievance;                  /* a grievance or sense of injustice */
	int sexual_covert_preparation;  /* sexual motive, covert watching, preparation */
};

/* No facts: no relationship, no incidents, no screen, every motive unknown. */
void typology_facts_init(struct typology_facts *f);
/* The index of behaviour name (casefile's case_behaviours: "message", "call",
 * ... "other") in facts.behaviour, or -1. */
int typology_behaviour_index(const char *name);
/* Set the motive named as its field above ("grievance", ...) to a
 * typology_answer: 0, or -1 for an unknown name or answer. */
int typology_motive_set(struct typology_facts *f, const char *name, int answer);

#define TYPOLOGY_FACT_MAX 160
#define TYPOLOGY_EVIDENCE_MAX 48

struct typology_evidence {
	enum typology type;           /* the type this fact concerns */
	bool supports;                /* for it, or counting against it */
	int weight;                   /* its weight, > 0 (the table in typology.c) */
	char fact[TYPOLOGY_FACT_MAX]; /* the fact, in words: "former intimate partner" */
};

struct typology_result {
	enum typology proposed;       /* a type, or TYPO_UNDETERMINED */
	int score[TYPO_UNDETERMINED]; /* each type's sum: support minus counter-evidence */
	int n;                        /* evidence entries */
	struct typology_evidence ev[TYPOLOGY_EVIDENCE_MAX];
};

/* A type is proposed when it scores at least TYPOLOGY_MIN_SCORE and leads
 * every other type by at least TYPOLOGY_MARGIN. */
#define TYPOLOGY_MIN_SCORE 5
#define TYPOLOGY_MARGIN 3

/* Weigh the facts; every fact that counted is in out->ev, in rule order. */
void typology_suggest(const struct typology_facts *f, struct typology_result *out);
/* The result for the API: {"proposed", "scores": {type: n}, "rule",
 * "evidence": [{"type", "supports", "weight", "fact"}]}.  Caller owns. */
json_t *typology_result_json(const struct typology_result *r);

#endif
