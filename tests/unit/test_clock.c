/* Unit tests for base/clock: RFC 3339 parsing and formatting. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "base/clock.h"

static void parses_utc_and_offsets_to_the_same_instant(void **state)
{
	int64_t a, b, c;

	(void)state;
	assert_int_equal(clock_parse("2026-11-28T08:36:48Z", &a), 0);
	assert_int_equal(a, 1795855008000LL);
	assert_int_equal(clock_parse("2026-11-28T09:36:48+01:00", &b), 0);
	assert_int_equal(clock_parse("2026-11-28T03:06:48-05:30", &c), 0);
	assert_int_equal(a, b);
	assert_int_equal(a, c);
}

static void parses_fractions_to_milliseconds(void **state)
{
	int64_t ms;

	(void)state;
	assert_int_equal(clock_parse("1970-01-01T00:00:00.5Z", &ms), 0);
	assert_int_equal(ms, 500);
	assert_int_equal(clock_parse("1970-01-01T00:00:01.123456Z", &ms), 0);
	assert_int_equal(ms, 1123);
}

static void parses_a_plain_date_as_midnight_utc(void **state)
{
	int64_t ms;

	(void)state;
	assert_int_equal(clock_parse("2024-02-29", &ms), 0);
	assert_int_equal(ms, 1709164800000LL);
}

static void refuses_impossible_and_malformed_times(void **state)
{
	static const char *bad[] = {
		"", "2026", "2026-13-01", "2026-02-29", "2026-04-31", "2026-00-10",
		"2026-11-28T24:00:00Z", "2026-11-28T08:60:00Z", "2026-11-28T08:36:48",
		"2026-11-28T08:36:48Q", "2026-11-28T08:36:48Zjunk", "2026-11-28T08:36:48.Z",
		"26-11-28", "2026/11/28", "2026-11-28T08:36:48+1:00", "1899-12-31",
	};
	int64_t ms;

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (clock_parse(bad[i], &ms) == 0)
			fail_msg("accepted '%s'", bad[i]);
	}
}

static void formats_round_trip(void **state)
{
	char buf[40];
	int64_t ms;

	(void)state;
	clock_format(1795855008123LL, buf, sizeof buf);
	assert_string_equal(buf, "2026-11-28T08:36:48.123Z");
	assert_int_equal(clock_parse(buf, &ms), 0);
	assert_int_equal(ms, 1795855008123LL);
}

static int64_t at(const char *s)
{
	int64_t ms = 0;

	assert_int_equal(clock_parse(s, &ms), 0);
	return ms;
}

static void adds_calendar_months(void **state)
{
	(void)state;
	assert_int_equal(clock_add_months(at("2025-01-15T10:00:00.250Z"), 6),
			 at("2025-07-15T10:00:00.250Z"));
	/* a day the month has not runs on into the next */
	assert_int_equal(clock_add_months(at("2025-01-31T00:00:00Z"), 1),
			 at("2025-03-03T00:00:00Z"));
	assert_int_equal(clock_add_months(at("2024-02-29T00:00:00Z"), 12),
			 at("2025-03-01T00:00:00Z"));
	assert_int_equal(clock_add_months(at("2025-03-15T00:00:00Z"), -3),
			 at("2024-12-15T00:00:00Z"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parses_utc_and_offsets_to_the_same_instant),
		cmocka_unit_test(parses_fractions_to_milliseconds),
		cmocka_unit_test(parses_a_plain_date_as_midnight_utc),
		cmocka_unit_test(refuses_impossible_and_malformed_times),
		cmocka_unit_test(formats_round_trip),
		cmocka_unit_test(adds_calendar_months),
	};
	return cmocka_run_group_tests_name("clock", tests, NULL, NULL);
}
