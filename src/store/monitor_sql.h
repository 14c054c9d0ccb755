/*
 * store/monitor_sql.h — private to the store/ files of monitoring's records
 * (devices.c, assignments.c, zones.c, fixes.c, alerts.c), which together
 * implement store/monitor.h: the helpers and SQL fragments they share.
 */
#ifndef VIGIL_STORE_MONITOR_SQL_H
#define VIGIL_STORE_MONITOR_SQL_H

#include <math.h>
#include <stdio.h>

#include "base/mem.h"
#include "store/monitor.h"

static inline void copy(char *dst, size_t n, const char *src)
{
	snprintf(dst, n, "%s", src ? src : "");
}

/* How many rows (or list items) the next statement of a batch takes: 64,
 * 16, 4 or 1, the most that is left.  On PostgreSQL every statement is a
 * round trip; four sizes are four statement texts, each kept by the engine's
 * statement cache. */
static inline size_t batch_size(size_t left)
{
	return left >= 64 ? 64 : left >= 16 ? 16 : left >= 4 ? 4 : 1;
}

/* head, then item k times with ", " between, then tail (caller frees). */
static inline char *repeat_sql(const char *head, const char *item, size_t k, const char *tail)
{
	struct buf b;

	buf_init(&b);
	buf_puts(&b, head);
	for (size_t i = 0; i < k; i++) {
		if (i)
			buf_puts(&b, ", ");
		buf_puts(&b, item);
	}
	buf_puts(&b, tail);
	return buf_steal(&b);
}

/* An optional number (NaN: none) as a parameter, and back from a column. */
static inline void bind_opt(db_stmt *s, int i, double v)
{
	if (isnan(v))
		db_bind_null(s, i);
	else
		db_bind_double(s, i, v);
}

static inline double opt(db_stmt *s, int col)
{
	return db_column_is_null(s, col) ? NAN : db_column_double(s, col);
}

/* An assignment (alias a) not ended at the parameter's time. */
#define UNENDED_SQL(a) "(" a ".ends_at IS NULL OR " a ".ends_at > ?)"

#endif
