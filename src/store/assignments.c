/*
 * store/assignments — monitoring's assignments: which device watches whom in which case, when (store/monitor.h).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/mem.h"
#include "store/monitor_sql.h"
#include "store/sealed.h"
#include "store/visible.h"

int64_t assignment_insert(db *d, int64_t device_id, int64_t case_id, const char *role,
			  int64_t starts_at, int64_t ends_at, int64_t by)
{
	db_stmt *s;
	int64_t id = 0;
	int rc;

	rc = db_prepare(d, &s,
			"INSERT INTO device_assignments (device_id, case_id, role, starts_at, ends_at,"
			" assigned_by) VALUES (?, ?, ?, ?, ?, ?) RETURNING id");
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, device_id);
	db_bind_int64(s, 2, case_id);
	db_bind_text(s, 3, role);
	db_bind_int64(s, 4, starts_at);
	if (ends_at)
		db_bind_int64(s, 5, ends_at);
	else
		db_bind_null(s, 5);
	db_bind_int64(s, 6, by);
	rc = db_step(s);
	if (rc == DB_ROW)
		id = db_column_int64(s, 0);
	db_finalize(s);
	return rc < 0 ? rc : id;
}

/* Step s (id, device_id, case_id, role, starts_at, ends_at) to its end or
 * until fn says stop, and finalize it. */
static int assignment_rows(db_stmt *s, int (*fn)(const struct assignment *a, void *arg),
			   void *arg)
{
	struct assignment a;
	int rc;

	while ((rc = db_step(s)) == DB_ROW) {
		a.id = db_column_int64(s, 0);
		a.device_id = db_column_int64(s, 1);
		a.case_id = db_column_int64(s, 2);
		copy(a.role, sizeof a.role, db_column_text(s, 3));
		a.starts_at = db_column_int64(s, 4);
		a.ends_at = db_column_int64(s, 5);
		if (fn(&a, arg))
			break;
	}
	db_finalize(s);
	return rc < 0 ? rc : 0;
}

struct one_assignment {
	struct assignment *out;
	bool found;
};

static int take_assignment(const struct assignment *a, void *arg)
{
	struct one_assignment *o = arg;

	*o->out = *a;
	o->found = true;
	return 1;
}

int assignment_overlapping(db *d, int64_t device_id, int64_t starts_at, int64_t ends_at,
			   struct assignment *out)
{
	struct one_assignment o = { out, false };
	db_stmt *s;
	int rc;

	rc = db_prepare(d, &s,
			"SELECT id, device_id, case_id, role, starts_at, ends_at FROM device_assignments"
			" WHERE device_id = ? AND (? = 0 OR starts_at < ?)"
			" AND (ends_at IS NULL OR ends_at > ?) ORDER BY id LIMIT 1");
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, device_id);
	db_bind_int64(s, 2, ends_at);
	db_bind_int64(s, 3, ends_at);
	db_bind_int64(s, 4, starts_at);
	rc = assignment_rows(s, take_assignment, &o);
	return rc < 0 ? rc : o.found;
}

int assignment_covering(db *d, int64_t device_id, int64_t case_id, int64_t at,
			struct assignment *out)
{
	struct one_assignment o = { out, false };
	db_stmt *s;
	int rc;

	rc = db_prepare(d, &s,
			"SELECT id, device_id, case_id, role, starts_at, ends_at FROM device_assignments"
			" WHERE device_id = ? AND case_id = ? AND starts_at <= ?"
			" AND (ends_at IS NULL OR ends_at > ?) ORDER BY id LIMIT 1");
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, device_id);
	db_bind_int64(s, 2, case_id);
	db_bind_int64(s, 3, at);
	db_bind_int64(s, 4, at);
	rc = assignment_rows(s, take_assignment, &o);
	return rc < 0 ? rc : o.found;
}

int assignment_get(db *d, int64_t case_id, int64_t id, struct assignment *out)
{
	struct one_assignment o = { out, false };
	db_stmt *s;
	int rc;

	rc = db_prepare(d, &s,
			"SELECT id, device_id, case_id, role, starts_at, ends_at FROM device_assignments"
			" WHERE id = ? AND case_id = ?");
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, id);
	db_bind_int64(s, 2, case_id);
	rc = assignment_rows(s, take_assignment, &o);
	return rc < 0 ? rc : o.found;
}

int assignment_end(db *d, int64_t id, int64_t ends_at)
{
	db_stmt *s;
	int rc;

	rc = db_prepare(d, &s,
			"UPDATE device_assignments SET ends_at = ? WHERE id = ?"
			" AND (ends_at IS NULL OR ends_at > ?)");
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, ends_at);
	db_bind_int64(s, 2, id);
	db_bind_int64(s, 3, ends_at);
	rc = db_step(s);
	if (rc >= 0)
		rc = db_changes(s) > 0;
	db_finalize(s);
	return rc;
}

/* The cases a device watches at now: up to max ids in out; their number, or < 0. */
int assignment_cases_of_device(db *d, int64_t device_id, int64_t now, int64_t *out, int max)
{
	db_stmt *s;
	int rc, n = 0;

	rc = db_prepare(d, &s,
			"SELECT case_id FROM device_assignments WHERE device_id = ? AND starts_at <= ?"
			" AND (ends_at IS NULL OR ends_at > ?) ORDER BY id");
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, device_id);
	db_bind_int64(s, 2, now);
	db_bind_int64(s, 3, now);
	while ((rc = db_step(s)) == DB_ROW && n < max)
		out[n++] = db_column_int64(s, 0);
	db_finalize(s);
	return rc < 0 ? rc : n;
}

int assignment_each_current(db *d, int64_t case_id, int64_t now,
			    int (*fn)(const struct assignment *a, void *arg), void *arg)
{
	db_stmt *s;
	int rc;

	rc = db_prepare(d, &s,
			"SELECT id, device_id, case_id, role, starts_at, ends_at FROM device_assignments"
			" WHERE (? = 0 OR case_id = ?) AND starts_at <= ?"
			" AND (ends_at IS NULL OR ends_at > ?) ORDER BY id");
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, case_id);
	db_bind_int64(s, 2, case_id);
	db_bind_int64(s, 3, now);
	db_bind_int64(s, 4, now);
	return assignment_rows(s, fn, arg);
}

int assignment_each_unended(db *d, int64_t now, int (*fn)(const struct assignment *a, void *arg),
			    void *arg)
{
	db_stmt *s;
	int rc;

	rc = db_prepare(d, &s,
			"SELECT id, device_id, case_id, role, starts_at, ends_at FROM device_assignments"
			" WHERE ends_at IS NULL OR ends_at > ? ORDER BY id");
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, now);
	return assignment_rows(s, fn, arg);
}

int assignment_each_unended_of_case(db *d, int64_t case_id, int64_t now,
				    int (*fn)(const struct assignment *a, void *arg), void *arg)
{
	db_stmt *s;
	int rc;

	rc = db_prepare(d, &s,
			"SELECT id, device_id, case_id, role, starts_at, ends_at FROM device_assignments"
			" WHERE case_id = ? AND (ends_at IS NULL OR ends_at > ?) ORDER BY id");
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, case_id);
	db_bind_int64(s, 2, now);
	return assignment_rows(s, fn, arg);
}
