/*
 * Unit tests for core/plan: the life of an action, the suggestion table
 * (the built-in file, how rules match, and every loader error naming the
 * file and place), the `assessed` gate's messages, closing outcomes, task and
 * contact deadlines; and core/victim's referral statuses.  Run from the
 * repository root: plans/suggestions.json and instruments/ are read there.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/instrument.h"
#include "core/plan.h"
#include "core/victim.h"
#include "instruments.h"
#include "moves.h"

/* ---- actions ------------------------------------------------------------------ */

static void action_statuses_move_along_the_allowed_paths_only(void **state)
{
	char why[300];

	(void)state;
	assert_int_equal(plan_action_move(PLAN_PLANNED, PLAN_IN_PROGRESS, NULL, why, sizeof why), 0);
	assert_int_equal(plan_action_move(PLAN_PLANNED, PLAN_DONE, NULL, why, sizeof why), 0);
	assert_int_equal(plan_action_move(PLAN_IN_PROGRESS, PLAN_DONE, NULL, why, sizeof why), 0);
	assert_int_equal(plan_action_move(PLAN_DONE, PLAN_DONE, NULL, why, sizeof why), 0);
	/* back to planned is never a move */
	assert_int_equal(plan_action_move(PLAN_IN_PROGRESS, PLAN_PLANNED, "x", why, sizeof why), -1);
	assert_non_null(strstr(why, "from in_progress it may go to done or not_done"));
	assert_int_equal(plan_action_move(PLAN_DONE, PLAN_PLANNED, "x", why, sizeof why), -1);
	assert_int_equal(plan_action_move(PLAN_NOT_DONE, PLAN_DONE, "x", why, sizeof why), -1);
}

static void not_done_and_reopening_need_a_reason(void **state)
{
	char why[300];

	(void)state;
	assert_int_equal(plan_action_move(PLAN_PLANNED, PLAN_NOT_DONE, NULL, why, sizeof why), -1);
	assert_non_null(strstr(why, "reason"));
	assert_int_equal(plan_action_move(PLAN_PLANNED, PLAN_NOT_DONE, "  \n", why, sizeof why), -1);
	assert_int_equal(plan_action_move(PLAN_PLANNED, PLAN_NOT_DONE, "victim moved away", why,
					  sizeof why),
			 0);
	assert_int_equal(plan_action_move(PLAN_DONE, PLAN_IN_PROGRESS, NULL, why, sizeof why), -1);
	assert_non_null(strstr(why, "reopening a done action needs a reason"));
	assert_int_equal(plan_action_move(PLAN_DONE, PLAN_IN_PROGRESS, "locks failed", why,
					  sizeof why),
			 0);
	assert_int_equal(plan_action_move(PLAN_NOT_DONE, PLAN_IN_PROGRESS, "she agreed now", why,
					  sizeof why),
			 0);
}

static void an_action_is_overdue_only_while_open_and_past_its_due_time(void **state)
{
	(void)state;
	assert_false(plan_action_overdue(PLAN_PLANNED, 1000, 1000));
	assert_true(plan_action_overdue(PLAN_PLANNED, 1000, 1001));
	assert_true(plan_action_overdue(PLAN_IN_PROGRESS, 1000, 1001));
	assert_false(plan_action_overdue(PLAN_DONE, 1000, 5000));
	assert_false(plan_action_overdue(PLAN_NOT_DONE, 1000, 5000));
	assert_false(plan_action_overdue(PLAN_PLANNED, 0, 5000)); /* no due date */
}

static void categories_have_titles(void **state)
{
	(void)state;
	assert_string_equal(plan_category_title("victim_safety"), "victim safety and target hardening");
	assert_string_equal(plan_category_title("treatment"), "treatment and intervention");
	assert_null(plan_category_title("target_hardening"));
	assert_int_equal(plan_action_status_parse("in_progress"), PLAN_IN_PROGRESS);
	assert_int_equal(plan_action_status_parse("started"), PLAN_STATUS_NONE);
}

/* ---- the built-in suggestion table ----------------------------------------------- */

static plan_suggestions *builtin(void)
{
	plan_suggestions *s = NULL;
	char err[512];

	if (plan_suggestions_load("plans/suggestions.json", instruments, &s, err, sizeof err) < 0)
		fail_msg("plans/suggestions.json: %s", err);
	return s;
}

static void a_high_risk_rejected_ex_partner_brings_the_issues_five_actions(void **state)
{
	plan_suggestions *s = builtin();
	struct plan_facts f = { "high", "rejected", NULL };
	json_t *out;

	(void)state;
	assert_string_equal(plan_suggestions_screen(s), "stalking-screen");
	out = plan_suggest(s, &f);
	assert_non_null(plan_suggestion_in(out, "target-hardening-home"));
	assert_non_null(plan_suggestion_in(out, "spo-application"));
	assert_non_null(plan_suggestion_in(out, "consider-tag"));
	assert_non_null(plan_suggestion_in(out, "marac-referral"));
	assert_non_null(plan_suggestion_in(out, "advocate-referral"));
	/* each once, with every rule that brought it */
	{
		size_t i, n = 0;
		json_t *it;

		json_array_foreach(out, i, it) {
			if (strcmp(json_string_value(json_object_get(it, "id")), "marac-referral") == 0) {
				n++;
				assert_int_equal(json_array_size(json_object_get(it, "because")), 2);
			}
		}
		assert_int_equal(n, 1);
	}
	json_decref(out);
	plan_suggestions_free(s);
}

static void a_rule_matches_only_when_every_condition_holds(void **state)
{
	plan_suggestions *s = builtin();
	struct plan_facts medium = { "medium", "rejected", NULL };
	struct plan_facts none = { NULL, NULL, NULL };
	json_t *out;

	(void)state;
	out = plan_suggest(s, &medium);
	assert_null(plan_suggestion_in(out, "consider-tag"));  /* high-rejected needs high */
	assert_non_null(plan_suggestion_in(out, "spo-application")); /* medium-rejected */
	assert_null(plan_suggestion_in(out, "marac-referral"));
	json_decref(out);
	/* no level, no typology, no screen: only the every-case rule */
	out = plan_suggest(s, &none);
	assert_int_equal(json_array_size(out), 2);
	assert_non_null(plan_suggestion_in(out, "evidence-diary"));
	assert_non_null(plan_suggestion_in(out, "digital-safety"));
	json_decref(out);
	plan_suggestions_free(s);
}

static void screen_yes_items_bring_their_actions_and_no_items_do_not(void **state)
{
	plan_suggestions *s = builtin();
	json_t *yes = json_pack("[s]", "loitering"), *out;
	struct plan_facts f = { "standard", "undetermined", yes };

	(void)state;
	out = plan_suggest(s, &f);
	assert_non_null(plan_suggestion_in(out, "workplace-plan"));
	assert_non_null(plan_suggestion_in(out, "consider-tag"));
	assert_null(plan_suggestion_in(out, "panic-alarm"));
	json_decref(out);
	json_array_clear(yes);
	json_array_append_new(yes, json_string("very_frightened")); /* no rule on it */
	out = plan_suggest(s, &f);
	assert_null(plan_suggestion_in(out, "workplace-plan"));
	json_decref(out);
	json_decref(yes);
	plan_suggestions_free(s);
}

static void a_suggestion_is_found_by_id(void **state)
{
	plan_suggestions *s = builtin();
	const char *cat, *desc;

	(void)state;
	assert_int_equal(plan_suggestion_get(s, "consider-tag", &cat, &desc), 0);
	assert_string_equal(cat, "monitoring");
	assert_non_null(strstr(desc, "GPS tag"));
	assert_int_equal(plan_suggestion_get(s, "nope", &cat, &desc), -1);
	plan_suggestions_free(s);
}

/* ---- loader errors ------------------------------------------------------------------ */

/* Load text as a table from a temporary file: 0, or -1 with err. */
static int load_text(const char *text, char *err, size_t errlen, char *path, size_t pathlen)
{
	plan_suggestions *s = NULL;
	FILE *f;
	int fd, rc;

	snprintf(path, pathlen, "/tmp/vigil-suggestions-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	fputs(text, f);
	fclose(f);
	rc = plan_suggestions_load(path, instruments, &s, err, errlen);
	assert_true(rc == 0 ? s != NULL : s == NULL);
	plan_suggestions_free(s);
	unlink(path);
	return rc;
}

#define HEAD "{\"version\": 1, \"screen\": \"stalking-screen\", "
#define ACT "\"actions\": {\"a\": {\"category\": \"monitoring\", \"description\": \"Tag\"}}, "

static void expect_error(const char *text, const char *needle)
{
	char err[700], path[64], want[800];

	assert_int_equal(load_text(text, err, sizeof err, path, sizeof path), -1);
	snprintf(want, sizeof want, "%s: %s", path, needle);
	if (strstr(err, want) == NULL)
		fail_msg("expected \"%s\" in \"%s\"", want, err);
}

static void a_good_small_table_loads(void **state)
{
	char err[700], path[64];

	(void)state;
	assert_int_equal(load_text(HEAD ACT "\"rules\": [{\"id\": \"r\", \"why\": \"W\", \"when\": {}, "
					    "\"suggest\": [\"a\"]}]}",
				   err, sizeof err, path, sizeof path),
			 0);
}

static void every_broken_table_is_refused_naming_the_file_and_the_place(void **state)
{
	(void)state;
	expect_error("{", "line 1, column 1");
	/* jansson quotes half a UTF-8 character near the error: escaped, so the
	 * message stays text (found by fuzz_instrument in the same loader code) */
	expect_error("{\"version\": \"\\\xef\x88\xac\"}",
		     "line 1, column 15: invalid escape near '\"\\\\\\xef'");
	expect_error("[]", "the suggestion table must be a JSON object");
	expect_error(HEAD ACT "\"rules\": [], \"extra\": 1}", "unknown field 'extra'");
	expect_error("{\"version\": 0, \"screen\": \"stalking-screen\", " ACT "\"rules\": []}",
		     "version must be an integer from 1");
	expect_error("{\"version\": 1, \"screen\": \"ric\", " ACT "\"rules\": []}",
		     "screen: 'ric' is not a screen instrument that is loaded");
	expect_error(HEAD "\"actions\": {\"a\": {\"category\": \"tagging\", \"description\": \"T\"}},"
			  " \"rules\": []}",
		     "action 'a': category must be one of: victim_safety");
	expect_error(HEAD "\"actions\": {\"A b\": {\"category\": \"monitoring\", \"description\": "
			  "\"T\"}}, \"rules\": []}",
		     "action 'A b': an id is");
	expect_error(HEAD "\"actions\": {\"a\": {\"category\": \"monitoring\"}}, \"rules\": []}",
		     "action 'a': missing field 'description'");
	expect_error(HEAD ACT "\"rules\": []}", "rules must be a list of 1 to");
	expect_error(HEAD ACT "\"rules\": [{\"id\": \"r\", \"why\": \"W\", \"when\": {}, "
			      "\"suggest\": [\"tag\"]}]}",
		     "rule 1 (r): suggests 'tag' which is not among the actions");
	expect_error(HEAD ACT "\"rules\": [{\"id\": \"r\", \"why\": \"W\", \"when\": "
			      "{\"risk_level\": [\"severe\"]}, \"suggest\": [\"a\"]}]}",
		     "rule 1 (r): when.risk_level: 'severe' is not a risk level");
	expect_error(HEAD ACT "\"rules\": [{\"id\": \"r\", \"why\": \"W\", \"when\": "
			      "{\"typology\": [\"jealous\"]}, \"suggest\": [\"a\"]}]}",
		     "rule 1 (r): when.typology: 'jealous' is not a typology");
	expect_error(HEAD ACT "\"rules\": [{\"id\": \"r\", \"why\": \"W\", \"when\": "
			      "{\"screen_yes\": [\"feer\"]}, \"suggest\": [\"a\"]}]}",
		     "rule 1 (r): when.screen_yes: 'feer' is not an item of the screen "
		     "'stalking-screen'");
	expect_error(HEAD ACT "\"rules\": [{\"id\": \"r\", \"why\": \"W\", \"when\": "
			      "{\"risk\": [\"high\"]}, \"suggest\": [\"a\"]}]}",
		     "rule 1 (r): unknown field 'risk'");
	expect_error(HEAD ACT "\"rules\": [{\"id\": \"r\", \"why\": \"W\", \"when\": {}, \"suggest\":"
			      " [\"a\"]}, {\"id\": \"r\", \"why\": \"W\", \"when\": {}, \"suggest\": "
			      "[\"a\"]}]}",
		     "rule 2 (r): duplicate rule id 'r'");
	expect_error(HEAD ACT "\"rules\": [{\"id\": \"r\", \"when\": {}, \"suggest\": [\"a\"]}]}",
		     "rule 1 (r): missing field 'why'");
	expect_error(HEAD "\"actions\": {\"a\": {\"category\": \"monitoring\", \"description\": \"T\"},"
			  " \"b\": {\"category\": \"monitoring\", \"description\": \"U\"}}, \"rules\": "
			  "[{\"id\": \"r\", \"why\": \"W\", \"when\": {}, \"suggest\": [\"a\"]}]}",
		     "action 'b' is suggested by no rule");
	expect_error(HEAD ACT "\"rules\": [{\"id\": \"r\", \"why\": \"W\", \"when\": {}, \"suggest\": "
			      "[\"a\", \"a\"]}]}",
		     "rule 1 (r): suggests 'a' twice");
}

static void a_missing_file_is_named(void **state)
{
	plan_suggestions *s = NULL;
	char err[300];

	(void)state;
	assert_int_equal(plan_suggestions_load("/nonexistent/s.json", instruments, &s, err,
					       sizeof err),
			 -1);
	assert_null(s);
	assert_non_null(strstr(err, "/nonexistent/s.json: cannot open"));
}

/* ---- gates ---------------------------------------------------------------------- */

static void the_assessed_gate_names_exactly_what_is_missing(void **state)
{
	char why[600];
	struct plan_gate_facts f = { 0 };

	(void)state;
	assert_int_equal(plan_gate_assessed(&f, why, sizeof why), -1);
	assert_non_null(strstr(why, "there is no plan"));
	assert_null(strstr(why, "advocate"));
	f.has_plan = true;
	assert_int_equal(plan_gate_assessed(&f, why, sizeof why), -1);
	assert_non_null(strstr(why, "no action of the plan has both"));
	f.actions_ready = 1;
	assert_int_equal(plan_gate_assessed(&f, why, sizeof why), 0);
	f.high_risk = true;
	assert_int_equal(plan_gate_assessed(&f, why, sizeof why), -1);
	assert_non_null(strstr(why, "an advocate referral offered, accepted or declined"));
	assert_null(strstr(why, "owner"));
	f.actions_ready = 0;
	assert_int_equal(plan_gate_assessed(&f, why, sizeof why), -1);
	assert_non_null(strstr(why, "owner and a due date"));
	assert_non_null(strstr(why, "; and an advocate referral"));
	f.actions_ready = 2;
	f.advocate_referral = true;
	assert_int_equal(plan_gate_assessed(&f, why, sizeof why), 0);
}

static void no_closing_outcome_is_a_warning_notice(void **state)
{
	char why[600];

	(void)state;
	for (const char *const *o = plan_closing_outcomes; *o; o++) {
		assert_null(strstr(*o, "warning"));
		assert_null(strstr(*o, "pin"));
		assert_null(strstr(*o, "notice"));
		assert_int_equal(plan_closing_outcome_check(*o, why, sizeof why), 0);
	}
	assert_int_equal(plan_closing_outcome_check("warning_notice", why, sizeof why), -1);
	assert_non_null(strstr(why, "a warning notice instead of an investigation"));
	assert_int_equal(plan_closing_outcome_check("pin", why, sizeof why), -1);
	assert_non_null(strstr(why, "Police Information Notices are no longer issued"));
	assert_int_equal(plan_closing_outcome_check("verbal_warning_given", why, sizeof why), -1);
	assert_non_null(strstr(why, "warning notice"));
	assert_int_equal(plan_closing_outcome_check("solved", why, sizeof why), -1);
	assert_non_null(strstr(why, "outcome must be one of: convicted, acquitted"));
	assert_int_equal(plan_closing_outcome_check(NULL, why, sizeof why), -1);
}

/* ---- tasks and contact ---------------------------------------------------------------- */

static void a_task_is_overdue_after_its_due_time_until_done(void **state)
{
	int64_t h = 3600 * 1000;

	(void)state;
	assert_true(plan_notify_due(1000, 24) == 1000 + 24 * h);
	assert_false(plan_task_overdue(24 * h, 0, 24 * h));
	assert_true(plan_task_overdue(24 * h, 0, 24 * h + 1));
	assert_false(plan_task_overdue(24 * h, 5, 48 * h)); /* done */
	assert_false(plan_task_overdue(0, 0, 48 * h));
}

static void contact_is_overdue_after_n_days_from_the_last_or_from_the_report(void **state)
{
	int64_t d = 24LL * 3600 * 1000;

	(void)state;
	assert_false(plan_contact_overdue(10 * d, 0, 7, 17 * d));
	assert_true(plan_contact_overdue(10 * d, 0, 7, 17 * d + 1));
	/* never contacted: the case's age counts */
	assert_false(plan_contact_overdue(0, 10 * d, 7, 12 * d));
	assert_true(plan_contact_overdue(0, 10 * d, 7, 18 * d));
}

/* ---- victim referrals ------------------------------------------------------------------ */

static void referrals_move_from_offered_to_an_answer_and_on(void **state)
{
	static const struct status_move moves[] = {
		{ "offered", "accepted", 0, NULL },
		{ "offered", "declined", 0, NULL },
		{ "accepted", "completed", 0, NULL },
		{ "declined", "offered", 0, NULL },
		{ "accepted", "declined", 0, NULL },
		{ "accepted", "offered", -1, NULL },
		{ "offered", "completed", -1, "from offered it may go to accepted or declined" },
		{ "completed", "offered", -1, NULL },
		{ "offered", "maybe", -1, NULL },
	};

	(void)state;
	check_moves(victim_referral_move, moves, sizeof moves / sizeof moves[0]);
	assert_true(victim_referral_counts("declined"));
	assert_false(victim_referral_counts(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(action_statuses_move_along_the_allowed_paths_only),
		cmocka_unit_test(not_done_and_reopening_need_a_reason),
		cmocka_unit_test(an_action_is_overdue_only_while_open_and_past_its_due_time),
		cmocka_unit_test(categories_have_titles),
		cmocka_unit_test(a_high_risk_rejected_ex_partner_brings_the_issues_five_actions),
		cmocka_unit_test(a_rule_matches_only_when_every_condition_holds),
		cmocka_unit_test(screen_yes_items_bring_their_actions_and_no_items_do_not),
		cmocka_unit_test(a_suggestion_is_found_by_id),
		cmocka_unit_test(a_good_small_table_loads),
		cmocka_unit_test(every_broken_table_is_refused_naming_the_file_and_the_place),
		cmocka_unit_test(a_missing_file_is_named),
		cmocka_unit_test(the_assessed_gate_names_exactly_what_is_missing),
		cmocka_unit_test(no_closing_outcome_is_a_warning_notice),
		cmocka_unit_test(a_task_is_overdue_after_its_due_time_until_done),
		cmocka_unit_test(contact_is_overdue_after_n_days_from_the_last_or_from_the_report),
		cmocka_unit_test(referrals_move_from_offered_to_an_answer_and_on),
	};

	return cmocka_run_group_tests_name("plan", tests, load_instruments, free_instruments);
}
