/* Unit tests for notify/govnotify: a Notify API key is split into its service
 * id and secret, and the bearer token is the one Notify checks (HS256 over
 * header and claims, iss the service id), byte for byte as another
 * implementation (Node's crypto) makes it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "notify/govnotify.h"

#define SERVICE "26785a09-ab16-4eb0-8407-a37497a57506"
#define SECRET "3d844edf-8d35-48ac-975b-e847b4f122b0"

static void a_key_gives_its_service_id_and_secret(void **state)
{
	char sv[GOVNOTIFY_UUID_LEN + 1], se[GOVNOTIFY_UUID_LEN + 1], why[200];

	(void)state;
	assert_int_equal(govnotify_key_parse("my-test-key-" SERVICE "-" SECRET, sv, se, why, sizeof why), 0);
	assert_string_equal(sv, SERVICE);
	assert_string_equal(se, SECRET);
	/* no name before them is still a key */
	assert_int_equal(govnotify_key_parse(SERVICE "-" SECRET, sv, se, why, sizeof why), 0);
	assert_string_equal(se, SECRET);
}

static void a_key_that_is_not_one_is_refused_with_a_reason(void **state)
{
	char sv[GOVNOTIFY_UUID_LEN + 1], se[GOVNOTIFY_UUID_LEN + 1], why[200] = "";

	(void)state;
	assert_int_equal(govnotify_key_parse("", sv, se, why, sizeof why), -1);
	assert_non_null(strstr(why, "name-SERVICE_ID-SECRET"));
	assert_int_equal(govnotify_key_parse("name" SERVICE "-" SECRET, sv, se, why, sizeof why), -1);
	assert_int_equal(govnotify_key_parse("name-" SERVICE "-3d844edf-8d35-48ac-975b-e847b4f122bZ", sv,
					     se, why, sizeof why), -1);
	assert_int_equal(govnotify_key_parse("name-" SERVICE "x" SECRET, sv, se, why, sizeof why), -1);
}

static void the_token_is_hs256_with_iss_and_iat(void **state)
{
	char jwt[512];

	(void)state;
	assert_int_equal(govnotify_jwt(SERVICE, SECRET, 1700000000, jwt, sizeof jwt), 0);
	assert_string_equal(jwt, "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
				 "eyJpc3MiOiIyNjc4NWEwOS1hYjE2LTRlYjAtODQwNy1hMzc0OTdhNTc1MDYiLCJpYXQiOjE3MDAwMDAwMDB9."
				 "Kn-G9XSJxdSMk5GxZAwIpUFB7KL-ZpWDLUGVQeIZ4Ec");
	/* too small a buffer is refused, not cut */
	assert_int_equal(govnotify_jwt(SERVICE, SECRET, 1700000000, jwt, 100), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_key_gives_its_service_id_and_secret),
		cmocka_unit_test(a_key_that_is_not_one_is_refused_with_a_reason),
		cmocka_unit_test(the_token_is_hs256_with_iss_and_iat),
	};

	return cmocka_run_group_tests_name("govnotify", tests, NULL, NULL);
}
