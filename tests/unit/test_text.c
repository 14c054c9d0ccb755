/* Unit tests for base/text: text_escape() leaves outside text valid UTF-8 on
 * one line, every escape unambiguous. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "base/text.h"

static void check(const char *in, size_t n, const char *want)
{
	char out[256];
	size_t len = text_escape(in, n, out, sizeof out);

	assert_string_equal(out, want);
	assert_int_equal(len, strlen(want));
}

#define CHECK(lit, want) check(lit, sizeof lit - 1, want)

static void control_characters_become_hex_escapes(void **state)
{
	(void)state;
	CHECK("a\r\nfake", "a\\x0d\\x0afake");
	CHECK("tab\there", "tab\\x09here");
	CHECK("nul\0byte", "nul\\x00byte");
	CHECK("\x1b[2J\x7f", "\\x1b[2J\\x7f");
	/* C1 controls in UTF-8: NEL (U+0085) and CSI (U+009B) */
	CHECK("x\xc2\x85y\xc2\x9b", "x\\xc2\\x85y\\xc2\\x9b");
}

static void separators_and_bidi_controls_are_escaped(void **state)
{
	(void)state;
	/* U+2028 LINE SEPARATOR, U+2029, U+202E RIGHT-TO-LEFT OVERRIDE, U+2066 */
	CHECK("a\xe2\x80\xa8" "b", "a\\xe2\\x80\\xa8b");
	CHECK("\xe2\x80\xa9", "\\xe2\\x80\\xa9");
	CHECK("gpj.\xe2\x80\xae" "exe", "gpj.\\xe2\\x80\\xaeexe");
	CHECK("\xe2\x81\xa6", "\\xe2\\x81\\xa6");
}

static void a_backslash_is_doubled_so_escapes_are_unambiguous(void **state)
{
	(void)state;
	/* the text "\x0a" is not a newline and must not read as one */
	CHECK("a\\x0a", "a\\\\x0a");
}

static void invalid_utf8_bytes_are_escaped_one_by_one(void **state)
{
	(void)state;
	CHECK("\xff", "\\xff");
	CHECK("a\x80z", "a\\x80z");          /* a lone continuation byte */
	CHECK("\xe2\x82", "\\xe2\\x82");      /* cut short at the end */
	CHECK("\xe2\x82z", "\\xe2\\x82z");    /* cut short by an ASCII byte */
	CHECK("\xc0\xaf", "\\xc0\\xaf");      /* an overlong '/' */
	CHECK("\xed\xa0\x80", "\\xed\\xa0\\x80"); /* a surrogate */
	CHECK("\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80"); /* beyond U+10FFFF */
}

static void printable_text_is_kept_as_it_is(void **state)
{
	(void)state;
	CHECK("device '353861053849681' refused", "device '353861053849681' refused");
	CHECK("Zo\xc3\xab \xe6\xbc\xa2 \xf0\x9f\x93\x8d", "Zo\xc3\xab \xe6\xbc\xa2 \xf0\x9f\x93\x8d");
	CHECK("", "");
}

static void an_escape_is_never_cut_by_a_small_buffer(void **state)
{
	char out[8];

	(void)state;
	/* "ab" fits, "\x0a" (4 bytes) would need 7 with the NUL: dropped */
	assert_int_equal(text_escape("ab\ncd", 5, out, 6), 2);
	assert_string_equal(out, "ab");
	assert_int_equal(text_escape("ab\ncd", 5, out, 7), 6);
	assert_string_equal(out, "ab\\x0a");
	/* a multibyte character is whole or absent */
	assert_int_equal(text_escape("a\xc3\xab", 3, out, 3), 1);
	assert_string_equal(out, "a");
	assert_int_equal(text_escape("x", 1, out, 1), 0);
	assert_string_equal(out, "");
	assert_int_equal(text_escape("x", 1, out, 0), 0);
}

static void a_reason_cut_short_ends_on_a_whole_character(void **state)
{
	char why[6];

	(void)state;
	/* "ab" then é (2 bytes) then € (3 bytes): 5 bytes fit, the € would be cut */
	assert_int_equal(text_fail(why, sizeof why, "ab%s", "\xc3\xa9\xe2\x82\xac"), -1);
	assert_string_equal(why, "ab\xc3\xa9");
	assert_int_equal(text_fail(why, sizeof why, "%d", 42), -1);
	assert_string_equal(why, "42");
	/* no buffer: only the answer */
	assert_int_equal(text_fail(NULL, 0, "%s", "x"), -1);
}

static void a_name_is_found_in_a_list_ended_by_null_or_by_count(void **state)
{
	static const char *const ended[] = { "a", "b", "c", NULL };
	static const char *const counted[3] = { "a", "b", "c" };

	(void)state;
	assert_int_equal(text_index(ended, SIZE_MAX, "c"), 2);
	assert_int_equal(text_index(ended, SIZE_MAX, "d"), -1);
	assert_int_equal(text_index(ended, SIZE_MAX, NULL), -1);
	assert_int_equal(text_index(counted, 3, "a"), 0);
	assert_int_equal(text_index(counted, 2, "c"), -1);
	assert_int_equal(text_index(counted, 3, ""), -1);
}

static void blank_is_nothing_but_white_space(void **state)
{
	(void)state;
	assert_true(text_blank(NULL));
	assert_true(text_blank(""));
	assert_true(text_blank(" \t\r\n"));
	assert_false(text_blank(" x "));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(control_characters_become_hex_escapes),
		cmocka_unit_test(separators_and_bidi_controls_are_escaped),
		cmocka_unit_test(a_backslash_is_doubled_so_escapes_are_unambiguous),
		cmocka_unit_test(invalid_utf8_bytes_are_escaped_one_by_one),
		cmocka_unit_test(printable_text_is_kept_as_it_is),
		cmocka_unit_test(an_escape_is_never_cut_by_a_small_buffer),
		cmocka_unit_test(a_reason_cut_short_ends_on_a_whole_character),
		cmocka_unit_test(a_name_is_found_in_a_list_ended_by_null_or_by_count),
		cmocka_unit_test(blank_is_nothing_but_white_space),
	};

	return cmocka_run_group_tests_name("text", tests, NULL, NULL);
}
