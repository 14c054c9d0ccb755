/*
 * log — timestamped records on standard error, one write() per record so that
 * lines from different threads do not interleave.
 *
 * The message is escaped after formatting, not each argument before: every
 * caller is covered, including those that quote text they did not think of
 * as outside input (a database's error message quotes the value it refused).
 */
#include "base/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "base/text.h"

#define MSG_MAX 2048
/* every byte may become four ("\xNN") */
#define LINE_MAX_BYTES (64 + 4 * MSG_MAX + 2)

static enum log_level min_level = LOG_INFO;

void log_set_level(enum log_level level)
{
	min_level = level;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	static const char *names[] = { "debug", "info", "warn", "error" };
	char msg[MSG_MAX], line[LINE_MAX_BYTES];
	struct timespec ts;
	struct tm tm;
	va_list ap;
	int n, m;

	if (level < min_level)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = snprintf(line, sizeof line, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s ",
		     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
		     tm.tm_sec, ts.tv_nsec / 1000000, names[level]);
	va_start(ap, fmt);
	m = vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (m < 0 || n < 0)
		return;
	if ((size_t)m >= sizeof msg)
		m = (int)sizeof msg - 1; /* truncated */
	n += (int)text_escape(msg, (size_t)m, line + n, sizeof line - (size_t)n - 1);
	line[n++] = '\n';
	if (write(STDERR_FILENO, line, (size_t)n) < 0)
		return;
}
