/* Unit tests for core/geo: distances to the metre, polygons and their checks,
 * and a zone decision at the 499.9/500.1 m boundary (the rule's own cases are
 * in test_zonerule.c). */
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(geodesic_matches_known_distances),
		cmocka_unit_test(direct_and_inverse_agree_to_the_millimetre),
		cmocka_unit_test(fast_distance_is_within_its_stated_error),
		cmocka_unit_test(circle_boundary_decided_to_the_decimetre),
		cmocka_unit_test(polygon_inside_outside_and_edge_distance),
		cmocka_unit_test(rings_are_checked),
	};
	return cmocka_run_group_tests_name("geo", tests, NULL, NULL);
}
