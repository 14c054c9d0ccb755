/* Unit tests for ingest/osmand: the query and form parser, the strict
 * parameters (identifiers, decimal numbers, each given once), every form of
 * timestamp Traccar's own decoder takes, the JSON body, and the inputs that
 * were refused, accepted or cut short wrongly before. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/osmand.h"

/* 2014-06-04T09:10:11Z */
#define T_2014 1401873011000LL

static char why[200];

/* Parse and decode a query string: what the listener does with a GET. */
static int decode(const char *query, struct fix *f)
{
	char *s = strdup(query);
	struct osmand_param p[OSMAND_MAX_PARAMS];
	size_t n = 0;
	int rc;

	why[0] = '\0';
	rc = osmand_parse_form(s, p, OSMAND_MAX_PARAMS, &n, why, sizeof why);
	if (rc == 0)
		rc = osmand_decode_params(p, n, f, why, sizeof why);
	free(s);
	return rc;
}

static void refused(const char *query, const char *reason)
{
	struct fix f;

	if (decode(query, &f) == 0)
		fail_msg("accepted '%s'", query);
	if (!strstr(why, reason))
		fail_msg("'%s': the reason '%s' does not say '%s'", query, why, reason);
}

static void the_form_parser_decodes_plus_and_percent_and_keeps_lengths(void **state)
{
	char s[] = "id=a%20b&timestamp=2014-06-04+09%3A10%3A11&&flag&x=X%00y";
	struct osmand_param p[8];
	size_t n = 0;

	(void)state;
	assert_int_equal(osmand_parse_form(s, p, 8, &n, why, sizeof why), 0);
	assert_int_equal(n, 4);
	assert_string_equal(p[0].key, "id");
	assert_string_equal(p[0].value, "a b");
	assert_int_equal(p[0].value_len, 3);
	assert_string_equal(p[1].value, "2014-06-04 09:10:11");
	assert_string_equal(p[2].key, "flag");
	assert_string_equal(p[2].value, "");
	/* a %00 is kept as what it is: the length says so */
	assert_string_equal(p[3].value, "X");
	assert_int_equal(p[3].value_len, 3);
	assert_memory_equal(p[3].value, "X\0y", 3);
}

static void the_form_parser_refuses_too_many_parameters_and_bad_escapes(void **state)
{
	char many[1024] = "", bad1[] = "id=%zz", bad2[] = "id=a%4", bad3[] = "id=%";
	struct osmand_param p[OSMAND_MAX_PARAMS];
	size_t n = 0;

	(void)state;
	for (int i = 0; i <= OSMAND_MAX_PARAMS; i++)
		strcat(many, i ? "&a=1" : "a=1");
	assert_int_equal(osmand_parse_form(many, p, OSMAND_MAX_PARAMS, &n, why, sizeof why), -1);
	assert_string_equal(why, "more than 64 parameters");
	/* the limit counts what the query already put there */
	n = OSMAND_MAX_PARAMS - 1;
	char two[] = "a=1&b=2";
	assert_int_equal(osmand_parse_form(two, p, OSMAND_MAX_PARAMS, &n, why, sizeof why), -1);
	for (char *b = bad1; b; b = b == bad1 ? bad2 : b == bad2 ? bad3 : NULL) {
		n = 0;
		assert_int_equal(osmand_parse_form(b, p, OSMAND_MAX_PARAMS, &n, why, sizeof why), -1);
		assert_non_null(strstr(why, "two hexadecimal digits"));
	}
}

static void traccars_date_and_time_forms_are_read_as_utc(void **state)
{
	static const struct {
		const char *text;
		int64_t ms;
	} ok[] = {
		{ "2014-06-04 09:10:11", T_2014 },
		{ "2014-06-04 09:10:11.5", T_2014 + 500 },
		{ "2014-06-04 09:10:11Z", T_2014 },
		{ "2014-06-04 09:10:11.123Z", T_2014 + 123 },
		{ "2014-06-04T09:10:11", T_2014 },
		{ "2014-06-04T09:10:11Z", T_2014 },
		{ "2014-06-04T11:10:11+02:00", T_2014 },
		{ "2014-06-04T09:10:11.862Z", T_2014 + 862 },
		{ "1401873011", T_2014 },
		{ "1401873011123", T_2014 + 123 },
		{ "1401873011.5", T_2014 + 500 },
		/* to the millisecond: further digits are dropped, not rounded */
		{ "1401873011.123", T_2014 + 123 },
		{ "1401873011.1239", T_2014 + 123 },
	};
	int64_t ms;

	(void)state;
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		if (osmand_parse_time(ok[i].text, &ms) != 0)
			fail_msg("refused '%s'", ok[i].text);
		if (ms != ok[i].ms)
			fail_msg("'%s' read as %lld, not %lld", ok[i].text, (long long)ms,
				 (long long)ok[i].ms);
	}
}

static void a_timestamp_that_is_no_time_is_refused(void **state)
{
	static const char *bad[] = {
		"", "2014-06-04", "2014-06-04 25:00:00", "2014-06-04 09:10", "2014-06-04  09:10:11",
		"2014-02-30 09:10:11", "2014-06-04 09:10:11 ", "2014-06-04 09:10:11.", "-5",
		"+1401873011", " 1401873011", "1e9", "0x53", "14018730111234",
		"99999999999999999999999.5", "1401873011.", ".5", "yesterday",
	};
	int64_t ms;

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (osmand_parse_time(bad[i], &ms) == 0)
			fail_msg("accepted '%s' as %lld", bad[i], (long long)ms);
}

static void a_traccar_query_with_a_date_time_decodes(void **state)
{
	struct fix f;

	(void)state;
	assert_int_equal(decode("lat=49.60688&lon=6.15788&timestamp=2014-06-04+09%3A10%3A11"
				"&altitude=384.7&speed=0.0&id=353861053849681", &f), 0);
	assert_string_equal(f.uid, "353861053849681");
	assert_int_equal(f.at, T_2014);
	assert_true(fabs(f.lat - 49.60688) < 1e-12 && fabs(f.lon - 6.15788) < 1e-12);
	assert_true(fabs(f.altitude - 384.7) < 1e-12);
	assert_true(f.speed == 0);
}

static void numbers_are_decimal_only(void **state)
{
	static const char *bad[] = {
		"0x33", "0X33", "inf", "-inf", "Infinity", "nan", "NaN", "1e400", "-1e400", "1e-400",
		"+5", "%2B5", " 5", "5 ", "5.", ".5", "1e", "1e+", "--5", "5,5", "", "0x1p3", "1_000",
	};
	static const struct {
		const char *text;
		double v;
	} ok[] = {
		{ "51.5074", 51.5074 }, { "-0.1278", -0.1278 }, { "1.0E-4", 1.0e-4 }, { "5e2", 500 },
		{ "007", 7 }, { "0", 0 }, { "-0.0", 0 }, { "2.5E%2B1", 25 }, { "2.5e-1", 0.25 },
	};
	char q[200];
	struct fix f;

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(q, sizeof q, "id=a&lat=51&lon=0&speed=%s", bad[i]);
		refused(q, "speed must be a decimal number");
		snprintf(q, sizeof q, "id=a&lat=%s&lon=0", bad[i]);
		refused(q, "lat must be a decimal number");
		snprintf(q, sizeof q, "id=a&location=%s,0", bad[i]);
		refused(q, "location must be \"lat,lon\"");
	}
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		snprintf(q, sizeof q, "id=a&lat=51&lon=0&altitude=%s", ok[i].text);
		if (decode(q, &f) != 0)
			fail_msg("refused altitude=%s: %s", ok[i].text, why);
		assert_true(f.altitude == ok[i].v);
	}
}

static void an_identifier_is_never_cut_short_and_holds_no_control_character(void **state)
{
	char q[200], long_id[FIX_UID_MAX + 2];
	struct fix f;

	(void)state;
	refused("id=X%00y&lat=51&lon=0", "id holds a NUL character");
	refused("deviceid=X%00&lat=51&lon=0", "deviceid holds a NUL character");
	refused("id=a%0D%0Afake&lat=51&lon=0", "without control characters");
	refused("id=a%0Afake&lat=51&lon=0", "without control characters");
	refused("id=a%09b&lat=51&lon=0", "without control characters");
	refused("id=a%1B%5B2J&lat=51&lon=0", "without control characters");
	refused("id=a%C2%85b&lat=51&lon=0", "without control characters"); /* NEL */
	refused("id=%FF&lat=51&lon=0", "UTF-8");
	refused("id=&lat=51&lon=0", "id must be 1 to 64 bytes");
	/* a NUL in a name must not make "id%00x" read as "id" */
	refused("id%00x=X&id=Y&lat=51&lon=0", "a parameter name holds a NUL");
	memset(long_id, 'a', sizeof long_id - 1);
	long_id[sizeof long_id - 1] = '\0';
	snprintf(q, sizeof q, "id=%s&lat=51&lon=0", long_id);
	refused(q, "1 to 64 bytes");
	long_id[FIX_UID_MAX] = '\0';
	snprintf(q, sizeof q, "id=%s&lat=51&lon=0", long_id);
	assert_int_equal(decode(q, &f), 0);
	assert_string_equal(f.uid, long_id);
	assert_int_equal(decode("id=t%C3%A9l%C3%A9phone+1&lat=51&lon=0", &f), 0);
	assert_string_equal(f.uid, "t\xc3\xa9l\xc3\xa9phone 1");
}

static void a_parameter_the_decoder_uses_is_given_once(void **state)
{
	(void)state;
	refused("id=a&id=b&lat=51&lon=0", "id is given more than once");
	refused("id=a&deviceid=b&lat=51&lon=0", "id and deviceid are the same parameter");
	refused("id=a&lat=51&lon=0&lat=52", "lat is given more than once");
	refused("id=a&lat=51&lon=0&bearing=1&heading=2", "bearing and heading");
	refused("id=a&lat=51&lon=0&timestamp=1401873011&timestamp=1401873012", "timestamp is given");
	refused("id=a&lat=51&lon=0&location=51,0", "not both");
}

static void parameters_the_decoder_does_not_use_are_ignored(void **state)
{
	struct fix f;

	(void)state;
	assert_int_equal(decode("id=a&lat=51&lon=0&valid=true&mock=false&driverUniqueId=x&"
				"rpm=933&rpm=934&x=%0D%0A",
				&f),
			 0);
}

static void an_event_is_never_refused_for_its_position(void **state)
{
	struct fix f;

	(void)state;
	/* without an alarm, a garbled position is refused naming it */
	refused("id=a&lat=0x33&lon=1", "lat must be a decimal number");
	refused("id=a&lat=51&lon=nan", "lon must be a decimal number");
	/* with one, the alarm is taken without a position */
	assert_int_equal(decode("id=a&lat=0x33&lon=1&alarm=sos", &f), 0);
	assert_int_equal(f.flags, FIX_SOS | FIX_NO_POSITION);
	assert_true(isnan(f.lat) && isnan(f.lon));
	assert_int_equal(decode("id=a&lat=inf&alarm=sos", &f), 0);
	assert_int_equal(f.flags, FIX_SOS | FIX_NO_POSITION);
	assert_int_equal(decode("id=a&location=north&alarm=tamper", &f), 0);
	assert_int_equal(f.flags, FIX_TAMPER | FIX_NO_POSITION);
	/* other fields are held to the rule all the same */
	refused("id=a&lat=1&lon=1&alarm=sos&speed=0x1", "speed must be a decimal number");
	refused("id=a&alarm=sos&timestamp=soon", "timestamp must be");
}

static void the_json_body_is_as_strict(void **state)
{
	static const char *bad[][2] = {
		{ "{\"device_id\":\"a\\r\\nfake\",\"location\":{\"timestamp\":1401873011,"
		  "\"coords\":{\"latitude\":51,\"longitude\":0}}}", "device_id" },
		{ "{\"device_id\":\"X\\u0000y\",\"location\":{\"timestamp\":1401873011,"
		  "\"coords\":{\"latitude\":51,\"longitude\":0}}}", "JSON" },
		{ "{\"device_id\":\"a\",\"location\":{\"timestamp\":1401873011.5,"
		  "\"coords\":{\"latitude\":51,\"longitude\":0}}}", "location.timestamp must be" },
		{ "{\"device_id\":\"a\",\"location\":{\"timestamp\":-1401873011,"
		  "\"coords\":{\"latitude\":51,\"longitude\":0}}}", "location.timestamp must be" },
		{ "{\"device_id\":\"a\",\"location\":{\"timestamp\":\"2014-06-04\","
		  "\"coords\":{\"latitude\":51,\"longitude\":0}}}", "location.timestamp must be" },
		{ "{\"device_id\":\"a\",\"location\":{\"coords\":{\"latitude\":51,\"longitude\":0}}}",
		  "location.timestamp is required" },
		{ "{\"device_id\":\"a\",\"location\":{\"timestamp\":1401873011,"
		  "\"coords\":{\"latitude\":1e400,\"longitude\":0}}}", "JSON" },
	};
	const char *good = "{\"location\":{\"timestamp\":\"2014-06-04T09:10:11.862Z\",\"coords\":"
			   "{\"latitude\":37.4219983,\"longitude\":-122.084,\"accuracy\":5,\"speed\":0,"
			   "\"heading\":-1,\"altitude\":5},\"is_moving\":false,\"event\":\"motionchange\","
			   "\"battery\":{\"level\":0.79,\"is_charging\":false}},\"device_id\":\"48241179\"}";
	struct fix f;

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (osmand_decode_json(bad[i][0], strlen(bad[i][0]), &f, why, sizeof why) == 0)
			fail_msg("accepted %s", bad[i][0]);
		if (!strstr(why, bad[i][1]))
			fail_msg("%s: '%s' does not say '%s'", bad[i][0], why, bad[i][1]);
	}
	assert_int_equal(osmand_decode_json(good, strlen(good), &f, why, sizeof why), 0);
	assert_string_equal(f.uid, "48241179");
	assert_int_equal(f.at, T_2014 + 862);
	assert_true(isnan(f.heading));
	assert_true(fabs(f.battery - 79) < 1e-9);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(the_form_parser_decodes_plus_and_percent_and_keeps_lengths),
		cmocka_unit_test(the_form_parser_refuses_too_many_parameters_and_bad_escapes),
		cmocka_unit_test(traccars_date_and_time_forms_are_read_as_utc),
		cmocka_unit_test(a_timestamp_that_is_no_time_is_refused),
		cmocka_unit_test(a_traccar_query_with_a_date_time_decodes),
		cmocka_unit_test(numbers_are_decimal_only),
		cmocka_unit_test(an_identifier_is_never_cut_short_and_holds_no_control_character),
		cmocka_unit_test(a_parameter_the_decoder_uses_is_given_once),
		cmocka_unit_test(parameters_the_decoder_does_not_use_are_ignored),
		cmocka_unit_test(an_event_is_never_refused_for_its_position),
		cmocka_unit_test(the_json_body_is_as_strict),
	};

	return cmocka_run_group_tests_name("osmand", tests, NULL, NULL);
}
