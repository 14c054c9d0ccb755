/* Unit tests for http/route (path matching) and http/throttle. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/route.h"
#include "http/throttle.h"

static int match(const char *pattern, const char *path, char **value)
{
	const char *names[4];
	char *values[4];
	int n;

	if (!route_match(pattern, path, names, values, 4, &n))
		return -1;
	if (value)
		*value = n ? values[0] : NULL;
	for (int i = value ? 1 : 0; i < n; i++)
		free(values[i]);
	return n;
}

static void literal_paths(void **state)
{
	(void)state;
	assert_int_equal(match("/api/v1/me", "/api/v1/me", NULL), 0);
	assert_int_equal(match("/api/v1/me", "/api/v1/me/", NULL), -1);
	assert_int_equal(match("/api/v1/me", "/api/v1/mex", NULL), -1);
	assert_int_equal(match("/api/v1/me", "/api/v1", NULL), -1);
	assert_int_equal(match("/api/v1/me", "api/v1/me", NULL), -1);
	assert_int_equal(match("/healthz", "/healthz", NULL), 0);
}

static void placeholders_capture_one_decoded_segment(void **state)
{
	char *v = NULL;

	(void)state;
	assert_int_equal(match("/api/v1/users/{username}", "/api/v1/users/alice", &v), 1);
	assert_string_equal(v, "alice");
	free(v);
	assert_int_equal(match("/api/v1/users/{username}", "/api/v1/users/a%2Eb", &v), 1);
	assert_string_equal(v, "a.b");
	free(v);
	assert_int_equal(match("/api/v1/users/{username}", "/api/v1/users/", NULL), -1);
	assert_int_equal(match("/api/v1/users/{username}", "/api/v1/users/a/b", NULL), -1);
}

static void bad_escapes_do_not_match(void **state)
{
	(void)state;
	assert_int_equal(match("/u/{x}", "/u/%", NULL), -1);
	assert_int_equal(match("/u/{x}", "/u/%4", NULL), -1);
	assert_int_equal(match("/u/{x}", "/u/%zz", NULL), -1);
	assert_int_equal(match("/u/{x}", "/u/a%00b", NULL), -1);
	assert_int_equal(match("/u/{x}", "/u/a%2Fb", NULL), -1);
}

static void throttle_slows_after_max_within_window(void **state)
{
	struct throttle *t = throttle_new(3, 1000, 100);

	(void)state;
	assert_int_equal(throttle_claim(t, "10.0.0.1", 0), 0);
	assert_int_equal(throttle_claim(t, "10.0.0.1", 10), 0);
	assert_int_equal(throttle_claim(t, "10.0.0.1", 20), 0);
	/* three claimed: past the limit, one attempt every 100 ms, not none */
	assert_int_equal(throttle_claim(t, "10.0.0.1", 20), 100);
	assert_int_equal(throttle_claim(t, "10.0.0.1", 90), 30);
	assert_int_equal(throttle_claim(t, "10.0.0.1", 120), 0);
	assert_int_equal(throttle_claim(t, "10.0.0.1", 121), 99);
	/* another address is not slowed */
	assert_int_equal(throttle_claim(t, "10.0.0.2", 20), 0);
	/* a new window */
	assert_int_equal(throttle_claim(t, "10.0.0.1", 1200), 0);
	assert_int_equal(throttle_claim(t, "10.0.0.1", 1201), 0);
	throttle_free(t);
}

static void throttle_table_stays_bounded(void **state)
{
	struct throttle *t = throttle_new(1, 1000000, 1000000);
	char addr[32];

	(void)state;
	for (int i = 0; i < 100000; i++) {
		snprintf(addr, sizeof addr, "10.%d.%d.%d", i >> 16, (i >> 8) & 255, i & 255);
		assert_int_equal(throttle_claim(t, addr, i), 0);
	}
	/* the newest are remembered */
	assert_true(throttle_claim(t, "10.1.134.159", 100000) > 0);
	throttle_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(literal_paths),
		cmocka_unit_test(placeholders_capture_one_decoded_segment),
		cmocka_unit_test(bad_escapes_do_not_match),
		cmocka_unit_test(throttle_slows_after_max_within_window),
		cmocka_unit_test(throttle_table_stays_bounded),
	};
	return cmocka_run_group_tests_name("route", tests, NULL, NULL);
}
