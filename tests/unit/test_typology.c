/*
 * Unit tests for core/typology: one clear case of each of the five types,
 * ambiguous and empty facts left undetermined, the evidence for and against,
 * the facts interface and the prompts a decision brings.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "core/casefile.h"
#include "core/typology.h"

static void set_count(struct typology_facts *f, const char *behaviour, int n)
{
	int i = typology_behaviour_index(behaviour);

	assert_true(i >= 0);
	f->behaviour[i] = n;
	f->incidents += n;
}

/* True when the result holds exactly this piece of evidence. */
static bool has(const struct typology_result *r, enum typology t, bool supports, int weight,
		const char *fact)
{
	for (int i = 0; i < r->n; i++)
		if (r->ev[i].type == t && r->ev[i].supports == supports &&
		    r->ev[i].weight == weight && strcmp(r->ev[i].fact, fact) == 0)
			return true;
	return false;
}

static void show(const struct typology_result *r)
{
	for (int i = 0; i < r->n; i++)
		fprintf(stderr, "  %-18s %s %d  %s\n", typology_name(r->ev[i].type),
			r->ev[i].supports ? "+" : "-", r->ev[i].weight, r->ev[i].fact);
}

static void expect(const struct typology_result *r, enum typology proposed,
		   const int score[TYPO_UNDETERMINED])
{
	bool ok = r->proposed == proposed;

	for (int t = 0; t < TYPO_UNDETERMINED; t++)
		ok &= r->score[t] == score[t];
	if (!ok) {
		show(r);
		fail_msg("proposed %s; scores %d %d %d %d %d", typology_name(r->proposed),
			 r->score[0], r->score[1], r->score[2], r->score[3], r->score[4]);
	}
}

/* ---- one clear case of each type ---------------------------------------------- */

static void a_former_partner_seeking_reconciliation_is_rejected(void **state)
{
	static const int score[] = { 8, 0, -2, 0, -3 };
	struct typology_facts f;
	struct typology_result r;

	(void)state;
	typology_facts_init(&f);
	f.relationship = "ex_partner";
	f.reconciliation_or_revenge = TYPO_YES;
	set_count(&f, "message", 4);
	set_count(&f, "turning_up_home", 2);
	typology_suggest(&f, &r);
	expect(&r, TYPO_REJECTED, score);
	assert_true(has(&r, TYPO_REJECTED, true, 5,
			"seeks reconciliation or revenge after the relationship ended"));
	assert_true(has(&r, TYPO_REJECTED, true, 3, "former intimate partner"));
	assert_true(has(&r, TYPO_INCOMPETENT_SUITOR, false, 2, "former intimate partner"));
	assert_true(has(&r, TYPO_PREDATORY, false, 2, "former intimate partner"));
	assert_true(has(&r, TYPO_PREDATORY, false, 1,
			"makes direct contact (4 messages, calls, posts or gifts): predatory "
			"stalking is usually covert"));
	assert_int_equal(r.n, 5);
}

static void someone_known_online_who_believes_in_a_relationship_is_an_intimacy_seeker(void **state)
{
	static const int score[] = { 0, 8, -1, 0, -1 };
	struct typology_facts f;
	struct typology_result r;

	(void)state;
	typology_facts_init(&f);
	f.relationship = "online_only";
	f.believes_relationship = TYPO_YES;
	set_count(&f, "social_media", 25);
	set_count(&f, "unwanted_gift", 3);
	typology_suggest(&f, &r);
	expect(&r, TYPO_INTIMACY_SEEKER, score);
	assert_true(has(&r, TYPO_INTIMACY_SEEKER, true, 5,
			"believes in a relationship that does not exist"));
	assert_true(has(&r, TYPO_INTIMACY_SEEKER, true, 1, "known only online"));
	assert_true(has(&r, TYPO_INTIMACY_SEEKER, true, 1,
			"persistent contact: 25 messages, calls or social-media contacts"));
	assert_true(has(&r, TYPO_INTIMACY_SEEKER, true, 1, "unwanted gifts: 3"));
	assert_true(has(&r, TYPO_INCOMPETENT_SUITOR, false, 1,
			"a long course of conduct (28 incidents): this type is usually short-lived"));
}

static void an_acquaintance_who_will_not_take_no_is_an_incompetent_suitor(void **state)
{
	static const int score[] = { 0, -2, 9, 0, -1 };
	json_t *screen = json_pack("[s, s]", "previous_stalking", "very_frightened");
	struct typology_facts f;
	struct typology_result r;

	(void)state;
	typology_facts_init(&f);
	f.relationship = "friend_acquaintance";
	f.seeks_date_ignores_refusal = TYPO_YES;
	f.believes_relationship = TYPO_NO;
	f.screen_yes = screen;
	set_count(&f, "message", 3);
	typology_suggest(&f, &r);
	expect(&r, TYPO_INCOMPETENT_SUITOR, score);
	assert_true(has(&r, TYPO_INCOMPETENT_SUITOR, true, 2,
			"seeks a date with someone who has never been a partner"));
	assert_true(has(&r, TYPO_INCOMPETENT_SUITOR, true, 1,
			"has stalked this or other victims before (stalking screen)"));
	assert_true(has(&r, TYPO_INTIMACY_SEEKER, false, 3,
			"assessed: no belief in an imagined relationship"));
	assert_true(has(&r, TYPO_INTIMACY_SEEKER, true, 1, "a friend or acquaintance"));
	json_decref(screen);
}

static void a_client_with_a_grievance_who_threatens_is_resentful(void **state)
{
	static const int score[] = { -2, 0, 0, 11, 0 };
	struct typology_facts f;
	struct typology_result r;

	(void)state;
	typology_facts_init(&f);
	f.relationship = "professional_customer";
	f.grievance = TYPO_YES;
	set_count(&f, "threat", 2);
	set_count(&f, "property_damage", 1);
	typology_suggest(&f, &r);
	expect(&r, TYPO_RESENTFUL, score);
	assert_true(has(&r, TYPO_RESENTFUL, true, 2, "a grievance arising from work or a service"));
	assert_true(has(&r, TYPO_RESENTFUL, true, 1, "threats: 2 recorded incidents"));
	assert_true(has(&r, TYPO_RESENTFUL, true, 1, "property damage: 1 recorded incident"));
	assert_true(has(&r, TYPO_REJECTED, false, 2,
			"met in a professional or customer relationship"));
}

static void a_stranger_watching_covertly_with_a_sexual_motive_is_predatory(void **state)
{
	static const int score[] = { -3, 0, 0, 0, 10 };
	json_t *screen = json_pack("[s]", "loitering");
	struct typology_facts f;
	struct typology_result r;

	(void)state;
	typology_facts_init(&f);
	f.relationship = "stranger";
	f.sexual_covert_preparation = TYPO_YES;
	f.screen_yes = screen;
	set_count(&f, "following", 3);
	set_count(&f, "loitering", 2);
	typology_suggest(&f, &r);
	expect(&r, TYPO_PREDATORY, score);
	assert_true(has(&r, TYPO_PREDATORY, true, 3,
			"a stranger who follows or watches without making contact"));
	assert_true(has(&r, TYPO_PREDATORY, true, 2, "a stranger"));
	assert_true(has(&r, TYPO_REJECTED, false, 3, "a stranger"));
	json_decref(screen);
}

/* ---- undetermined ------------------------------------------------------------- */

static void ambiguous_facts_are_undetermined_with_their_evidence(void **state)
{
	static const int both[] = { -3, 5, 7, 0, 2 };
	static const int alone[] = { 3, 0, -2, 0, -2 };
	static const int split[] = { 3, 0, -2, 5, -2 };
	struct typology_facts f;
	struct typology_result r;

	(void)state;
	/* two motives for two types, two points apart: not a clear lead */
	typology_facts_init(&f);
	f.relationship = "stranger";
	f.believes_relationship = TYPO_YES;
	f.seeks_date_ignores_refusal = TYPO_YES;
	typology_suggest(&f, &r);
	expect(&r, TYPO_UNDETERMINED, both);
	assert_true(has(&r, TYPO_INTIMACY_SEEKER, true, 5,
			"believes in a relationship that does not exist"));
	assert_true(has(&r, TYPO_INCOMPETENT_SUITOR, true, 5,
			"seeks a date or relationship and does not accept no"));
	/* the relationship alone does not reach the minimum */
	typology_facts_init(&f);
	f.relationship = "ex_partner";
	typology_suggest(&f, &r);
	expect(&r, TYPO_UNDETERMINED, alone);
	assert_int_equal(r.n, 3);
	/* a former partner with a grievance: rejected by context, resentful by motive */
	f.grievance = TYPO_YES;
	typology_suggest(&f, &r);
	expect(&r, TYPO_UNDETERMINED, split);
	/* the grievance ruled out and a reconciliation motive: rejected leads */
	f.grievance = TYPO_NO;
	f.reconciliation_or_revenge = TYPO_YES;
	typology_suggest(&f, &r);
	assert_int_equal(r.proposed, TYPO_REJECTED);
	assert_true(has(&r, TYPO_RESENTFUL, false, 3, "assessed: no grievance"));
}

static void no_facts_are_undetermined_without_evidence(void **state)
{
	static const int zero[] = { 0, 0, 0, 0, 0 };
	struct typology_facts f;
	struct typology_result r;

	(void)state;
	typology_facts_init(&f);
	assert_int_equal(f.grievance, TYPO_UNKNOWN);
	assert_null(f.relationship);
	assert_null(f.screen_yes);
	typology_suggest(&f, &r);
	expect(&r, TYPO_UNDETERMINED, zero);
	assert_int_equal(r.n, 0);
	f.relationship = "unknown";
	typology_suggest(&f, &r);
	expect(&r, TYPO_UNDETERMINED, zero);
	assert_int_equal(r.n, 0);
}

static void every_motive_ruled_out_counts_against_its_type(void **state)
{
	static const int score[] = { -3, -3, -3, -3, -3 };
	static const char *const names[] = { "reconciliation_or_revenge", "believes_relationship",
					     "seeks_date_ignores_refusal", "grievance",
					     "sexual_covert_preparation" };
	struct typology_facts f;
	struct typology_result r;

	(void)state;
	typology_facts_init(&f);
	for (int i = 0; i < 5; i++)
		assert_int_equal(typology_motive_set(&f, names[i], TYPO_NO), 0);
	typology_suggest(&f, &r);
	expect(&r, TYPO_UNDETERMINED, score);
	assert_int_equal(r.n, 5);
	for (int i = 0; i < r.n; i++) {
		assert_false(r.ev[i].supports);
		assert_int_equal(r.ev[i].type, i);
	}
	assert_int_equal(typology_motive_set(&f, "jealousy", TYPO_YES), -1);
	assert_int_equal(typology_motive_set(&f, NULL, TYPO_YES), -1);
	assert_int_equal(typology_motive_set(&f, "grievance", 2), -1);
	assert_int_equal(f.grievance, TYPO_NO);
	assert_int_equal(typology_motive_set(&f, "grievance", TYPO_UNKNOWN), 0);
	assert_int_equal(f.grievance, TYPO_UNKNOWN);
}

/* ---- the interface ------------------------------------------------------------ */

static void every_case_behaviour_has_its_own_index(void **state)
{
	bool seen[TYPOLOGY_BEHAVIOURS] = { false };

	(void)state;
	for (int i = 0; case_behaviours[i]; i++) {
		int k = typology_behaviour_index(case_behaviours[i]);

		assert_true(k >= 0 && k < TYPOLOGY_BEHAVIOURS);
		assert_false(seen[k]);
		seen[k] = true;
	}
	assert_int_equal(typology_behaviour_index("shouting"), -1);
	assert_int_equal(typology_behaviour_index(NULL), -1);
}

static void names_round_trip(void **state)
{
	(void)state;
	for (int t = 0; t < TYPO_COUNT; t++) {
		assert_true(case_vocab_has(case_typologies, typology_name((enum typology)t)));
		assert_int_equal(typology_parse(typology_name((enum typology)t)), t);
	}
	assert_string_equal(typology_name(TYPO_INTIMACY_SEEKER), "intimacy_seeker");
	assert_null(typology_name(TYPO_COUNT));
	assert_null(typology_name(TYPO_NONE));
	assert_int_equal(typology_parse("Rejected"), TYPO_NONE);
	assert_int_equal(typology_parse(NULL), TYPO_NONE);
}

static bool prompts_mention(enum typology t, const char *words)
{
	json_t *p = typology_prompts(t);
	bool found = false;

	for (size_t i = 0; i < json_array_size(p); i++)
		found |= strstr(json_string_value(json_array_get(p, i)), words) != NULL;
	json_decref(p);
	return found;
}

static void each_type_brings_its_prompts(void **state)
{
	(void)state;
	assert_true(prompts_mention(TYPO_REJECTED, "Highest risk of violence"));
	assert_true(prompts_mention(TYPO_REJECTED, "long persistence"));
	assert_true(prompts_mention(TYPO_INTIMACY_SEEKER, "Very persistent"));
	assert_true(prompts_mention(TYPO_INTIMACY_SEEKER, "Legal sanctions alone often fail"));
	assert_true(prompts_mention(TYPO_INTIMACY_SEEKER, "third parties"));
	assert_true(prompts_mention(TYPO_INTIMACY_SEEKER, "mental-health referral"));
	assert_true(prompts_mention(TYPO_INCOMPETENT_SUITOR, "recurs with new victims"));
	assert_true(prompts_mention(TYPO_INCOMPETENT_SUITOR, "other victims"));
	assert_true(prompts_mention(TYPO_RESENTFUL, "threatens and damages property"));
	assert_true(prompts_mention(TYPO_PREDATORY, "Covert"));
	assert_true(prompts_mention(TYPO_PREDATORY, "sexual violence"));
	assert_true(prompts_mention(TYPO_PREDATORY, "Urgent"));
	assert_true(prompts_mention(TYPO_UNDETERMINED, "undetermined"));
	assert_null(typology_prompts(TYPO_COUNT));
	assert_null(typology_prompts(TYPO_NONE));
}

static void the_result_as_json_explains_itself(void **state)
{
	struct typology_facts f;
	struct typology_result r;
	json_t *j, *ev;

	(void)state;
	typology_facts_init(&f);
	f.relationship = "ex_partner";
	f.reconciliation_or_revenge = TYPO_YES;
	typology_suggest(&f, &r);
	j = typology_result_json(&r);
	assert_string_equal(json_string_value(json_object_get(j, "proposed")), "rejected");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "scores"), "rejected")),
			 8);
	assert_string_equal(json_string_value(json_object_get(j, "rule")),
			    "a type is proposed when it scores at least 5 and leads every other "
			    "type by at least 3");
	ev = json_object_get(j, "evidence");
	assert_int_equal(json_array_size(ev), (size_t)r.n);
	assert_string_equal(json_string_value(json_object_get(json_array_get(ev, 2), "type")),
			    "incompetent_suitor");
	assert_true(json_is_false(json_object_get(json_array_get(ev, 2), "supports")));
	assert_int_equal(json_integer_value(json_object_get(json_array_get(ev, 2), "weight")), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(ev, 2), "fact")),
			    "former intimate partner");
	json_decref(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_former_partner_seeking_reconciliation_is_rejected),
		cmocka_unit_test(someone_known_online_who_believes_in_a_relationship_is_an_intimacy_seeker),
		cmocka_unit_test(an_acquaintance_who_will_not_take_no_is_an_incompetent_suitor),
		cmocka_unit_test(a_client_with_a_grievance_who_threatens_is_resentful),
		cmocka_unit_test(a_stranger_watching_covertly_with_a_sexual_motive_is_predatory),
		cmocka_unit_test(ambiguous_facts_are_undetermined_with_their_evidence),
		cmocka_unit_test(no_facts_are_undetermined_without_evidence),
		cmocka_unit_test(every_motive_ruled_out_counts_against_its_type),
		cmocka_unit_test(every_case_behaviour_has_its_own_index),
		cmocka_unit_test(names_round_trip),
		cmocka_unit_test(each_type_brings_its_prompts),
		cmocka_unit_test(the_result_as_json_explains_itself),
	};
	return cmocka_run_group_tests_name("typology", tests, NULL, NULL);
}
