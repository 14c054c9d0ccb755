/*
 * typology — the weighted rules of the typology aid, and the type prompts.
 *
 * Each rule that applies adds its weight to one type's score (positive: the
 * fact supports the type; negative: it counts against it) and records the
 * fact, so the answer can always be explained line by line.  The weights:
 *
 *   fact                                                 type                weight
 *   ---------------------------------------------------  ------------------  ------
 *   motivation checklist answered yes                    its type (motives[])    +5
 *   motivation checklist answered no                     its type                -3
 *   the relationship (relations[])                       several              -3..+3
 *   not a partner, and seeks a date without taking no    incompetent suitor      +2
 *   met through work or as a professional, and a
 *     grievance                                          resentful               +2
 *   threats recorded (incidents or screen)               resentful               +1
 *   property damage recorded (incidents or screen)       resentful               +1
 *   a stranger who follows or watches without contact    predatory               +3
 *   direct contact: messages, calls, social media, gifts predatory               -1
 *   persistent contact: 10 or more messages, calls,
 *     social-media contacts                              intimacy seeker         +1
 *   unwanted gifts                                       intimacy seeker         +1
 *   has stalked this or other victims before (screen)    incompetent suitor      +1
 *   a long course of conduct: 10 or more incidents       incompetent suitor      -1
 *
 * The motives weigh most because they are the definition of the types (Mullen
 * et al. classify by the context and the motive); the relationship comes next
 * because it usually is that context; behaviours only lean.  A type is
 * proposed when it scores TYPOLOGY_MIN_SCORE (one motive on its own reaches
 * it) and leads the next by TYPOLOGY_MARGIN (so two motives answered yes for
 * two types, with nothing else to tell them apart, leave it undetermined).
 */
#include "core/typology.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/text.h"
#include "core/casefile.h"

#define MOTIVE_YES 5
#define MOTIVE_NO (-3)
#define NOT_PARTNER_SEEKS_DATE 2
#define WORK_GRIEVANCE 2
#define THREATS 1
#define DAMAGE 1
#define COVERT_STRANGER 3
#define DIRECT_CONTACT (-1)
#define PERSISTENT_CONTACT 1
#define PERSISTENT_CONTACT_MIN 10
#define GIFTS 1
#define STALKED_BEFORE 1
#define LONG_COURSE (-1)
#define LONG_COURSE_MIN 10

static const char *const type_names[TYPO_COUNT] = {
	"rejected", "intimacy_seeker", "incompetent_suitor", "resentful", "predatory",
	"undetermined",
};

const char *typology_name(enum typology t)
{
	return t >= 0 && t < TYPO_COUNT ? type_names[t] : NULL;
}

enum typology typology_parse(const char *s)
{
	int i = text_index(type_names, TYPO_COUNT, s);

	return i < 0 ? TYPO_NONE : (enum typology)i;
}

/* What each decided type asks of the people managing the case. */
static const char *const prompts[TYPO_COUNT][5] = {
	[TYPO_REJECTED] = {
		"Highest risk of violence of the five types: plan for it.",
		"Expect long persistence: the stalking may go on for a long time.",
	},
	[TYPO_INTIMACY_SEEKER] = {
		"Very persistent: expect the conduct to continue.",
		"Legal sanctions alone often fail with this type: pair them with treatment.",
		"Risk to third parties seen as standing in the way (a new partner, family, colleagues).",
		"Consider a mental-health referral.",
	},
	[TYPO_INCOMPETENT_SUITOR] = {
		"Usually short-lived with one victim, but recurs with new victims.",
		"Check the register for other victims of this suspect.",
	},
	[TYPO_RESENTFUL] = {
		"The type that most often threatens and damages property: harden the target.",
	},
	[TYPO_PREDATORY] = {
		"Covert: the victim may be unaware of much of the conduct.",
		"Risk of sexual violence.",
		"Urgent: act now rather than at the next review.",
	},
	[TYPO_UNDETERMINED] = {
		"Type undetermined: revisit the typology as the motive becomes clearer.",
	},
};

json_t *typology_prompts(enum typology t)
{
	json_t *a;

	if (t < 0 || t >= TYPO_COUNT)
		return NULL;
	a = json_array();
	for (int i = 0; i < 5 && prompts[t][i]; i++)
		json_array_append_new(a, json_string(prompts[t][i]));
	return a;
}

/* ---- facts ------------------------------------------------------------------ */

static const struct motive {
	const char *name;
	size_t offset; /* of its int in struct typology_facts */
	enum typology type;
	const char *yes, *no;
} motives[] = {
	{ "reconciliation_or_revenge", offsetof(struct typology_facts, reconciliation_or_revenge),
	  TYPO_REJECTED, "seeks reconciliation or revenge after the relationship ended",
	  "assessed: not seeking reconciliation or revenge" },
	{ "believes_relationship", offsetof(struct typology_facts, believes_relationship),
	  TYPO_INTIMACY_SEEKER, "believes in a relationship that does not exist",
	  "assessed: no belief in an imagined relationship" },
	{ "seeks_date_ignores_refusal", offsetof(struct typology_facts, seeks_date_ignores_refusal),
	  TYPO_INCOMPETENT_SUITOR, "seeks a date or relationship and does not accept no",
	  "assessed: not seeking a date or relationship" },
	{ "grievance", offsetof(struct typology_facts, grievance), TYPO_RESENTFUL,
	  "nurses a grievance or sense of injustice", "assessed: no grievance" },
	{ "sexual_covert_preparation", offsetof(struct typology_facts, sexual_covert_preparation),
	  TYPO_PREDATORY, "sexual motive, covert watching or preparation",
	  "assessed: no sexual motive, covert watching or preparation" },
};

#define NMOTIVES (sizeof motives / sizeof motives[0])

static int motive_get(const struct typology_facts *f, const struct motive *m)
{
	return *(const int *)((const char *)f + m->offset);
}

void typology_facts_init(struct typology_facts *f)
{
	memset(f, 0, sizeof *f);
	for (size_t i = 0; i < NMOTIVES; i++)
		*(int *)((char *)f + motives[i].offset) = TYPO_UNKNOWN;
}

int typology_behaviour_index(const char *name)
{
	return text_index(case_behaviours, TYPOLOGY_BEHAVIOURS, name);
}

int typology_motive_set(struct typology_facts *f, const char *name, int answer)
{
	if (answer != TYPO_UNKNOWN && answer != TYPO_NO && answer != TYPO_YES)
		return -1;
	for (size_t i = 0; name && i < NMOTIVES; i++)
		if (strcmp(motives[i].name, name) == 0) {
			*(int *)((char *)f + motives[i].offset) = answer;
			return 0;
		}
	return -1;
}

/* Relationship weights: a type's weight, 0 ending the list. */
static const struct relation {
	const char *name;
	const char *fact;
	struct {
		enum typology type;
		int weight;
	} effect[4];
} relations[] = {
	{ "ex_partner", "former intimate partner",
	  { { TYPO_REJECTED, 3 }, { TYPO_INCOMPETENT_SUITOR, -2 }, { TYPO_PREDATORY, -2 } } },
	{ "intimate_partner", "current intimate partner",
	  { { TYPO_REJECTED, 2 }, { TYPO_INCOMPETENT_SUITOR, -2 }, { TYPO_PREDATORY, -2 } } },
	{ "family", "a family member",
	  { { TYPO_REJECTED, 1 }, { TYPO_RESENTFUL, 1 }, { TYPO_INCOMPETENT_SUITOR, -2 },
	    { TYPO_PREDATORY, -2 } } },
	{ "friend_acquaintance", "a friend or acquaintance",
	  { { TYPO_INCOMPETENT_SUITOR, 1 }, { TYPO_INTIMACY_SEEKER, 1 } } },
	{ "work", "a colleague or someone met through work",
	  { { TYPO_RESENTFUL, 1 }, { TYPO_REJECTED, -1 } } },
	{ "professional_customer", "met in a professional or customer relationship",
	  { { TYPO_RESENTFUL, 2 }, { TYPO_REJECTED, -2 } } },
	{ "online_only", "known only online", { { TYPO_INTIMACY_SEEKER, 1 } } },
	{ "stranger", "a stranger", { { TYPO_PREDATORY, 2 }, { TYPO_REJECTED, -3 } } },
};

static void add(struct typology_result *r, enum typology t, int weight, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void add(struct typology_result *r, enum typology t, int weight, const char *fmt, ...)
{
	struct typology_evidence *e;
	va_list ap;

	r->score[t] += weight;
	/* at most 5 motives + 4 relationship effects + 10 patterns: always fits */
	if (r->n >= TYPOLOGY_EVIDENCE_MAX)
		return;
	e = &r->ev[r->n++];
	e->type = t;
	e->supports = weight > 0;
	e->weight = weight > 0 ? weight : -weight;
	va_start(ap, fmt);
	vsnprintf(e->fact, sizeof e->fact, fmt, ap);
	va_end(ap);
}

static int count(const struct typology_facts *f, const char *behaviour)
{
	int i = typology_behaviour_index(behaviour);
	int n = i < 0 ? 0 : f->behaviour[i];

	return n > 0 ? n : 0;
}

static bool screened_yes(const struct typology_facts *f, const char *item)
{
	for (size_t i = 0; i < json_array_size(f->screen_yes); i++) {
		const char *s = json_string_value(json_array_get(f->screen_yes, i));

		if (s && strcmp(s, item) == 0)
			return true;
	}
	return false;
}

static bool rel_is(const struct typology_facts *f, const char *name)
{
	return f->relationship && strcmp(f->relationship, name) == 0;
}

static void weigh_relationship(const struct typology_facts *f, struct typology_result *r)
{
	for (size_t i = 0; i < sizeof relations / sizeof relations[0]; i++) {
		const struct relation *rel = &relations[i];

		if (!rel_is(f, rel->name))
			continue;
		for (int k = 0; k < 4 && rel->effect[k].weight; k++)
			add(r, rel->effect[k].type, rel->effect[k].weight, "%s", rel->fact);
	}
}

static void weigh_patterns(const struct typology_facts *f, struct typology_result *r)
{
	int threats = count(f, "threat"), damage = count(f, "property_damage");
	int watching = count(f, "following") + count(f, "loitering") +
		       count(f, "turning_up_home") + count(f, "turning_up_work");
	int contact = count(f, "message") + count(f, "call") + count(f, "social_media");
	int gifts = count(f, "unwanted_gift");
	bool not_partner = rel_is(f, "stranger") || rel_is(f, "friend_acquaintance") ||
			   rel_is(f, "online_only") || rel_is(f, "work") ||
			   rel_is(f, "professional_customer");

	if (not_partner && f->seeks_date_ignores_refusal == TYPO_YES)
		add(r, TYPO_INCOMPETENT_SUITOR, NOT_PARTNER_SEEKS_DATE,
		    "seeks a date with someone who has never been a partner");
	if ((rel_is(f, "work") || rel_is(f, "professional_customer")) && f->grievance == TYPO_YES)
		add(r, TYPO_RESENTFUL, WORK_GRIEVANCE, "a grievance arising from work or a service");
	if (threats > 0)
		add(r, TYPO_RESENTFUL, THREATS, "threats: %d recorded incident%s", threats,
		    threats == 1 ? "" : "s");
	else if (screened_yes(f, "threats_violence"))
		add(r, TYPO_RESENTFUL, THREATS, "threats of violence (stalking screen)");
	if (damage > 0)
		add(r, TYPO_RESENTFUL, DAMAGE, "property damage: %d recorded incident%s", damage,
		    damage == 1 ? "" : "s");
	else if (screened_yes(f, "property_damage"))
		add(r, TYPO_RESENTFUL, DAMAGE, "property damage (stalking screen)");
	if (rel_is(f, "stranger") && contact + gifts == 0 &&
	    (watching > 0 || screened_yes(f, "loitering") || screened_yes(f, "visits_home_work")))
		add(r, TYPO_PREDATORY, COVERT_STRANGER,
		    "a stranger who follows or watches without making contact");
	if (contact + gifts > 0)
		add(r, TYPO_PREDATORY, DIRECT_CONTACT,
		    "makes direct contact (%d messages, calls, posts or gifts): predatory "
		    "stalking is usually covert",
		    contact + gifts);
	if (contact >= PERSISTENT_CONTACT_MIN)
		add(r, TYPO_INTIMACY_SEEKER, PERSISTENT_CONTACT,
		    "persistent contact: %d messages, calls or social-media contacts", contact);
	if (gifts > 0)
		add(r, TYPO_INTIMACY_SEEKER, GIFTS, "unwanted gifts: %d", gifts);
	if (screened_yes(f, "previous_stalking"))
		add(r, TYPO_INCOMPETENT_SUITOR, STALKED_BEFORE,
		    "has stalked this or other victims before (stalking screen)");
	if (f->incidents >= LONG_COURSE_MIN)
		add(r, TYPO_INCOMPETENT_SUITOR, LONG_COURSE,
		    "a long course of conduct (%d incidents): this type is usually short-lived",
		    f->incidents);
}

void typology_suggest(const struct typology_facts *f, struct typology_result *out)
{
	int best = 0, second = -1;

	memset(out, 0, sizeof *out);
	for (size_t i = 0; i < NMOTIVES; i++) {
		const struct motive *m = &motives[i];
		int a = motive_get(f, m);

		if (a == TYPO_YES)
			add(out, m->type, MOTIVE_YES, "%s", m->yes);
		else if (a == TYPO_NO)
			add(out, m->type, MOTIVE_NO, "%s", m->no);
	}
	weigh_relationship(f, out);
	weigh_patterns(f, out);
	for (int t = 1; t < TYPO_UNDETERMINED; t++)
		if (out->score[t] > out->score[best])
			best = t;
	for (int t = 0; t < TYPO_UNDETERMINED; t++)
		if (t != best && (second < 0 || out->score[t] > out->score[second]))
			second = t;
	out->proposed = out->score[best] >= TYPOLOGY_MIN_SCORE &&
				out->score[best] - out->score[second] >= TYPOLOGY_MARGIN
			? (enum typology)best
			: TYPO_UNDETERMINED;
}

json_t *typology_result_json(const struct typology_result *r)
{
	json_t *o = json_object(), *scores = json_object(), *ev = json_array();

	json_object_set_new(o, "proposed", json_string(type_names[r->proposed]));
	for (int t = 0; t < TYPO_UNDETERMINED; t++)
		json_object_set_new(scores, type_names[t], json_integer(r->score[t]));
	json_object_set_new(o, "scores", scores);
	json_object_set_new(o, "rule", json_sprintf("a type is proposed when it scores at least %d "
						    "and leads every other type by at least %d",
						    TYPOLOGY_MIN_SCORE, TYPOLOGY_MARGIN));
	for (int i = 0; i < r->n; i++)
		json_array_append_new(ev, json_pack("{s:s, s:b, s:i, s:s}", "type",
						    type_names[r->ev[i].type], "supports",
						    r->ev[i].supports, "weight", r->ev[i].weight,
						    "fact", r->ev[i].fact));
	json_object_set_new(o, "evidence", ev);
	return o;
}
