/* Unit tests for core/casefile: workflow, FOUR screening, references, names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/casefile.h"

static void every_status_move_is_allowed_only_along_the_workflow(void **state)
{
	/* allowed[from][to] */
	static const int allowed[CASE_STATUS_COUNT][CASE_STATUS_COUNT] = {
		/* intake */ { 0, 1, 0, 0, 0 },
		/* screened */ { 0, 0, 1, 0, 0 },
		/* assessed */ { 0, 0, 0, 1, 0 },
		/* managed */ { 0, 0, 0, 0, 1 },
		/* closed */ { 0, 0, 0, 1, 0 },
	};

	(void)state;
	for (int f = 0; f < CASE_STATUS_COUNT; f++)
		for (int t = 0; t < CASE_STATUS_COUNT; t++)
			if (case_status_allowed((enum case_status)f, (enum case_status)t) !=
			    (bool)allowed[f][t])
				fail_msg("%s -> %s", case_status_name((enum case_status)f),
					 case_status_name((enum case_status)t));
	assert_false(case_status_allowed(CASE_STATUS_NONE, CASE_INTAKE));
	assert_false(case_status_allowed(CASE_INTAKE, CASE_STATUS_COUNT));
}

static void next_moves_are_named(void **state)
{
	char buf[64];

	(void)state;
	case_status_next(CASE_INTAKE, buf, sizeof buf);
	assert_string_equal(buf, "screened");
	case_status_next(CASE_CLOSED, buf, sizeof buf);
	assert_string_equal(buf, "managed");
	assert_int_equal(case_status_parse("managed"), CASE_MANAGED);
	assert_int_equal(case_status_parse("open"), CASE_STATUS_NONE);
}

static void four_yes_is_stalking_and_anything_less_is_not(void **state)
{
	struct four all = { FOUR_YES, FOUR_YES, FOUR_YES, FOUR_YES };

	(void)state;
	assert_true(four_complete(&all));
	assert_true(four_implies_stalking(&all, "stranger"));
	for (int i = 0; i < 4; i++) {
		struct four f = all;
		enum four_answer *a[4] = { &f.fixated, &f.obsessive, &f.unwanted, &f.repeated };

		*a[i] = FOUR_NO;
		assert_false(four_implies_stalking(&f, "stranger"));
		*a[i] = FOUR_UNANSWERED;
		assert_false(four_complete(&f));
		assert_false(four_implies_stalking(&f, "work"));
	}
}

static void an_ex_partners_repeated_conduct_defaults_to_stalking(void **state)
{
	struct four f = { FOUR_NO, FOUR_NO, FOUR_YES, FOUR_YES };

	(void)state;
	assert_true(four_implies_stalking(&f, "ex_partner"));
	assert_false(four_implies_stalking(&f, "intimate_partner"));
	f.repeated = FOUR_NO;
	assert_false(four_implies_stalking(&f, "ex_partner"));
	f.repeated = FOUR_UNANSWERED;
	assert_false(four_implies_stalking(&f, "ex_partner"));
}

static void references_format_and_parse(void **state)
{
	char ref[24];
	int64_t seq;
	int year;

	(void)state;
	case_ref_format(2026, 123, ref, sizeof ref);
	assert_string_equal(ref, "STAC-2026-000123");
	assert_int_equal(case_ref_parse(ref, &year, &seq), 0);
	assert_int_equal(year, 2026);
	assert_int_equal(seq, 123);
	case_ref_format(2026, 1234567, ref, sizeof ref);
	assert_string_equal(ref, "STAC-2026-1234567");
	assert_int_equal(case_ref_parse(ref, &year, &seq), 0);
	assert_int_equal(seq, 1234567);
	static const char *bad[] = { "", "STAC-2026-00012", "STAC-26-000123", "stac-2026-000123",
				     "STAC-2026-000000", "STAC-2026-00012x", "STAC-2026-0001234",
				     "STAC-2026_000123", NULL };
	for (int i = 0; bad[i]; i++)
		if (case_ref_parse(bad[i], &year, &seq) == 0)
			fail_msg("accepted %s", bad[i]);
	assert_int_equal(case_ref_parse(NULL, &year, &seq), -1);
}

static void names_fold_for_matching(void **state)
{
	char a[64], b[64];

	(void)state;
	assert_int_equal(case_name_key("  O'Brien,  Sean ", a, sizeof a), 0);
	assert_int_equal(case_name_key("o brien sean", b, sizeof b), 0);
	assert_string_equal(a, b);
	/* ASCII folds; non-ASCII bytes are kept as they are */
	assert_int_equal(case_name_key("Zoë  ÅSTRÖM", a, sizeof a), 0);
	assert_string_equal(a, "zoë ÅstrÖm");
	assert_int_equal(case_name_key("!!!", a, sizeof a), -1);
	assert_int_equal(case_name_key("abcdef", a, 4), -1);
}

static void dates_of_birth(void **state)
{
	int64_t now = 1795855008000LL; /* 2026-11-28 */

	(void)state;
	assert_true(case_dob_valid("1990-02-28", now));
	assert_true(case_dob_valid("2000-02-29", now));
	assert_false(case_dob_valid("1990-02-29", now));
	assert_false(case_dob_valid("2027-01-01", now));
	assert_false(case_dob_valid("1899-12-31", now));
	assert_false(case_dob_valid("1990-2-28", now));
	assert_false(case_dob_valid("1990-02-28T00:00:00Z", now));
	assert_false(case_dob_valid(NULL, now));
}

static void vocabularies(void **state)
{
	char buf[32];

	(void)state;
	assert_true(case_vocab_has(case_relationships, "ex_partner"));
	assert_false(case_vocab_has(case_relationships, "Ex_Partner"));
	assert_false(case_vocab_has(case_behaviours, NULL));
	case_vocab_list(case_risk_levels, buf, sizeof buf);
	assert_string_equal(buf, "standard, medium, high");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_status_move_is_allowed_only_along_the_workflow),
		cmocka_unit_test(next_moves_are_named),
		cmocka_unit_test(four_yes_is_stalking_and_anything_less_is_not),
		cmocka_unit_test(an_ex_partners_repeated_conduct_defaults_to_stalking),
		cmocka_unit_test(references_format_and_parse),
		cmocka_unit_test(names_fold_for_matching),
		cmocka_unit_test(dates_of_birth),
		cmocka_unit_test(vocabularies),
	};
	return cmocka_run_group_tests_name("casefile", tests, NULL, NULL);
}
