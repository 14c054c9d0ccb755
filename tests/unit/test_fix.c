/* Unit tests for core/fix: the accuracy model for receivers that report a
 * dilution of precision and satellites instead of metres (Teltonika), at
 * each of its edges, and the accuracy assumed per device kind. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>

#include "core/fix.h"
#include "core/zonerule.h"

static void near(double got, double want)
{
	if (fabs(got - want) > 1e-9)
		fail_msg("got %.6f, wanted %.6f", got, want);
}

static void the_hdop_times_the_range_error_floored(void **state)
{
	(void)state;
	near(fix_accuracy_from_dop(1.2, 12), 1.2 * FIX_UERE_M);
	near(fix_accuracy_from_dop(1.0, 12), FIX_DOP_FLOOR_M);       /* at the floor */
	near(fix_accuracy_from_dop(0.9, 12), FIX_DOP_FLOOR_M);       /* below it: floored */
	near(fix_accuracy_from_dop(0.1, 20), FIX_DOP_FLOOR_M);
	near(fix_accuracy_from_dop(8.0, 12), 40.0);
	near(fix_accuracy_from_dop(6553.5, 12), FIX_DOP_MAX_M);      /* the IO's largest value */
	near(fix_accuracy_from_dop(999.9, 12), 4999.5);              /* the cap, both sides */
	near(fix_accuracy_from_dop(1000.1, 12), FIX_DOP_MAX_M);
	near(fix_accuracy_from_dop(2.0, -1), 10.0); /* satellites unknown: HDOP alone */
}

static void few_satellites_degrade_whatever_the_hdop(void **state)
{
	(void)state;
	/* 5 satellites: the HDOP decides; 4: at least the few-satellite floor */
	near(fix_accuracy_from_dop(2.0, 5), 10.0);
	near(fix_accuracy_from_dop(2.0, 4), FIX_FEW_SATS_M);
	near(fix_accuracy_from_dop(8.0, 4), 40.0); /* worse than the floor already */
	/* 3 and fewer: a 2D fix at best */
	near(fix_accuracy_from_dop(0.9, 3), FIX_2D_M);
	near(fix_accuracy_from_dop(2.0, 1), FIX_2D_M);
	near(fix_accuracy_from_dop(20.0, 3), 100.0);
	/* and so the rule takes both as degraded (tripled), never a good fix */
	assert_true(FIX_FEW_SATS_M > ZONE_DEGRADED_M && FIX_2D_M > ZONE_DEGRADED_M);
	near(zone_fix_uncertainty(fix_accuracy_from_dop(8.0, 4)), ZONE_DEGRADED_FACTOR * 40.0);
	near(zone_fix_uncertainty(fix_accuracy_from_dop(0.9, 12)), ZONE_ACC_FLOOR_M);
}

static void no_hdop_is_read_from_the_satellites(void **state)
{
	(void)state;
	for (int i = 0; i < 4; i++) {
		double hdop = i == 0 ? 0 : i == 1 ? NAN : i == 2 ? -1 : INFINITY;

		near(fix_accuracy_from_dop(hdop, 12), 2 * FIX_UERE_M);
		near(fix_accuracy_from_dop(hdop, 9), 2 * FIX_UERE_M);
		near(fix_accuracy_from_dop(hdop, 8), 3 * FIX_UERE_M);
		near(fix_accuracy_from_dop(hdop, 7), 3 * FIX_UERE_M);
		near(fix_accuracy_from_dop(hdop, 6), 4 * FIX_UERE_M);
		near(fix_accuracy_from_dop(hdop, 5), 4 * FIX_UERE_M);
		near(fix_accuracy_from_dop(hdop, 4), FIX_FEW_SATS_M);
		near(fix_accuracy_from_dop(hdop, 3), FIX_2D_M);
		near(fix_accuracy_from_dop(hdop, 1), FIX_2D_M);
		/* nothing known: no accuracy (the device's assumed one applies) */
		assert_true(isnan(fix_accuracy_from_dop(hdop, 0)));
		assert_true(isnan(fix_accuracy_from_dop(hdop, -1)));
	}
}

static void a_device_that_reports_nothing_is_assumed_by_its_kind(void **state)
{
	(void)state;
	near(fix_assumed_accuracy("offender_tag"), 25.0);
	near(fix_assumed_accuracy("victim_phone"), 20.0);
	near(fix_assumed_accuracy("victim_alarm"), 50.0);
	near(fix_assumed_accuracy("toaster"), 25.0);
	near(fix_assumed_accuracy(NULL), 25.0);
	/* a tag's assumption is a good fix at worst, never a better one */
	assert_true(fix_assumed_accuracy("offender_tag") <= ZONE_DEGRADED_M);
	assert_true(fix_assumed_accuracy("offender_tag") > ZONE_ACC_FLOOR_M);
}

static void an_event_keeps_its_event_and_drops_what_cannot_be(void **state)
{
	struct fix f;
	char why[160];
	const int64_t now = 1790000000000LL;

	(void)state;
	fix_init(&f);
	snprintf(f.uid, sizeof f.uid, "t1");
	f.at = 5000; /* 1970 */
	f.lat = 91;
	f.lon = -0.12;
	f.battery = 150;
	f.accuracy = 12;
	f.flags = FIX_SOS;
	assert_true(fix_salvage_event(&f, now));
	assert_int_equal(f.at, now);
	assert_true(f.flags & FIX_NO_POSITION);
	assert_true(isnan(f.lat) && isnan(f.lon) && isnan(f.battery));
	near(f.accuracy, 12); /* what could be is kept */
	assert_int_equal(fix_check(&f, now, why, sizeof why), 0);

	/* nothing to drop: untouched */
	fix_init(&f);
	snprintf(f.uid, sizeof f.uid, "t1");
	f.at = now - 1000;
	f.lat = 51.5;
	f.lon = -0.12;
	f.flags = FIX_TAMPER;
	assert_false(fix_salvage_event(&f, now));
	assert_false(f.flags & FIX_NO_POSITION);

	/* no event: left for fix_check to refuse */
	fix_init(&f);
	snprintf(f.uid, sizeof f.uid, "t1");
	f.at = now - 1000;
	f.lat = 0;
	f.lon = 0;
	f.flags = FIX_CHARGING;
	assert_false(fix_salvage_event(&f, now));
	assert_int_equal(fix_check(&f, now, why, sizeof why), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(the_hdop_times_the_range_error_floored),
		cmocka_unit_test(few_satellites_degrade_whatever_the_hdop),
		cmocka_unit_test(no_hdop_is_read_from_the_satellites),
		cmocka_unit_test(a_device_that_reports_nothing_is_assumed_by_its_kind),
		cmocka_unit_test(an_event_keeps_its_event_and_drops_what_cannot_be),
	};

	return cmocka_run_group_tests_name("fix", tests, NULL, NULL);
}
