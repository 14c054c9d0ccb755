/* Unit tests for base/log: what a record quotes from outside is escaped, so
 * one call is one line, whatever the text carries. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"

static void check(const char *in, size_t n, const char *want)
{
	char out[256];
	size_t len = log_escape(in, n, out, sizeof out);

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
	assert_int_equal(log_escape("ab\ncd", 5, out, 6), 2);
	assert_string_equal(out, "ab");
	assert_int_equal(log_escape("ab\ncd", 5, out, 7), 6);
	assert_string_equal(out, "ab\\x0a");
	/* a multibyte character is whole or absent */
	assert_int_equal(log_escape("a\xc3\xab", 3, out, 3), 1);
	assert_string_equal(out, "a");
	assert_int_equal(log_escape("x", 1, out, 1), 0);
	assert_string_equal(out, "");
	assert_int_equal(log_escape("x", 1, out, 0), 0);
}

/* Run fn with standard error going to a file; returns what it wrote. */
static char *capture_stderr(void (*fn)(void))
{
	char path[] = "/tmp/vigil-test-log-XXXXXX";
	int fd = mkstemp(path), saved = dup(STDERR_FILENO);
	char *text = calloc(1, 65536);
	ssize_t n;

	assert_true(fd >= 0 && saved >= 0);
	assert_int_equal(dup2(fd, STDERR_FILENO), STDERR_FILENO);
	fn();
	assert_int_equal(dup2(saved, STDERR_FILENO), STDERR_FILENO);
	close(saved);
	n = pread(fd, text, 65535, 0);
	assert_true(n >= 0);
	close(fd);
	unlink(path);
	return text;
}

static void forged(void)
{
	log_warn("fix from unregistered device '%s' refused",
		 "a\r\n2026-12-07T10:00:00.000Z error forged");
}

static void long_one(void)
{
	static char big[6000];

	memset(big, '\n', sizeof big - 1);
	log_error("%s", big);
}

static void a_record_is_one_line_whatever_it_quotes(void **state)
{
	char *text = capture_stderr(forged);

	(void)state;
	assert_non_null(strstr(text, " warn fix from unregistered device "
				     "'a\\x0d\\x0a2026-12-07T10:00:00.000Z error forged' refused\n"));
	assert_ptr_equal(strchr(text, '\n'), text + strlen(text) - 1);
	assert_null(strchr(text, '\r'));
	free(text);

	/* a message longer than a record: truncated, still one line */
	text = capture_stderr(long_one);
	assert_ptr_equal(strchr(text, '\n'), text + strlen(text) - 1);
	assert_non_null(strstr(text, " error \\x0a\\x0a"));
	free(text);
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
		cmocka_unit_test(a_record_is_one_line_whatever_it_quotes),
	};

	return cmocka_run_group_tests_name("log", tests, NULL, NULL);
}
