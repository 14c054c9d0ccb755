/*
 * Unit tests for core/order: the two-year minimum of a fixed-term Stalking
 * Protection Order seen both ways at its boundary, "until further order",
 * historic Police Information Notices only, the three-day duty to notify,
 * orders in force and ending, status moves, and exclusion zone geometry.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "base/clock.h"
#include "core/order.h"
#include "moves.h"

#define DAY (24LL * 3600 * 1000)

static int64_t t(const char *s)
{
	int64_t ms;

	assert_int_equal(clock_parse(s, &ms), 0);
	return ms;
}

static struct order_terms spo(const char *start, const char *end)
{
	struct order_terms o = { 0 };

	o.kind = "spo_full";
	o.status = "granted";
	o.granted_at = t(start);
	o.starts_at = t(start);
	o.ends_at = end ? t(end) : 0;
	o.reported_at = t("2026-01-01");
	o.now = t("2026-06-01");
	return o;
}

static void a_fixed_term_spo_shorter_than_two_years_is_refused(void **state)
{
	struct order_terms o = spo("2026-03-01", "2028-02-29T23:59:59Z");
	char field[40], why[400];

	(void)state;
	assert_int_equal(order_terms_check(&o, field, sizeof field, why, sizeof why), -1);
	assert_string_equal(field, "ends_at");
	assert_non_null(strstr(why, "at least two years: from 2026-03-01 it may end on 2028-03-01"));
	/* exactly two years is enough */
	o = spo("2026-03-01", "2028-03-01");
	assert_int_equal(order_terms_check(&o, field, sizeof field, why, sizeof why), 0);
	o = spo("2026-03-01", "2026-09-01");
	assert_int_equal(order_terms_check(&o, field, sizeof field, why, sizeof why), -1);
}

static void until_further_order_is_allowed_and_a_term_is_needed(void **state)
{
	struct order_terms o = spo("2026-03-01", NULL);
	char field[40], why[400];

	(void)state;
	assert_int_equal(order_terms_check(&o, field, sizeof field, why, sizeof why), -1);
	assert_non_null(strstr(why, "until_further_order"));
	o.until_further_order = true;
	assert_int_equal(order_terms_check(&o, field, sizeof field, why, sizeof why), 0);
	o.ends_at = t("2030-01-01");
	assert_int_equal(order_terms_check(&o, field, sizeof field, why, sizeof why), -1);
	assert_string_equal(field, "until_further_order");
	/* an application may ask for any term; an interim order has no minimum */
	o = spo("2026-03-01", "2026-04-01");
	o.kind = "spo_interim";
	assert_int_equal(order_terms_check(&o, field, sizeof field, why, sizeof why), 0);
}

static void a_pin_is_only_ever_history(void **state)
{
	struct order_terms o = { 0 };
	char field[40], why[400];

	(void)state;
	o.kind = "pin_historic";
	o.status = "granted";
	o.granted_at = t("2024-05-01");
	o.reported_at = t("2026-01-01");
	o.now = t("2026-06-01");
	assert_int_equal(order_terms_check(&o, field, sizeof field, why, sizeof why), 0);
	o.granted_at = t("2026-02-01"); /* after this report: a new one */
	assert_int_equal(order_terms_check(&o, field, sizeof field, why, sizeof why), -1);
	assert_non_null(strstr(why, "never records a new one"));
	o.granted_at = t("2024-05-01");
	o.status = "applied";
	assert_int_equal(order_terms_check(&o, field, sizeof field, why, sizeof why), -1);
	o.status = "granted";
	o.ends_at = t("2025-01-01");
	assert_int_equal(order_terms_check(&o, field, sizeof field, why, sizeof why), -1);
	assert_non_null(strstr(why, "no term"));
}

static void dates_are_checked_in_order(void **state)
{
	struct order_terms o = spo("2026-03-01", "2029-01-01");
	char field[40], why[400];

	(void)state;
	o.granted_at = 0;
	assert_int_equal(order_terms_check(&o, field, sizeof field, why, sizeof why), -1);
	assert_string_equal(field, "granted_at");
	o = spo("2026-03-01", "2029-01-01");
	o.granted_at = t("2026-07-01"); /* the future */
	o.starts_at = t("2026-07-01");
	assert_int_equal(order_terms_check(&o, field, sizeof field, why, sizeof why), -1);
	assert_string_equal(field, "granted_at");
	o = spo("2026-03-01", "2029-01-01");
	o.served_at = t("2026-02-01");
	assert_int_equal(order_terms_check(&o, field, sizeof field, why, sizeof why), -1);
	assert_string_equal(field, "served_at");
	o = spo("2026-03-01", "2029-01-01");
	o.status = "applied";
	assert_int_equal(order_terms_check(&o, field, sizeof field, why, sizeof why), -1);
	assert_string_equal(field, "granted_at");
	o.granted_at = 0;
	o.starts_at = 0;
	o.ends_at = 0;
	o.applied_at = t("2026-05-01");
	assert_int_equal(order_terms_check(&o, field, sizeof field, why, sizeof why), 0);
	o.kind = "curfew";
	assert_int_equal(order_terms_check(&o, field, sizeof field, why, sizeof why), -1);
	assert_string_equal(field, "kind");
}

static void the_duty_to_notify_ends_after_three_days_beginning_with_service(void **state)
{
	(void)state;
	/* served at any time on 1 March: notify by the end of 3 March */
	assert_true(order_notify_deadline(t("2026-03-01T00:00:00Z")) == t("2026-03-04"));
	assert_true(order_notify_deadline(t("2026-03-01T23:59:59Z")) == t("2026-03-04"));
	assert_true(order_notify_deadline(0) == 0);
	assert_false(order_notify_missed(t("2026-03-04"), 0, t("2026-03-03T23:59:59Z")));
	assert_true(order_notify_missed(t("2026-03-04"), 0, t("2026-03-04")));
	assert_false(order_notify_missed(t("2026-03-04"), t("2026-03-02"), t("2026-03-10")));
	assert_false(order_notify_missed(0, 0, t("2026-03-10")));
}

static void an_order_is_in_force_from_its_start_to_its_end(void **state)
{
	int64_t now = t("2026-06-01");

	(void)state;
	assert_true(order_in_force("granted", now - DAY, 0, now));
	assert_true(order_in_force("granted", now, now + 1, now));
	assert_false(order_in_force("granted", now + 1, 0, now));
	assert_false(order_in_force("granted", now - DAY, now, now));
	assert_false(order_in_force("applied", now - DAY, 0, now));
	assert_false(order_in_force("discharged", now - DAY, 0, now));
	assert_true(order_ends_within("granted", now - DAY, now + 30 * DAY, now, 30));
	assert_false(order_ends_within("granted", now - DAY, now + 30 * DAY + 1, now, 30));
	assert_false(order_ends_within("granted", now - DAY, 0, now, 30));
}

static void order_statuses_move_from_application_to_outcome(void **state)
{
	static const struct status_move moves[] = {
		{ "applied", "granted", 0, NULL },
		{ "applied", "refused", 0, NULL },
		{ "granted", "discharged", 0, NULL },
		{ "granted", "applied", -1, "may only be discharged" },
		{ "refused", "granted", -1, NULL },
		{ "applied", "lapsed", -1, NULL },
	};

	(void)state;
	check_moves(order_status_move, moves, sizeof moves / sizeof moves[0]);
	assert_non_null(order_kind_title("spo_full"));
	assert_true(order_kind_is_spo("spo_interim"));
	assert_false(order_kind_is_spo("non_molestation"));
}

static int zone(const char *json, int64_t radius, int64_t warning, char *field, size_t fl)
{
	char why[300];
	json_t *z = json_loads(json, 0, NULL);
	int rc;

	assert_non_null(z);
	rc = order_zone_check(z, radius, warning, field, fl, why, sizeof why);
	json_decref(z);
	return rc;
}

static void zones_are_geojson_polygons_or_points_with_a_radius(void **state)
{
	char f[64];

	(void)state;
	assert_int_equal(zone("{\"type\":\"Point\",\"coordinates\":[-0.1,51.5]}", 200, 100, f,
			      sizeof f),
			 0);
	assert_int_equal(zone("{\"type\":\"Point\",\"coordinates\":[-0.1,51.5]}", -1, -1, f, sizeof f),
			 -1);
	assert_string_equal(f, "radius_m");
	assert_int_equal(zone("{\"type\":\"Point\",\"coordinates\":[51.5,-200]}", 10, -1, f, sizeof f),
			 -1);
	assert_string_equal(f, "zone.coordinates");
	assert_int_equal(zone("{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[0,1],[1,1],[0,0]]]}", -1,
			      -1, f, sizeof f),
			 0);
	assert_int_equal(zone("{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[0,1],[1,1],[1,0]]]}", -1,
			      -1, f, sizeof f),
			 -1);
	assert_string_equal(f, "zone.coordinates[0]");
	assert_int_equal(zone("{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[0,1],[0,0]]]}", -1, -1,
			      f, sizeof f),
			 -1);
	assert_int_equal(zone("{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[0,1],[1,1],[0,0]]]}", 50,
			      -1, f, sizeof f),
			 -1);
	assert_string_equal(f, "radius_m");
	assert_int_equal(zone("{\"type\":\"LineString\",\"coordinates\":[[0,0],[1,1]]}", -1, -1, f,
			      sizeof f),
			 -1);
	assert_string_equal(f, "zone.type");
	assert_int_equal(zone("{\"type\":\"Point\",\"coordinates\":[0,0],\"crs\":1}", 10, -1, f,
			      sizeof f),
			 -1);
	assert_int_equal(zone("{\"type\":\"Point\",\"coordinates\":[0,0]}", 10, 20000, f, sizeof f), -1);
	assert_string_equal(f, "warning_m");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_fixed_term_spo_shorter_than_two_years_is_refused),
		cmocka_unit_test(until_further_order_is_allowed_and_a_term_is_needed),
		cmocka_unit_test(a_pin_is_only_ever_history),
		cmocka_unit_test(dates_are_checked_in_order),
		cmocka_unit_test(the_duty_to_notify_ends_after_three_days_beginning_with_service),
		cmocka_unit_test(an_order_is_in_force_from_its_start_to_its_end),
		cmocka_unit_test(order_statuses_move_from_application_to_outcome),
		cmocka_unit_test(zones_are_geojson_polygons_or_points_with_a_radius),
	};

	return cmocka_run_group_tests_name("order", tests, NULL, NULL);
}
