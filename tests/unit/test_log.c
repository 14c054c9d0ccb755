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
		cmocka_unit_test(a_record_is_one_line_whatever_it_quotes),
	};

	return cmocka_run_group_tests_name("log", tests, NULL, NULL);
}
