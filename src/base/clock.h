/*
 * clock — wall-clock time as Unix milliseconds, and RFC 3339 UTC text.
 *
 * Vigil stores every time as a 64-bit count of milliseconds since the Unix
 * epoch (portable across SQLite and PostgreSQL) and shows it as RFC 3339 UTC.
 */
#ifndef VIGIL_BASE_CLOCK_H
#define VIGIL_BASE_CLOCK_H

#include <stddef.h>
#include <stdint.h>

int64_t clock_now_ms(void);
/* Monotonic clock in nanoseconds, for measuring durations. */
int64_t clock_mono_ns(void);
/* Format ms as "2026-11-28T08:36:48.123Z" into out (at least 25 bytes). */
void clock_format(int64_t ms, char *out, size_t outlen);
/*
 * Parse an RFC 3339 time ("2026-11-28T08:36:48Z", fractional seconds and
 * numeric offsets allowed, or a plain date "2026-11-28" meaning midnight UTC).
 * Returns 0 and sets *ms, or -1 when the text is not such a time.
 */
int clock_parse(const char *s, int64_t *ms);
/* ms plus months calendar months (UTC; a day the month has not, such as
 * the 31st or 29 February, runs on into the next month). */
int64_t clock_add_months(int64_t ms, int months);

#endif
