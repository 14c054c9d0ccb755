/* Unit tests for core/zonerule: the entry/warning/leave decision at its
 * boundaries, both ways, and the cases the benchmark is about: a confident
 * single fix, an indoor outlier, drift along the edge, a grazing pass. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>

#include "core/zonerule.h"

static const struct zone_params zp = { .warning_m = 200, .hysteresis_m = 20, .confirm_ms = 60000 };

/* The uncertainty of a fix that reports accuracy a (the engine's path). */
static double u(double a)
{
	return zone_fix_uncertainty(a);
}

static void a_fix_uncertainty_is_floored_and_a_degraded_one_tripled(void **state)
{
	(void)state;
	assert_true(u(3) == ZONE_ACC_FLOOR_M);
	assert_true(u(0) == ZONE_ACC_FLOOR_M);
	assert_true(u(NAN) == ZONE_ACC_FLOOR_M);
	assert_true(u(-1) == ZONE_ACC_FLOOR_M);
	assert_true(u(12) == 12);
	assert_true(u(ZONE_DEGRADED_M) == ZONE_DEGRADED_M);
	assert_true(fabs(u(ZONE_DEGRADED_M + 1) - ZONE_DEGRADED_FACTOR * (ZONE_DEGRADED_M + 1)) < 1e-9);
}

static void a_confident_single_fix_enters_at_once(void **state)
{
	struct zone_track t = { 0 }, just = { 0 };

	(void)state;
	/* a good fix 20 m inside, 10 m accuracy: two uncertainties inside */
	assert_int_equal(zone_step(&t, &zp, -20, u(10), 0), ZE_ENTER);
	assert_int_equal(t.state, ZS_INSIDE);
	/* 19.9 m inside is only a possible entry */
	assert_int_equal(zone_step(&just, &zp, -19.9, u(10), 0), ZE_POSSIBLE_ENTRY);
	assert_int_equal(just.state, ZS_PENDING);
}

static void a_small_accuracy_does_not_make_a_shallow_fix_confident(void **state)
{
	struct zone_track t = { 0 };

	(void)state;
	/* 15 m inside claiming 3 m: taken as 10 m, so only a possible entry */
	assert_int_equal(zone_step(&t, &zp, -15, u(3), 0), ZE_POSSIBLE_ENTRY);
}

static void an_approach_is_alerted_on_its_first_fix_well_inside(void **state)
{
	struct zone_track t = { 0 };
	const double trail[] = { 900, 500, 150, 60, -100 };
	enum zone_event seen[5];

	(void)state;
	for (int i = 0; i < 5; i++)
		seen[i] = zone_step(&t, &zp, trail[i], u(12), i * 60000);
	assert_int_equal(seen[0], ZE_NONE);
	assert_int_equal(seen[1], ZE_NONE);
	assert_int_equal(seen[2], ZE_WARNING);
	assert_int_equal(seen[3], ZE_NONE);
	assert_int_equal(seen[4], ZE_ENTER);
}

static void an_indoor_outlier_does_not_enter(void **state)
{
	struct zone_track t = { 0 };

	(void)state;
	/* walking 40 m outside; an indoor fix lands 150 m inside claiming 50 m */
	assert_int_equal(zone_step(&t, &zp, 40, u(8), 0), ZE_WARNING);
	assert_int_equal(zone_step(&t, &zp, -150, u(50), 60000), ZE_POSSIBLE_ENTRY);
	assert_int_equal(t.state, ZS_PENDING);
	/* the next good fix puts him where he was: the outlier is ruled out */
	assert_int_equal(zone_step(&t, &zp, 38, u(8), 70000), ZE_CANCELLED);
	assert_int_equal(t.state, ZS_WARNING);
	/* nor can it tip good readings at the line over the margin */
	assert_int_equal(zone_step(&t, &zp, -4, u(8), 80000), ZE_POSSIBLE_ENTRY);
	assert_int_equal(zone_step(&t, &zp, -200, u(60), 90000), ZE_NONE);
	assert_int_equal(t.state, ZS_PENDING);
}

static void a_degraded_fix_alone_never_confirms(void **state)
{
	struct zone_track t = { 0 };

	(void)state;
	/* 250 m inside claiming 40 m: tripled, 120 m, still not two of them */
	assert_int_equal(zone_step(&t, &zp, -239, u(40), 0), ZE_POSSIBLE_ENTRY);
	/* a good fix well inside confirms at once */
	assert_int_equal(zone_step(&t, &zp, -60, u(10), 10000), ZE_ENTER);
}

static void a_second_reading_confirms_when_both_are_inside_by_the_margin(void **state)
{
	struct zone_track t = { 0 }, shallow = { 0 };

	(void)state;
	assert_int_equal(zone_step(&t, &zp, -10, 50, 0), ZE_POSSIBLE_ENTRY);
	assert_int_equal(zone_step(&t, &zp, -10.5, 50, 5000), ZE_ENTER); /* mean -10.25 */
	assert_int_equal(zone_step(&shallow, &zp, -10, 50, 0), ZE_POSSIBLE_ENTRY);
	assert_int_equal(zone_step(&shallow, &zp, -9.5, 50, 5000), ZE_NONE); /* mean -9.75 */
	assert_int_equal(shallow.state, ZS_PENDING);
}

static void readings_that_agree_add_up(void **state)
{
	struct zone_track t = { 0 };
	int i;

	(void)state;
	/* good readings 8 m inside: each alone is not enough, seven together are
	 * (mean -8 m, sigma 10/sqrt(7) = 3.8 m) */
	assert_int_equal(zone_step(&t, &zp, -8, u(10), 0), ZE_POSSIBLE_ENTRY);
	for (i = 1; i < 6; i++)
		assert_int_equal(zone_step(&t, &zp, -8, u(10), i * 1000), ZE_NONE);
	assert_int_equal(zone_step(&t, &zp, -8, u(10), i * 1000), ZE_ENTER);
}

static void a_possible_entry_never_expires_unnoticed(void **state)
{
	struct zone_track t = { 0 };

	(void)state;
	/* the centre inside, and the tag says nothing more: an entry with time */
	assert_int_equal(zone_step(&t, &zp, -10, 50, 0), ZE_POSSIBLE_ENTRY);
	assert_int_equal(zone_tick(&t, &zp, 59999), ZE_NONE);
	assert_int_equal(zone_tick(&t, &zp, 60000), ZE_ENTER);
}

static void with_later_readings_time_decides_on_them(void **state)
{
	struct zone_track in = { 0 }, even = { 0 };

	(void)state;
	/* a degraded fix, then good readings 8 m inside: on balance inside by
	 * more than their uncertainty (mean -8.0, sigma 7.1): an entry */
	assert_int_equal(zone_step(&in, &zp, -30, u(60), 0), ZE_POSSIBLE_ENTRY);
	assert_int_equal(zone_step(&in, &zp, -8, u(10), 10000), ZE_NONE);
	assert_int_equal(zone_step(&in, &zp, -8, u(10), 20000), ZE_NONE);
	assert_int_equal(zone_tick(&in, &zp, 60000), ZE_ENTER);
	/* readings either side, about even: it lapses, into the warning ring
	 * (whose warning it is, none having been raised) */
	assert_int_equal(zone_step(&even, &zp, -10, u(60), 0), ZE_POSSIBLE_ENTRY);
	assert_int_equal(zone_step(&even, &zp, 5, u(60), 10000), ZE_NONE);
	assert_int_equal(zone_tick(&even, &zp, 60000), ZE_WARNING);
	assert_int_equal(even.state, ZS_WARNING);
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
	/* a graze then a good reading well inside: an entry */
	assert_int_equal(zone_step(&t, &zp, 0.1, 300, 70000), ZE_POSSIBLE_ENTRY);
	assert_int_equal(zone_step(&t, &zp, -45, 20, 80000), ZE_ENTER);
}

static void a_grazing_pass_that_a_fix_showed_inside_alerts(void **state)
{
	struct zone_track t = { 0 }, silent = { 0 };

	(void)state;
	/* passing 25 m inside the edge for one fix, then out again: a good fix
	 * showed it, and the entry stands */
	assert_int_equal(zone_step(&t, &zp, 30, u(8), 0), ZE_WARNING);
	assert_int_equal(zone_step(&t, &zp, -25, u(8), 60000), ZE_ENTER);
	assert_int_equal(zone_step(&t, &zp, 30, u(8), 120000), ZE_NONE); /* within the hysteresis */
	assert_int_equal(zone_step(&t, &zp, 60, u(8), 180000), ZE_LEAVE);
	/* a shallow graze that a vague fix showed, and no reading after: time
	 * makes it an entry */
	assert_int_equal(zone_step(&silent, &zp, -6, u(40), 0), ZE_POSSIBLE_ENTRY);
	assert_int_equal(zone_tick(&silent, &zp, 60000), ZE_ENTER);
}

static void drift_along_the_edge_from_outside_is_no_storm(void **state)
{
	/* hugging the line a few metres out, good fixes every 10 s for ten
	 * minutes, a few of their centres inside */
	static const double drift[] = { 4, -3, 9, -5, 6, -1, 8, 2, 11, -4, 7, 3 };
	struct zone_track t = { 0 };
	int enters = 0, possible = 0;

	(void)state;
	for (int i = 0; i < 60; i++) {
		int64_t now = i * 10000;
		enum zone_event e = zone_tick(&t, &zp, now);

		enters += e == ZE_ENTER;
		e = zone_step(&t, &zp, drift[i % 12], u(10), now);
		enters += e == ZE_ENTER;
		possible += e == ZE_POSSIBLE_ENTRY;
	}
	assert_int_equal(enters, 0);
	assert_true(possible >= 1);
}

static void drift_along_the_edge_once_inside_does_not_flap(void **state)
{
	struct zone_track t = { 0 };
	int enters = 0, leaves = 0;

	(void)state;
	assert_int_equal(zone_step(&t, &zp, -30, u(10), 0), ZE_ENTER);
	for (int i = 1; i < 100; i++) {
		double d = (i % 2 ? -3 : 28); /* wobbling either side, 10 m accuracy */
		enum zone_event e = zone_step(&t, &zp, d, u(10), i * 1000);

		enters += e == ZE_ENTER;
		leaves += e == ZE_LEAVE;
	}
	assert_int_equal(enters, 0);
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

/* Issue 14: a possible entry that lapses after a far-off reading outside the
 * warning ring raises no warning (a 277 m fix outside the ring did). */
static void a_lapse_outside_the_ring_raises_no_warning(void **state)
{
	struct zone_track t = { 0 };

	(void)state;
	assert_int_equal(zone_step(&t, &zp, -5, u(60), 0), ZE_POSSIBLE_ENTRY);
	/* a degraded reading whose centre is outside the ring: the readings
	 * together are undecided, so it waits */
	assert_int_equal(zone_step(&t, &zp, 260, u(277), 10000), ZE_NONE);
	assert_int_equal(t.state, ZS_PENDING);
	assert_int_equal(zone_tick(&t, &zp, 60000), ZE_CANCELLED);
	assert_int_equal(t.state, ZS_OUTSIDE);
	assert_int_equal(t.warned, 0);
}

/* Issue 14: her new fix against his old position is no second reading. */
static void a_passive_reading_never_confirms(void **state)
{
	struct zone_track t = { 0 }, cancel = { 0 }, open = { 0 };

	(void)state;
	/* his fix opens a possible entry; her fixes, again and again close to
	 * him, do not confirm it (each one would, as a reading of his) */
	assert_int_equal(zone_step(&t, &zp, -15, u(40), 0), ZE_POSSIBLE_ENTRY);
	for (int i = 1; i <= 5; i++)
		assert_int_equal(zone_step_passive(&t, &zp, -15, u(40), i * 1000), ZE_NONE);
	assert_int_equal(t.readings, 1);
	assert_int_equal(t.state, ZS_PENDING);
	/* the same reading as his new fix is the second reading, and confirms */
	struct zone_track same = t;
	assert_int_equal(zone_step(&same, &zp, -15, u(40), 6000), ZE_ENTER);
	/* her fix that puts the whole circle outside rules it out */
	assert_int_equal(zone_step(&cancel, &zp, -15, u(40), 0), ZE_POSSIBLE_ENTRY);
	assert_int_equal(zone_step_passive(&cancel, &zp, 150, u(10), 1000), ZE_WARNING);
	assert_int_equal(cancel.state, ZS_WARNING);
	/* and when nothing is pending it acts as any reading: she walked up to
	 * where he stands, well inside */
	assert_int_equal(zone_step_passive(&open, &zp, -60, u(10), 0), ZE_ENTER);
	/* the deadline of a possible entry is its opening reading's time + confirm */
	assert_int_equal(zone_deadline(&t, &zp), 60000);
	assert_int_equal(zone_deadline(&open, &zp), 0);
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
		cmocka_unit_test(a_fix_uncertainty_is_floored_and_a_degraded_one_tripled),
		cmocka_unit_test(a_confident_single_fix_enters_at_once),
		cmocka_unit_test(a_small_accuracy_does_not_make_a_shallow_fix_confident),
		cmocka_unit_test(an_approach_is_alerted_on_its_first_fix_well_inside),
		cmocka_unit_test(an_indoor_outlier_does_not_enter),
		cmocka_unit_test(a_degraded_fix_alone_never_confirms),
		cmocka_unit_test(a_second_reading_confirms_when_both_are_inside_by_the_margin),
		cmocka_unit_test(readings_that_agree_add_up),
		cmocka_unit_test(a_possible_entry_never_expires_unnoticed),
		cmocka_unit_test(with_later_readings_time_decides_on_them),
		cmocka_unit_test(a_possible_entry_is_cancelled_by_a_fix_clearly_outside),
		cmocka_unit_test(a_centre_outside_alone_is_never_an_entry),
		cmocka_unit_test(a_grazing_pass_that_a_fix_showed_inside_alerts),
		cmocka_unit_test(drift_along_the_edge_from_outside_is_no_storm),
		cmocka_unit_test(drift_along_the_edge_once_inside_does_not_flap),
		cmocka_unit_test(the_warning_ring_fires_once_per_approach),
		cmocka_unit_test(a_lapse_outside_the_ring_raises_no_warning),
		cmocka_unit_test(a_passive_reading_never_confirms),
		cmocka_unit_test(lost_signal_timing),
	};
	return cmocka_run_group_tests_name("zonerule", tests, NULL, NULL);
}
