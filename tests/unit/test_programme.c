/*
 * Unit tests for core/programme and the purpose table of core/access: the
 * screening against the criteria (every criterion both ways), the
 * attendance rate, the outcome windows by calendar month, and what each
 * purpose of a share opens and with whom it may be made.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "base/clock.h"
#include "core/access.h"
#include "core/programme.h"

static int64_t t(const char *s)
{
	int64_t ms;

	assert_int_equal(clock_parse(s, &ms), 0);
	return ms;
}

/* Answers that meet every criterion, by criterion id. */
static void all_met(const char **a)
{
	for (int i = 0; i < programme_ncriteria; i++) {
		const char *id = programme_criteria[i].id;

		a[i] = !strcmp(id, "typology") ? "rejected" : !strcmp(id, "risk") ? "medium" : "yes";
	}
}

static void every_criterion_decides_both_ways(void **state)
{
	const char *a[16];
	struct screening_result r;

	(void)state;
	all_met(a);
	programme_screen(a, &r);
	assert_true(r.eligible);
	assert_int_equal(r.unmet, 0);
	for (int i = 0; i < programme_ncriteria; i++) {
		const char *keep;

		all_met(a);
		keep = a[i];
		a[i] = programme_criteria[i].source == CRITERION_TYPOLOGY ? "predatory"
		       : programme_criteria[i].source == CRITERION_RISK	  ? ""
									  : "no";
		programme_screen(a, &r);
		assert_false(r.eligible);
		assert_int_equal(r.unmet, 1);
		assert_false(r.met[i]);
		a[i] = NULL; /* not answered is not met */
		programme_screen(a, &r);
		assert_false(r.met[i]);
		a[i] = keep;
	}
}

static void a_value_matches_a_whole_word_only(void **state)
{
	const char *a[16];
	struct screening_result r;

	(void)state;
	for (int i = 0; i < programme_ncriteria; i++) {
		if (programme_criteria[i].source != CRITERION_TYPOLOGY)
			continue;
		all_met(a);
		a[i] = "reject"; /* a prefix of "rejected" */
		programme_screen(a, &r);
		assert_false(r.met[i]);
		a[i] = "resentful"; /* the last word of the list */
		programme_screen(a, &r);
		assert_true(r.met[i]);
	}
}

static void attendance_is_attended_over_held(void **state)
{
	(void)state;
	assert_true(programme_attendance(0, 0) < 0);
	assert_true(programme_attendance(2, 1) > 0.666 && programme_attendance(2, 1) < 0.667);
	assert_true(programme_attendance(0, 3) == 0);
	assert_true(programme_attendance(4, 0) == 1);
}

static void windows_run_by_calendar_month(void **state)
{
	(void)state;
	assert_int_equal(programme_window_end(t("2025-01-15T10:00:00Z"), 6), t("2025-07-15T10:00:00Z"));
	assert_int_equal(programme_window_end(t("2025-01-15T10:00:00Z"), 24), t("2027-01-15T10:00:00Z"));
	assert_int_equal(programme_window_end(t("2025-08-31T00:00:00Z"), 6), t("2026-03-03T00:00:00Z"));
}

static void each_purpose_opens_its_side(void **state)
{
	unsigned adv = access_purpose_parts(PURPOSE_VICTIM_ADVOCACY);
	unsigned ass = access_purpose_parts(PURPOSE_ASSESSMENT);
	unsigned tre = access_purpose_parts(PURPOSE_TREATMENT);

	(void)state;
	assert_true(adv & CASE_PART_VICTIM_CONTACT);
	assert_true(adv & CASE_PART_VICTIM_CARE);
	assert_false(adv & CASE_PART_CLINICAL);
	assert_false(ass & (CASE_PART_VICTIM_CONTACT | CASE_PART_VICTIM_CARE | CASE_PART_CLINICAL));
	assert_true(tre & CASE_PART_CLINICAL);
	assert_false(tre & CASE_PART_VICTIM_CONTACT);
	assert_true(access_purpose_for_kind(PURPOSE_VICTIM_ADVOCACY, "charity"));
	assert_false(access_purpose_for_kind(PURPOSE_VICTIM_ADVOCACY, "nhs"));
	assert_true(access_purpose_for_kind(PURPOSE_TREATMENT, "nhs"));
	assert_false(access_purpose_for_kind(PURPOSE_TREATMENT, "police"));
	assert_int_equal(access_purpose_parse("treatment"), PURPOSE_TREATMENT);
	assert_int_equal(access_purpose_parse("gossip"), PURPOSE_NONE);
	assert_string_equal(access_purpose_consent_of(PURPOSE_ASSESSMENT), "offender");
	assert_string_equal(access_purpose_consent_of(PURPOSE_VICTIM_ADVOCACY), "victim");
	/* the clinician reads clinical notes; no police role does */
	assert_true(access_case_parts(ROLE_CLINICIAN) & CASE_PART_CLINICAL);
	assert_false(access_case_parts(ROLE_OFFICER) & CASE_PART_CLINICAL);
	assert_false(access_case_parts(ROLE_SUPERVISOR) & CASE_PART_CLINICAL);
	assert_false(access_case_parts(ROLE_CLINICIAN) & CASE_PART_VICTIM_CONTACT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_criterion_decides_both_ways),
		cmocka_unit_test(a_value_matches_a_whole_word_only),
		cmocka_unit_test(attendance_is_attended_over_held),
		cmocka_unit_test(windows_run_by_calendar_month),
		cmocka_unit_test(each_purpose_opens_its_side),
	};

	return cmocka_run_group_tests_name("programme", tests, NULL, NULL);
}
