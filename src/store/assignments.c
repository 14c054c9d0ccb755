/*
 * store/assignments — monitoring's assignments: which device watches whom in which case, when (store/monitor.h).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/mem.h"
#include "store/each.h"
#include "store/monitor_sql.h"
#include "store/sealed.h"
#include "store/visible.h"

int64_t assignment_insert(db *d, int64_t device_id, int64_t case_id, const char *role,
			  int64_t starts_at, int64_t ends_at, int64_t by)
{
	int64_t id;
	int rc;

	rc = db_get_int64(d, &id,
			  "INSERT INTO device_assignments (device_id, case_id, role, starts_at, ends_at,"
			  " assigned_by) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
			  "iitiIi", device_id, case_id, role, starts_at, ends_at, by);
	return rc < 0 ? rc : id;
}

#define ASSIGNMENT_SELECT \
	"SELECT id, device_id, case_id, role, starts_at, ends_at FROM device_assignments"

/* A row (id, device_id, case_id, role, starts_at, ends_at) into out. */
static void assignment_row(db_stmt *s, void *out)
{
	struct assignment *a = out;

	a->id = db_column_int64(s, 0);
	a->device_id = db_column_int64(s, 1);
	a->case_id = db_column_int64(s, 2);
	copy(a->role, sizeof a->role, db_column_text(s, 3));
	a->starts_at = db_column_int64(s, 4);
	a->ends_at = db_column_int64(s, 5);
}

/* db_each_fn: a row to the caller's fn, which says when to stop. */
STORE_EACH(assignment_each, struct assignment, assignment_row);

int assignment_overlapping(db *d, int64_t device_id, int64_t starts_at, int64_t ends_at,
			   struct assignment *out)
{
	return db_one(d, assignment_row, out,
		      ASSIGNMENT_SELECT " WHERE device_id = ? AND (? = 0 OR starts_at < ?)"
		      " AND (ends_at IS NULL OR ends_at > ?) ORDER BY id LIMIT 1",
		      "iiii", device_id, ends_at, ends_at, starts_at);
}

int assignment_covering(db *d, int64_t device_id, int64_t case_id, int64_t at,
			struct assignment *out)
{
	return db_one(d, assignment_row, out,
		      ASSIGNMENT_SELECT " WHERE device_id = ? AND case_id = ? AND starts_at <= ?"
		      " AND (ends_at IS NULL OR ends_at > ?) ORDER BY id LIMIT 1",
		      "iiii", device_id, case_id, at, at);
}

int assignment_get(db *d, int64_t case_id, int64_t id, struct assignment *out)
{
	return db_one(d, assignment_row, out, ASSIGNMENT_SELECT " WHERE id = ? AND case_id = ?",
		      "ii", id, case_id);
}

int assignment_end(db *d, int64_t id, int64_t ends_at)
{
	int rc = db_write(d,
			  "UPDATE device_assignments SET ends_at = ? WHERE id = ?"
			  " AND (ends_at IS NULL OR ends_at > ?)",
			  "iii", ends_at, id, ends_at);

	return rc < 0 ? rc : rc > 0;
}

struct case_ids {
	int64_t *out;
	int max, n;
};

/* db_each_fn: a case id into the caller's array, until it is full. */
static int case_id_row(db_stmt *s, void *arg)
{
	struct case_ids *c = arg;

	if (c->n >= c->max)
		return 1;
	c->out[c->n++] = db_column_int64(s, 0);
	return 0;
}

/* The cases a device watches at now: up to max ids in out; their number, or < 0. */
int assignment_cases_of_device(db *d, int64_t device_id, int64_t now, int64_t *out, int max)
{
	struct case_ids c = { out, max, 0 };
	int rc;

	rc = db_each(d, case_id_row, &c,
		     "SELECT case_id FROM device_assignments WHERE device_id = ? AND starts_at <= ?"
		     " AND (ends_at IS NULL OR ends_at > ?) ORDER BY id",
		     "iii", device_id, now, now);
	return rc < 0 ? rc : c.n;
}

int assignment_each_current(db *d, int64_t case_id, int64_t now,
			    int (*fn)(const struct assignment *a, void *arg), void *arg)
{
	struct assignment_each e = { fn, arg, 0 };

	return db_each(d, assignment_each_row, &e,
		       ASSIGNMENT_SELECT " WHERE (? = 0 OR case_id = ?) AND starts_at <= ?"
		       " AND (ends_at IS NULL OR ends_at > ?) ORDER BY id",
		       "iiii", case_id, case_id, now, now);
}

int assignment_each_unended(db *d, int64_t now, int (*fn)(const struct assignment *a, void *arg),
			    void *arg)
{
	struct assignment_each e = { fn, arg, 0 };

	return db_each(d, assignment_each_row, &e,
		       ASSIGNMENT_SELECT " WHERE ends_at IS NULL OR ends_at > ? ORDER BY id", "i",
		       now);
}

int assignment_each_unended_of_case(db *d, int64_t case_id, int64_t now,
				    int (*fn)(const struct assignment *a, void *arg), void *arg)
{
	struct assignment_each e = { fn, arg, 0 };

	return db_each(d, assignment_each_row, &e,
		       ASSIGNMENT_SELECT " WHERE case_id = ? AND (ends_at IS NULL OR ends_at > ?)"
		       " ORDER BY id",
		       "ii", case_id, now);
}
