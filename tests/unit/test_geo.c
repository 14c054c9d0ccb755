/* Unit tests for core/geo and core/zonerule: distances to the metre, and the
 * entry/warning/leave decision at its boundaries, both ways. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "core/geo.h"
#include "core/zonerule.h"

static const struct geo_point home = { 51.5390, -0.1426 }; /* Camden, London */

static void geodesic_matches_known_distances(void **state)
{
	/* Vincenty's test line, Flinders Peak to Buninyong: 54972.271 m */
	struct geo_point fp = { -(37 + 57 / 60.0 + 3.72030 / 3600), 144 + 25 / 60.0 + 29.52440 / 3600 };
	struct geo_point bu = { -(37 + 39 / 60.0 + 10.15610 / 3600), 143 + 55 / 60.0 + 35.38390 / 3600 };
	double d = geo_distance(fp, bu);

	(void)state;
	assert_true(fabs(d - 54972.271) < 0.01);
	assert_true(geo_distance(home, home) == 0.0);
}

static void direct_and_inverse_agree_to_the_millimetre(void **state)
{
	(void)state;
	for (double azi = 0; azi < 360; azi += 37.5) {
		struct geo_point p = geo_direct(home, azi, 499.9);

		assert_true(fabs(geo_distance(home, p) - 499.9) < 1e-3);
	}
}

static void fast_distance_is_within_its_stated_error(void **state)
{
	(void)state;
	for (double d = 10; d < 50000; d *= 1.7) {
		for (double azi = 0; azi < 360; azi += 45) {
			struct geo_point p = geo_direct(home, azi, d);
			double exact = geo_distance(home, p), fast = geo_fast_distance(home, p);

			assert_true(fabs(fast - exact) <= exact * GEO_FAST_REL_ERROR + GEO_FAST_ABS_ERROR);
		}
	}
}

static void circle_boundary_decided_to_the_decimetre(void **state)
{
	struct zone_params p = { .warning_m = 0, .hysteresis_m = 20, .confirm_ms = 60000 };
	struct zone_track in = { 0 }, out = { 0 };
	struct geo_point a = geo_direct(home, 90, 499.9), b = geo_direct(home, 90, 500.1);

	(void)state;
	/* a fix with no uncertainty: 499.9 m from the centre of a 500 m circle is in */
	assert_int_equal(zone_step(&in, &p, geo_distance(home, a) - 500, 0, 0), ZE_ENTER);
	assert_int_equal(zone_step(&out, &p, geo_distance(home, b) - 500, 0, 0), ZE_NONE);
	assert_int_equal(out.state, ZS_OUTSIDE);
}

static const struct geo_point square[] = {
	{ 51.5400, -0.1450 }, { 51.5400, -0.1400 }, { 51.5380, -0.1400 }, { 51.5380, -0.1450 },
	{ 51.5400, -0.1450 },
};

static void polygon_inside_outside_and_edge_distance(void **state)
{
	struct geo_point centre = { 51.5390, -0.1425 }, east = { 51.5390, -0.1390 };
	double d;

	(void)state;
	assert_true(geo_in_ring(square, 5, centre));
	assert_false(geo_in_ring(square, 5, east));
	/* the centre is 111.2 m (0.001° of latitude) from the north and south edges */
	d = geo_ring_signed_distance(square, 5, centre);
	assert_true(d < 0 && fabs(-d - 111.26) < 0.5);
	/* a point 0.1 m inside and 0.1 m outside the east edge */
	{
		struct geo_point edge = { 51.5390, -0.1400 };
		struct geo_point in = geo_direct(edge, 270, 0.1), out = geo_direct(edge, 90, 0.1);

		assert_true(fabs(geo_ring_signed_distance(square, 5, in) + 0.1) < 0.01);
		assert_true(fabs(geo_ring_signed_distance(square, 5, out) - 0.1) < 0.01);
	}
}

static void rings_are_checked(void **state)
{
	char why[200];
	struct geo_point open[] = { { 0, 0 }, { 0, 1 }, { 1, 1 }, { 1, 0 } };
	struct geo_point bowtie[] = { { 0, 0 }, { 1, 1 }, { 0, 1 }, { 1, 0 }, { 0, 0 } };
	struct geo_point bad[] = { { 0, 0 }, { 0, 1 }, { 91, 1 }, { 0, 0 } };
	struct geo_point line[] = { { 0, 0 }, { 0, 1 }, { 0, 2 }, { 0, 0 } };

	(void)state;
	assert_int_equal(geo_ring_check(square, 5, 1000, why, sizeof why), 0);
	assert_int_equal(geo_ring_check(open, 4, 1000, why, sizeof why), -1);
	assert_non_null(strstr(why, "open"));
	assert_int_equal(geo_ring_check(bowtie, 5, 1000, why, sizeof why), -1);
	assert_non_null(strstr(why, "intersects"));
	assert_int_equal(geo_ring_check(bad, 4, 1000, why, sizeof why), -1);
	assert_non_null(strstr(why, "out of range"));
	assert_int_equal(geo_ring_check(line, 4, 1000, why, sizeof why), -1);
	assert_int_equal(geo_ring_check(square, 5, 4, why, sizeof why), -1);
}

static const struct zone_params zp = { .warning_m = 200, .hysteresis_m = 20, .confirm_ms = 60000 };

static void a_certain_fix_inside_enters_at_once(void **state)
{
	struct zone_track t = { 0 };

	(void)state;
	assert_int_equal(zone_step(&t, &zp, -30, 25, 0), ZE_ENTER);
	assert_int_equal(t.state, ZS_INSIDE);
}

static void an_uncertain_fix_inside_waits_for_a_second_reading(void **state)
{
	struct zone_track t = { 0 };

	(void)state;
	assert_int_equal(zone_step(&t, &zp, -10, 50, 0), ZE_POSSIBLE_ENTRY);
	assert_int_equal(zone_step(&t, &zp, -5, 50, 5000), ZE_ENTER);
}

static void a_possible_entry_never_expires_unnoticed(void **state)
{
	struct zone_track t = { 0 };

	(void)state;
	assert_int_equal(zone_step(&t, &zp, -10, 50, 0), ZE_POSSIBLE_ENTRY);
	assert_int_equal(zone_tick(&t, &zp, 59999), ZE_NONE);
	assert_int_equal(zone_tick(&t, &zp, 60000), ZE_ENTER);
}

static void a_possible_entry_is_cancelled_by_a_fix_clearly_outside(void **state)
{
	struct zone_track t = { 0 };

	(void)state;
	assert_int_equal(zone_step(&t, &zp, -10, 300, 0), ZE_POSSIBLE_ENTRY);
	/* ruled out, but in the warning ring with no warning yet: the warning */
	assert_int_equal(zone_step(&t, &zp, 60, 10, 1000), ZE_WARNING);
	assert_int_equal(t.state, ZS_WARNING);
	/* an undecided next reading (centre out, circle across) keeps it pending */
	assert_int_equal(zone_step(&t, &zp, -1, 50, 2000), ZE_POSSIBLE_ENTRY);
	assert_int_equal(zone_step(&t, &zp, 10, 50, 3000), ZE_NONE);
	assert_int_equal(t.state, ZS_PENDING);
}

static void a_centre_outside_alone_is_never_an_entry(void **state)
{
	struct zone_track t = { 0 };

	(void)state;
	/* a big error circle across the edge, centre 0.1 m outside: the ring's
	 * warning, faster fixes asked for, but no entry on it alone */
	assert_int_equal(zone_step(&t, &zp, 0.1, 300, 0), ZE_WARNING);
	assert_int_equal(t.state, ZS_PENDING);
	assert_int_equal(zone_tick(&t, &zp, 59999), ZE_NONE);
	/* nothing confirmed it: it lapses, not an entry (warned already) */
	assert_int_equal(zone_tick(&t, &zp, 60000), ZE_CANCELLED);
	assert_int_equal(t.state, ZS_WARNING);
	/* a graze then a reading whose centre is inside: an entry */
	assert_int_equal(zone_step(&t, &zp, 0.1, 300, 70000), ZE_POSSIBLE_ENTRY);
	assert_int_equal(zone_step(&t, &zp, -5, 20, 80000), ZE_ENTER);
}

static void drift_along_the_edge_does_not_flap(void **state)
{
	struct zone_track t = { 0 };
	int enters = 0, leaves = 0;

	(void)state;
	for (int i = 0; i < 100; i++) {
		double d = (i % 2 ? -3 : 3); /* wobbling 3 m either side, 10 m accuracy */
		enum zone_event e = zone_step(&t, &zp, d, 10, i * 1000);

		enters += e == ZE_ENTER;
		leaves += e == ZE_LEAVE;
	}
	assert_int_equal(enters, 1);
	assert_int_equal(leaves, 0);
	/* clearly out by more than the hysteresis: one leave */
	assert_int_equal(zone_step(&t, &zp, 31, 10, 200000), ZE_LEAVE);
	assert_int_equal(zone_step(&t, &zp, 31, 10, 201000), ZE_NONE);
}

static void the_warning_ring_fires_once_per_approach(void **state)
{
	struct zone_track t = { 0 };

	(void)state;
	assert_int_equal(zone_step(&t, &zp, 201, 5, 0), ZE_NONE);
	assert_int_equal(zone_step(&t, &zp, 199.9, 5, 1), ZE_WARNING);
	assert_int_equal(zone_step(&t, &zp, 210, 5, 2), ZE_NONE); /* within hysteresis */
	assert_int_equal(zone_step(&t, &zp, 190, 5, 3), ZE_NONE);
	assert_int_equal(zone_step(&t, &zp, 220.1, 5, 4), ZE_WARNING_CLEAR);
	assert_int_equal(zone_step(&t, &zp, 150, 5, 5), ZE_WARNING);
}

static void lost_signal_timing(void **state)
{
	(void)state;
	assert_int_equal(lost_signal_after_ms(30, 3, 120000), 120000); /* the 2-minute floor */
	assert_int_equal(lost_signal_after_ms(60, 3, 120000), 180000);
	assert_int_equal(lost_signal_after_ms(1, 3, 1000), 3000);
	assert_true(fabs(lost_reach_m(0, 60000, 1.5) - 90) < 1e-9);
	assert_true(lost_reach_m(1000, 0, 1.5) == 0);
	assert_true(age_uncertainty_m(0, 3600000, 1.5, 500) == 500);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(geodesic_matches_known_distances),
		cmocka_unit_test(direct_and_inverse_agree_to_the_millimetre),
		cmocka_unit_test(fast_distance_is_within_its_stated_error),
		cmocka_unit_test(circle_boundary_decided_to_the_decimetre),
		cmocka_unit_test(polygon_inside_outside_and_edge_distance),
		cmocka_unit_test(rings_are_checked),
		cmocka_unit_test(a_certain_fix_inside_enters_at_once),
		cmocka_unit_test(an_uncertain_fix_inside_waits_for_a_second_reading),
		cmocka_unit_test(a_possible_entry_never_expires_unnoticed),
		cmocka_unit_test(a_possible_entry_is_cancelled_by_a_fix_clearly_outside),
		cmocka_unit_test(a_centre_outside_alone_is_never_an_entry),
		cmocka_unit_test(drift_along_the_edge_does_not_flap),
		cmocka_unit_test(the_warning_ring_fires_once_per_approach),
		cmocka_unit_test(lost_signal_timing),
	};
	return cmocka_run_group_tests_name("geo", tests, NULL, NULL);
}
