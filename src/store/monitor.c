/*
 * store/monitor — SQL for monitoring.
 */
#include "store/monitor.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"

#include "base/clock.h"
#include "store/sealed.h"
#include "store/visible.h"

static void copy(char *dst, size_t n, const char *src)
{
	snprintf(dst, n, "%s", src ? src : "");
}

int64_t device_insert(db *d, const char *uid, const char *kind, const char *protocol,
		      int expected_interval_s, int64_t agency_id, int64_t by)
{
	db_stmt *s;
	int64_t id = 0;
	int rc;

	rc = db_prepare(d, &s,
			"INSERT INTO devices (uid, kind, protocol, expected_interval_s, created_at,"
			" agency_id, registered_by) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id");
	if (rc < 0)
		return rc;
	db_bind_text(s, 1, uid);
	db_bind_text(s, 2, kind);
	db_bind_text(s, 3, protocol);
	db_bind_int64(s, 4, expected_interval_s);
	db_bind_int64(s, 5, clock_now_ms());
	if (agency_id)
		db_bind_int64(s, 6, agency_id);
	else
		db_bind_null(s, 6);
	if (by)
		db_bind_int64(s, 7, by);
	else
		db_bind_null(s, 7);
	rc = db_step(s);
	if (rc == DB_ROW)
		id = db_column_int64(s, 0);
	db_finalize(s);
	return rc < 0 ? rc : id;
}

int device_set_agency(db *d, int64_t id, int64_t agency_id)
{
	return db_run(d, "UPDATE devices SET agency_id = ? WHERE id = ?", "ii", agency_id, id);
}

#define DEVICE_COLS                                                                          \
	"dv.id, dv.uid, dv.kind, dv.protocol, dv.expected_interval_s, dv.created_at,"         \
	" dv.rejected_fixes, dv.agency_id, ag.code"
#define DEVICE_FROM " FROM devices dv LEFT JOIN agencies ag ON ag.id = dv.agency_id"

static void device_row(db_stmt *s, struct device *dv)
{
	dv->id = db_column_int64(s, 0);
	copy(dv->uid, sizeof dv->uid, db_column_text(s, 1));
	copy(dv->kind, sizeof dv->kind, db_column_text(s, 2));
	copy(dv->protocol, sizeof dv->protocol, db_column_text(s, 3));
	dv->expected_interval_s = (int)db_column_int64(s, 4);
	dv->created_at = db_column_int64(s, 5);
	dv->rejected_fixes = db_column_int64(s, 6);
	dv->agency_id = db_column_int64(s, 7);
	copy(dv->agency, sizeof dv->agency, db_column_text(s, 8));
}

static int device_one(db *d, const char *sql, const char *uid, int64_t id, struct device *out)
{
	db_stmt *s;
	int rc;

	rc = db_prepare(d, &s, sql);
	if (rc < 0)
		return rc;
	if (uid)
		db_bind_text(s, 1, uid);
	else
		db_bind_int64(s, 1, id);
	rc = db_step(s);
	if (rc == DB_ROW)
		device_row(s, out);
	db_finalize(s);
	return rc < 0 ? rc : rc == DB_ROW;
}

int device_get(db *d, const char *uid, struct device *out)
{
	return device_one(d, "SELECT " DEVICE_COLS DEVICE_FROM " WHERE dv.uid = ?", uid, 0, out);
}

/* How many rows (or list items) the next statement of a batch takes: 64,
 * 16, 4 or 1, the most that is left.  On PostgreSQL every statement is a
 * round trip; four sizes are four statement texts, each kept by the engine's
 * statement cache. */
static size_t batch_size(size_t left)
{
	return left >= 64 ? 64 : left >= 16 ? 16 : left >= 4 ? 4 : 1;
}

/* head, then item k times with ", " between, then tail (caller frees). */
static char *repeat_sql(const char *head, const char *item, size_t k, const char *tail)
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

int device_each_of_uids(db *d, const char *const *uids, size_t n,
			int (*fn)(const struct device *dv, void *arg), void *arg)
{
	struct device dv;
	int rc = 0;

	for (size_t done = 0, k; rc >= 0 && done < n; done += k) {
		char *sql;
		db_stmt *s;

		k = batch_size(n - done);
		sql = repeat_sql("SELECT " DEVICE_COLS DEVICE_FROM " WHERE dv.uid IN (", "?", k, ")");
		rc = db_prepare(d, &s, sql);
		free(sql);
		if (rc < 0)
			break;
		for (size_t i = 0; i < k; i++)
			db_bind_text(s, (int)i + 1, uids[done + i]);
		while ((rc = db_step(s)) == DB_ROW) {
			device_row(s, &dv);
			if (fn(&dv, arg)) {
				rc = DB_DONE;
				done = n; /* stop */
				break;
			}
		}
		db_finalize(s);
	}
	return rc < 0 ? rc : 0;
}

int device_get_by_id(db *d, int64_t id, struct device *out)
{
	return device_one(d, "SELECT " DEVICE_COLS DEVICE_FROM " WHERE dv.id = ?", NULL, id, out);
}

int device_each(db *d, int (*fn)(const struct device *dv, void *arg), void *arg)
{
	return device_each_after(d, 0, fn, arg);
}

int device_each_after(db *d, int64_t after_id, int (*fn)(const struct device *dv, void *arg),
		      void *arg)
{
	struct device dv;
	db_stmt *s;
	int rc;

	rc = db_prepare(d, &s, "SELECT " DEVICE_COLS DEVICE_FROM " WHERE dv.id > ? ORDER BY dv.id");
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, after_id);
	while ((rc = db_step(s)) == DB_ROW) {
		device_row(s, &dv);
		if (fn(&dv, arg))
			break;
	}
	db_finalize(s);
	return rc < 0 ? rc : 0;
}

#define REPORTING_COLS                                                                       \
	"rp.mode, rp.state, rp.asked_at, rp.sent_at, rp.acknowledged_at, rp.command, rp.response"

/* The reporting columns from col on (all NULL: never asked). */
static void reporting_row(db_stmt *s, int col, struct device_reporting *r)
{
	copy(r->mode, sizeof r->mode, db_column_text(s, col));
	copy(r->state, sizeof r->state, db_column_text(s, col + 1));
	r->asked_at = db_column_int64(s, col + 2);
	r->sent_at = db_column_int64(s, col + 3);
	r->acknowledged_at = db_column_int64(s, col + 4);
	copy(r->command, sizeof r->command, db_column_text(s, col + 5));
	copy(r->response, sizeof r->response, db_column_text(s, col + 6));
}

/*
 * A device as a viewer sees it (store/monitor.h): the inner query adds
 * busy, the visible case it watches (or will: the earliest unended
 * assignment to a case the viewer may see) with that assignment's start, and
 * when its last assignment ended; the outer keeps the devices the viewer may
 * see.  Parameters: now, the viewer's case predicate, now, uid, uid; then
 * manages, agency, agency x3 (scope), token, token.
 */
#define UNENDED_SQL(a) "(" a ".ends_at IS NULL OR " a ".ends_at > ?)"
#define SEEN_SQL(col)                                                                            \
	"(SELECT " col " FROM device_assignments da JOIN cases c ON c.id = da.case_id"            \
	" WHERE da.device_id = dv.id AND " UNENDED_SQL("da") " AND " CASE_VISIBLE_SQL             \
	" ORDER BY da.starts_at, da.id LIMIT 1)"
#define DEVICE_VISIBLE_SELECT                                                                 \
	"SELECT x.* FROM (SELECT " DEVICE_COLS ","                                             \
	" CASE WHEN EXISTS (SELECT 1 FROM device_assignments da WHERE da.device_id = dv.id"    \
	"   AND " UNENDED_SQL("da") ") THEN 1 ELSE 0 END AS busy,"                             \
	" " SEEN_SQL("c.ref") " AS seen_ref,"                                                  \
	" " SEEN_SQL("da.starts_at") " AS seen_from,"                                          \
	" (SELECT MAX(da.ends_at) FROM device_assignments da WHERE da.device_id = dv.id"       \
	"   AND da.ends_at IS NOT NULL AND da.ends_at <= ?) AS free_since,"                    \
	" " REPORTING_COLS DEVICE_FROM                                                         \
	" LEFT JOIN device_reporting rp ON rp.device_id = dv.id"                               \
	" WHERE (CAST(? AS TEXT) IS NULL OR dv.uid = ?)) x"                                    \
	" WHERE ((? = 1 AND x.agency_id = ?) OR x.seen_ref IS NOT NULL"                        \
	" OR (x.busy = 0 AND (x.agency_id = ? OR x.agency_id IN " CLIENTS_SQL("monitoring")     \
	"   OR x.agency_id IN " PROVIDERS_SQL("monitoring") ")))"                               \
	" AND (? = 0 OR EXISTS (SELECT 1 FROM api_token_devices td WHERE td.token_id = ?"     \
	"   AND td.device_id = x.id))"                                                         \
	" ORDER BY x.id"

int device_each_visible(db *d, const struct viewer *v, int64_t now, const char *uid,
			int (*fn)(const struct device *dv, const struct device_view *dw, void *arg),
			void *arg)
{
	struct device dv;
	struct device_view dw;
	db_stmt *s;
	int rc, i = 1;

	rc = db_prepare(d, &s, DEVICE_VISIBLE_SELECT);
	if (rc < 0)
		return rc;
	db_bind_int64(s, i++, now);
	db_bind_int64(s, i++, now);
	i = case_bind_viewer(s, i, v);
	db_bind_int64(s, i++, now);
	i = case_bind_viewer(s, i, v);
	db_bind_int64(s, i++, now);
	db_bind_text(s, i++, uid);
	db_bind_text(s, i++, uid);
	db_bind_int64(s, i++, access_role_has(v->role, PERM_DEVICES_MANAGE) ? 1 : 0);
	db_bind_int64(s, i++, v->agency_id);
	db_bind_int64(s, i++, v->agency_id);
	db_bind_int64(s, i++, v->agency_id);
	db_bind_int64(s, i++, v->agency_id);
	db_bind_int64(s, i++, v->device_token);
	db_bind_int64(s, i++, v->device_token);
	while ((rc = db_step(s)) == DB_ROW) {
		device_row(s, &dv);
		dw.busy = db_column_int64(s, 9) != 0;
		copy(dw.case_ref, sizeof dw.case_ref, db_column_text(s, 10));
		dw.watch_from = db_column_int64(s, 11);
		dw.free_since = db_column_int64(s, 12);
		reporting_row(s, 13, &dw.reporting);
		if (fn(&dv, &dw, arg))
			break;
	}
	db_finalize(s);
	return rc < 0 ? rc : 0;
}

struct one_visible {
	struct device *dv;
	struct device_view *dw;
	bool found;
};

static int take_visible(const struct device *dv, const struct device_view *dw, void *arg)
{
	struct one_visible *o = arg;

	*o->dv = *dv;
	if (o->dw)
		*o->dw = *dw;
	o->found = true;
	return 1;
}

int device_get_visible(db *d, const struct viewer *v, int64_t now, const char *uid,
		       struct device *out, struct device_view *view)
{
	struct one_visible o = { out, view, false };
	int rc;

	if (!uid)
		return 0;
	rc = device_each_visible(d, v, now, uid, take_visible, &o);
	return rc < 0 ? rc : o.found;
}

int device_reporting_ask(db *d, int64_t device_id, const char *mode, const char *command,
			 int64_t at)
{
	return db_run(d,
		      "INSERT INTO device_reporting (device_id, mode, asked_at, state, command, sent_at,"
		      " acknowledged_at, response, updated_at) VALUES (?, ?, ?, 'asked', ?, NULL, NULL,"
		      " NULL, ?) ON CONFLICT (device_id) DO UPDATE SET mode = excluded.mode,"
		      " asked_at = excluded.asked_at, state = 'asked', command = excluded.command,"
		      " sent_at = NULL, acknowledged_at = NULL, response = NULL,"
		      " updated_at = excluded.updated_at",
		      "ititi", device_id, mode, at, command, at);
}

int device_reporting_mark(db *d, int64_t device_id, const char *mode, const char *state,
			  int64_t at, const char *text)
{
	/* each step, and the states it may follow: an answer to a command
	 * sent, and never "unavailable" over a send another node made */
	static const struct {
		const char *state, *sql;
	} steps[] = {
		{ "sent", "UPDATE device_reporting SET state = 'sent', sent_at = ?, command = ?,"
			  " acknowledged_at = NULL, response = NULL, updated_at = ?"
			  " WHERE device_id = ? AND mode = ?" },
		{ "acknowledged", "UPDATE device_reporting SET state = 'acknowledged',"
				  " acknowledged_at = ?, response = ?, updated_at = ?"
				  " WHERE device_id = ? AND mode = ? AND sent_at IS NOT NULL" },
		{ "unanswered", "UPDATE device_reporting SET state = 'unanswered', updated_at = ?"
				" WHERE device_id = ? AND mode = ? AND state = 'sent'" },
		{ "unavailable", "UPDATE device_reporting SET state = 'unavailable', updated_at = ?"
				 " WHERE device_id = ? AND mode = ? AND state IN ('asked', 'unavailable')" },
	};
	db_stmt *s;
	int rc, i = 1;
	size_t k;

	for (k = 0; k < sizeof steps / sizeof steps[0] && strcmp(steps[k].state, state); k++)
		;
	if (k == sizeof steps / sizeof steps[0])
		return DB_ERROR; /* a programming error */
	rc = db_prepare(d, &s, steps[k].sql);
	if (rc < 0)
		return rc;
	if (k <= 1) {
		db_bind_int64(s, i++, at);
		db_bind_text(s, i++, text);
	}
	db_bind_int64(s, i++, at);
	db_bind_int64(s, i++, device_id);
	db_bind_text(s, i++, mode);
	rc = db_step(s);
	if (rc >= 0)
		rc = db_changes(s) > 0;
	db_finalize(s);
	return rc;
}

int device_reporting_get(db *d, int64_t device_id, struct device_reporting *out)
{
	db_stmt *s;
	int rc;

	memset(out, 0, sizeof *out);
	rc = db_prepare(d, &s, "SELECT " REPORTING_COLS " FROM device_reporting rp WHERE rp.device_id = ?");
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, device_id);
	rc = db_step(s);
	if (rc == DB_ROW)
		reporting_row(s, 0, out);
	db_finalize(s);
	return rc < 0 ? rc : rc == DB_ROW;
}

int device_reporting_each_fast(db *d, int (*fn)(int64_t device_id, void *arg), void *arg)
{
	db_stmt *s;
	int rc;

	rc = db_prepare(d, &s, "SELECT device_id FROM device_reporting WHERE mode = 'fast'"
			       " ORDER BY device_id");
	if (rc < 0)
		return rc;
	while ((rc = db_step(s)) == DB_ROW)
		if (fn(db_column_int64(s, 0), arg))
			break;
	db_finalize(s);
	return rc < 0 ? rc : 0;
}

int device_count_rejected(db *d, int64_t id)
{
	return db_run(d, "UPDATE devices SET rejected_fixes = rejected_fixes + 1 WHERE id = ?", "i", id);
}

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

int64_t zone_insert(db *d, int64_t case_id, const char *name, const char *kind,
		    const char *geometry, double radius_m, double warning_m, int64_t by)
{
	db_stmt *s;
	int64_t id = 0;
	int rc;

	rc = db_prepare(d, &s,
			"INSERT INTO zones (case_id, name, kind, geometry, radius_m, warning_m,"
			" created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id");
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, case_id);
	db_bind_text(s, 2, ""); /* the name and the geometry are sealed below, with the id */
	db_bind_text(s, 3, kind);
	db_bind_null(s, 4);
	db_bind_double(s, 5, radius_m);
	db_bind_double(s, 6, warning_m);
	db_bind_int64(s, 7, by);
	db_bind_int64(s, 8, clock_now_ms());
	rc = db_step(s);
	if (rc == DB_ROW)
		id = db_column_int64(s, 0);
	db_finalize(s);
	if (rc >= 0)
		rc = sealed_update(d, "zones", "name", id, name);
	if (rc >= 0)
		rc = sealed_update(d, "zones", "geometry", id, geometry);
	return rc < 0 ? rc : id;
}

int zone_each(db *d, int64_t case_id, int (*fn)(const struct zone *z, void *arg), void *arg)
{
	bool unreadable = false;
	struct zone z;
	db_stmt *s;
	int rc;

	/* two texts, so that one case's zones are found by its index */
	rc = db_prepare(d, &s,
			case_id ? "SELECT id, case_id, name, kind, geometry, radius_m, warning_m,"
				  " created_at FROM zones WHERE removed_at IS NULL AND case_id = ?"
				  " ORDER BY id"
				: "SELECT id, case_id, name, kind, geometry, radius_m, warning_m,"
				  " created_at FROM zones WHERE removed_at IS NULL AND ? = 0 ORDER BY id");
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, case_id);
	while ((rc = db_step(s)) == DB_ROW) {
		char ad[SEALED_AD_MAX], *geometry = NULL, *name = NULL;
		int stop;

		z.id = db_column_int64(s, 0);
		sealed_ad(ad, "zones.name", z.id);
		if (sealed_get(d, ad, db_column_text(s, 2), &name) < 0) {
			unreadable = true;
			continue;
		}
		sealed_ad(ad, "zones.geometry", z.id);
		if (sealed_get(d, ad, db_column_text(s, 4), &geometry) < 0) {
			free(name);
			unreadable = true;
			continue;
		}
		z.case_id = db_column_int64(s, 1);
		copy(z.name, sizeof z.name, name);
		free(name);
		copy(z.kind, sizeof z.kind, db_column_text(s, 3));
		z.geometry = geometry;
		z.radius_m = db_column_double(s, 5);
		z.warning_m = db_column_double(s, 6);
		z.created_at = db_column_int64(s, 7);
		stop = fn(&z, arg);
		free(geometry);
		if (stop)
			break;
	}
	db_finalize(s);
	return rc < 0 ? rc : unreadable ? DB_SEALED : 0;
}

int zone_remove(db *d, int64_t case_id, int64_t zone_id)
{
	db_stmt *s;
	int64_t n = 0;
	int rc;

	rc = db_prepare(d, &s,
			"UPDATE zones SET removed_at = ? WHERE id = ? AND case_id = ? AND removed_at IS NULL");
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, clock_now_ms());
	db_bind_int64(s, 2, zone_id);
	db_bind_int64(s, 3, case_id);
	rc = db_step(s);
	if (rc == DB_DONE)
		n = db_changes(s);
	db_finalize(s);
	return rc < 0 ? rc : n > 0;
}

static void bind_opt(db_stmt *s, int i, double v)
{
	if (isnan(v))
		db_bind_null(s, i);
	else
		db_bind_double(s, i, v);
}

int device_report_store(db *d, const struct fix *f, bool sealed, int64_t received_at)
{
	char ad[SEALED_AD_MAX], *pos = NULL;
	db_stmt *s;
	int rc;

	if (sealed && !(f->flags & FIX_NO_POSITION)) {
		sealed_ad2(ad, "device_reports", f->device_id, f->at);
		rc = sealed_put_position(d, ad, f->lat, f->lon, NAN, NAN, NAN, NAN, &pos);
		if (rc < 0)
			return rc;
	}
	rc = db_prepare(d, &s,
			"INSERT INTO device_reports (device_id, at, flags, lat, lon, received_at, sealed)"
			" VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (device_id, at) DO NOTHING");
	if (rc < 0) {
		free(pos);
		return rc;
	}
	db_bind_int64(s, 1, f->device_id);
	db_bind_int64(s, 2, f->at);
	db_bind_int64(s, 3, f->flags);
	if ((f->flags & FIX_NO_POSITION) || pos) {
		db_bind_null(s, 4);
		db_bind_null(s, 5);
	} else {
		db_bind_double(s, 4, f->lat);
		db_bind_double(s, 5, f->lon);
	}
	db_bind_int64(s, 6, received_at);
	db_bind_text(s, 7, pos);
	rc = db_step(s);
	db_finalize(s);
	free(pos);
	return rc < 0 ? rc : 0;
}

int device_report_applied(db *d, int64_t device_id, int64_t at, int64_t now)
{
	db_stmt *s;
	int rc;

	rc = db_prepare(d, &s,
			"UPDATE device_reports SET applied_at = ? WHERE device_id = ? AND at = ?"
			" AND applied_at IS NULL");
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, now);
	db_bind_int64(s, 2, device_id);
	db_bind_int64(s, 3, at);
	rc = db_step(s);
	db_finalize(s);
	return rc < 0 ? rc : 0;
}

int device_report_each_unapplied(db *d, int64_t since,
				 int (*fn)(const struct fix *f, void *arg), void *arg)
{
	db_stmt *s;
	int rc;

	bool unreadable = false;

	rc = db_prepare(d, &s,
			"SELECT device_id, at, flags, lat, lon, sealed FROM device_reports"
			" WHERE applied_at IS NULL AND received_at >= ? ORDER BY received_at, at"
			" LIMIT 10000");
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, since);
	while ((rc = db_step(s)) == DB_ROW) {
		struct fix f;

		fix_init(&f);
		f.device_id = db_column_int64(s, 0);
		f.at = db_column_int64(s, 1);
		f.flags = (unsigned)db_column_int64(s, 2) & (DEVICE_REPORT_FLAGS | FIX_NO_POSITION);
		if (!db_column_is_null(s, 5)) {
			char ad[SEALED_AD_MAX];
			double x;

			sealed_ad2(ad, "device_reports", f.device_id, f.at);
			if (sealed_get_position(d, ad, db_column_text(s, 5), &f.lat, &f.lon, &x, &x, &x,
						&x) < 0) {
				unreadable = true;
				continue;
			}
		} else if (db_column_is_null(s, 3) || db_column_is_null(s, 4)) {
			f.flags |= FIX_NO_POSITION;
			f.lat = f.lon = NAN;
		} else {
			f.lat = db_column_double(s, 3);
			f.lon = db_column_double(s, 4);
		}
		if (fn(&f, arg))
			break;
	}
	db_finalize(s);
	return rc < 0 ? rc : unreadable ? DB_SEALED : 0;
}

/* Bind a fix's twelve values to parameters base + 1 to base + 12; sealed:
 * its position sealed (a victim's device), the clear columns NULL. */
static void fix_bind_at(db_stmt *s, int base, const struct fix *f, int64_t received_at,
			const char *sealed)
{
	db_bind_int64(s, base + 1, f->device_id);
	db_bind_int64(s, base + 2, f->at);
	if (sealed) {
		for (int i = 3; i <= 8; i++)
			db_bind_null(s, base + i);
	} else {
		db_bind_double(s, base + 3, f->lat);
		db_bind_double(s, base + 4, f->lon);
		bind_opt(s, base + 5, f->accuracy);
		bind_opt(s, base + 6, f->speed);
		bind_opt(s, base + 7, f->heading);
		bind_opt(s, base + 8, f->altitude);
	}
	bind_opt(s, base + 9, f->battery);
	db_bind_int64(s, base + 10, received_at);
	db_bind_int64(s, base + 11, (f->flags & FIX_CLOCK_AHEAD) ? 1 : 0);
	db_bind_text(s, base + 12, sealed);
}

/* A victim's device's position: its place, and how it moved. */
static int seal_fix(db *d, const struct fix *f, char **out)
{
	char ad[SEALED_AD_MAX];

	sealed_ad2(ad, "fixes", f->device_id, f->at);
	return sealed_put_position(d, ad, f->lat, f->lon, f->accuracy, f->speed, f->heading,
				   f->altitude, out);
}

int fix_store_many(db *d, const struct fix *f, const int *skip, const bool *sealed, size_t n,
		   int64_t received_at, int *stored)
{
	size_t *todo = xcalloc(n ? n : 1, sizeof *todo), ntodo = 0;
	char **pos = xcalloc(n ? n : 1, sizeof *pos);
	int rc = 0;

	for (size_t i = 0; i < n; i++) {
		stored[i] = 0;
		if (!skip[i])
			todo[ntodo++] = i;
		if (!skip[i] && sealed[i] && rc >= 0)
			rc = seal_fix(d, &f[i], &pos[i]);
	}
	for (size_t done = 0, rows; rc >= 0 && done < ntodo; done += rows) {
		char *sql;
		db_stmt *s;

		rows = batch_size(ntodo - done);
		sql = repeat_sql("INSERT INTO fixes (device_id, at, lat, lon, accuracy_m, speed_mps,"
				 " heading, altitude, battery, received_at, clock_ahead, sealed) VALUES ",
				 "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows,
				 " ON CONFLICT (device_id, at) DO NOTHING RETURNING device_id, at");
		rc = db_prepare(d, &s, sql);
		free(sql);
		if (rc < 0)
			break;
		for (size_t r = 0; r < rows; r++)
			fix_bind_at(s, (int)(r * 12), &f[todo[done + r]], received_at,
				    pos[todo[done + r]]);
		/* each row stored comes back; a duplicate (of an older fix, or of
		 * another in this batch) does not */
		while ((rc = db_step(s)) == DB_ROW) {
			int64_t dev = db_column_int64(s, 0), at = db_column_int64(s, 1);

			for (size_t r = 0; r < rows; r++) {
				size_t i = todo[done + r];

				if (!stored[i] && f[i].device_id == dev && f[i].at == at) {
					stored[i] = 1;
					break;
				}
			}
		}
		db_finalize(s);
	}
	for (size_t i = 0; i < n; i++)
		free(pos[i]);
	free(pos);
	free(todo);
	return rc < 0 ? rc : 0;
}


static double opt(db_stmt *s, int col)
{
	return db_column_is_null(s, col) ? NAN : db_column_double(s, col);
}

/* A fix as stored, its position opened when sealed: 0, or DB_SEALED when
 * it would not open (db_note says which). */
static int fix_row(db *d, db_stmt *s, struct fix *f)
{
	fix_init(f);
	f->device_id = db_column_int64(s, 0);
	f->at = db_column_int64(s, 1);
	f->battery = opt(s, 8);
	if (!db_column_is_null(s, 9)) {
		char ad[SEALED_AD_MAX];

		sealed_ad2(ad, "fixes", f->device_id, f->at);
		return sealed_get_position(d, ad, db_column_text(s, 9), &f->lat, &f->lon, &f->accuracy,
					   &f->speed, &f->heading, &f->altitude);
	}
	f->lat = db_column_double(s, 2);
	f->lon = db_column_double(s, 3);
	f->accuracy = opt(s, 4);
	f->speed = opt(s, 5);
	f->heading = opt(s, 6);
	f->altitude = opt(s, 7);
	return 0;
}

#define FIX_COLS \
	"f.device_id, f.at, f.lat, f.lon, f.accuracy_m, f.speed_mps, f.heading, f.altitude," \
	" f.battery, f.sealed"

int fix_each_latest(db *d, int (*fn)(const struct fix *f, void *arg), void *arg)
{
	bool unreadable = false;
	struct fix f;
	db_stmt *s;
	int rc;

	rc = db_prepare(d, &s,
			"SELECT " FIX_COLS " FROM fixes f JOIN (SELECT device_id, MAX(at) AS at FROM fixes"
			" WHERE clock_ahead = 0 GROUP BY device_id) m"
			" ON m.device_id = f.device_id AND m.at = f.at");
	if (rc < 0)
		return rc;
	while ((rc = db_step(s)) == DB_ROW) {
		if (fix_row(d, s, &f) < 0) {
			unreadable = true;
			continue;
		}
		if (fn(&f, arg))
			break;
	}
	db_finalize(s);
	return rc < 0 ? rc : unreadable ? DB_SEALED : 0;
}

int fix_latest(db *d, int64_t device_id, struct fix *out)
{
	db_stmt *s;
	int rc;

	rc = db_prepare(d, &s,
			"SELECT " FIX_COLS " FROM fixes f WHERE f.device_id = ? AND f.clock_ahead = 0"
			" ORDER BY f.at DESC LIMIT 1");
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, device_id);
	rc = db_step(s);
	if (rc == DB_ROW && fix_row(d, s, out) < 0)
		rc = DB_SEALED;
	db_finalize(s);
	return rc < 0 ? rc : rc == DB_ROW;
}

int fix_each_between(db *d, int64_t device_id, int64_t from, int64_t to, int limit,
		     int (*fn)(const struct fix *f, void *arg), void *arg)
{
	bool unreadable = false;
	struct fix f;
	db_stmt *s;
	int rc;

	rc = db_prepare(d, &s,
			"SELECT " FIX_COLS " FROM fixes f WHERE f.device_id = ? AND f.at >= ? AND f.at <= ?"
			" AND f.clock_ahead = 0 ORDER BY f.at LIMIT ?");
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, device_id);
	db_bind_int64(s, 2, from);
	db_bind_int64(s, 3, to);
	db_bind_int64(s, 4, limit);
	while ((rc = db_step(s)) == DB_ROW) {
		if (fix_row(d, s, &f) < 0) {
			unreadable = true;
			continue;
		}
		if (fn(&f, arg))
			break;
	}
	db_finalize(s);
	return rc < 0 ? rc : unreadable ? DB_SEALED : 0;
}

int device_event_add(db *d, int64_t device_id, int64_t at, const char *kind, const char *detail)
{
	return db_run(d, "INSERT INTO device_events (device_id, at, kind, detail) VALUES (?, ?, ?, ?)",
		      "iitt", device_id, at, kind, detail);
}

#define ALERT_COLS                                                                          \
	"a.id, a.case_id, a.device_id, a.zone_id, a.kind, a.severity, a.state, a.opened_at,"  \
	" a.fix_at, a.lat, a.lon, a.detail, a.acknowledged_at, ua.username, a.dispatched_at," \
	" ud.username, a.resolved_at, ur.username, a.outcome, a.note, a.escalated_at, a.version," \
	" a.decided_at, a.late, a.repeats, a.last_repeat_at, a.decided_by, a.sealed"
#define ALERT_FROM                                                                         \
	" FROM alerts a LEFT JOIN users ua ON ua.id = a.acknowledged_by"                  \
	" LEFT JOIN users ud ON ud.id = a.dispatched_by LEFT JOIN users ur ON ur.id = a.resolved_by"

static void alert_row(db *d, db_stmt *s, struct alert *a)
{
	a->id = db_column_int64(s, 0);
	a->case_id = db_column_int64(s, 1);
	a->device_id = db_column_int64(s, 2);
	a->zone_id = db_column_int64(s, 3);
	copy(a->kind, sizeof a->kind, db_column_text(s, 4));
	copy(a->severity, sizeof a->severity, db_column_text(s, 5));
	copy(a->state, sizeof a->state, db_column_text(s, 6));
	a->opened_at = db_column_int64(s, 7);
	a->fix_at = db_column_int64(s, 8);
	a->lat = opt(s, 9);
	a->lon = opt(s, 10);
	a->detail = db_column_text(s, 11);
	a->acknowledged_at = db_column_int64(s, 12);
	copy(a->acknowledged_by, sizeof a->acknowledged_by, db_column_text(s, 13));
	a->dispatched_at = db_column_int64(s, 14);
	copy(a->dispatched_by, sizeof a->dispatched_by, db_column_text(s, 15));
	a->resolved_at = db_column_int64(s, 16);
	copy(a->resolved_by, sizeof a->resolved_by, db_column_text(s, 17));
	a->outcome = db_column_text(s, 18);
	a->note = db_column_text(s, 19);
	a->escalated_at = db_column_int64(s, 20);
	a->version = db_column_int64(s, 21);
	a->decided_at = db_column_int64(s, 22);
	a->late = db_column_int64(s, 23) != 0;
	a->repeats = (int)db_column_int64(s, 24);
	a->last_repeat_at = db_column_int64(s, 25);
	copy(a->decided_by, sizeof a->decided_by, db_column_text(s, 26));
	a->position_unreadable = false;
	if (!db_column_is_null(s, 27)) {
		/* a victim's device's position: sealed */
		char ad[SEALED_AD_MAX];
		double x;

		sealed_ad(ad, "alerts.position", a->id);
		if (sealed_get_position(d, ad, db_column_text(s, 27), &a->lat, &a->lon, &x, &x, &x,
					&x) < 0) {
			a->lat = a->lon = NAN;
			a->position_unreadable = true;
		}
	}
}

int64_t alert_open(db *d, const struct alert *a, bool *existed)
{
	bool sealed_pos = false;
	db_stmt *s;
	int64_t id = 0;
	int rc;

	*existed = false;
	rc = db_prepare(d, &s,
			"SELECT id FROM alerts WHERE case_id = ? AND COALESCE(device_id, 0) = ?"
			" AND COALESCE(zone_id, 0) = ? AND kind = ? AND state <> 'resolved'");
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, a->case_id);
	db_bind_int64(s, 2, a->device_id);
	db_bind_int64(s, 3, a->zone_id);
	db_bind_text(s, 4, a->kind);
	rc = db_step(s);
	if (rc == DB_ROW) {
		id = db_column_int64(s, 0);
		*existed = true;
	}
	db_finalize(s);
	if (rc < 0 || *existed)
		return rc < 0 ? rc : id;
	/* the position of a victim's device (her panic, her lost signal) is
	 * sealed, with the alert's id once it is stored */
	if (a->device_id && !isnan(a->lat)) {
		rc = db_prepare(d, &s,
				"SELECT 1 FROM devices WHERE id = ? AND kind IN ('victim_phone', 'victim_alarm')");
		if (rc < 0)
			return rc;
		db_bind_int64(s, 1, a->device_id);
		rc = db_step(s);
		sealed_pos = rc == DB_ROW;
		db_finalize(s);
		if (rc < 0)
			return rc;
	}
	rc = db_prepare(d, &s,
			"INSERT INTO alerts (case_id, device_id, zone_id, kind, severity, state,"
			" opened_at, fix_at, lat, lon, detail, decided_at, late, decided_by)"
			" VALUES (?, ?, ?, ?, ?, 'open', ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id");
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, a->case_id);
	if (a->device_id)
		db_bind_int64(s, 2, a->device_id);
	else
		db_bind_null(s, 2);
	if (a->zone_id)
		db_bind_int64(s, 3, a->zone_id);
	else
		db_bind_null(s, 3);
	db_bind_text(s, 4, a->kind);
	db_bind_text(s, 5, a->severity);
	db_bind_int64(s, 6, a->opened_at);
	if (a->fix_at)
		db_bind_int64(s, 7, a->fix_at);
	else
		db_bind_null(s, 7);
	bind_opt(s, 8, sealed_pos ? NAN : a->lat);
	bind_opt(s, 9, sealed_pos ? NAN : a->lon);
	db_bind_text(s, 10, a->detail);
	if (a->decided_at)
		db_bind_int64(s, 11, a->decided_at);
	else
		db_bind_null(s, 11);
	db_bind_int64(s, 12, a->late ? 1 : 0);
	db_bind_text(s, 13, a->decided_by[0] ? a->decided_by : NULL);
	rc = db_step(s);
	if (rc == DB_ROW)
		id = db_column_int64(s, 0);
	db_finalize(s);
	if (rc >= 0 && sealed_pos) {
		char ad[SEALED_AD_MAX], *pos;

		sealed_ad(ad, "alerts.position", id);
		rc = sealed_put_position(d, ad, a->lat, a->lon, NAN, NAN, NAN, NAN, &pos);
		if (rc >= 0)
			rc = db_run(d, "UPDATE alerts SET sealed = ? WHERE id = ?", "ti", pos, id);
		free(pos);
	}
	return rc < 0 ? rc : id;
}

int alert_repeat(db *d, int64_t id, int64_t at)
{
	db_stmt *s;
	int rc, n = 0;

	rc = db_prepare(d, &s,
			"UPDATE alerts SET repeats = repeats + 1, last_repeat_at = ?, version = version + 1"
			" WHERE id = ? AND state <> 'resolved' RETURNING repeats");
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, at);
	db_bind_int64(s, 2, id);
	rc = db_step(s);
	if (rc == DB_ROW)
		n = (int)db_column_int64(s, 0);
	db_finalize(s);
	return rc < 0 ? rc : n;
}

static const char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

int alert_get(db *d, int64_t id, struct alert *out)
{
	db_stmt *s;
	int rc;

	memset(out, 0, sizeof *out);
	rc = db_prepare(d, &s, "SELECT " ALERT_COLS ALERT_FROM " WHERE a.id = ?");
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, id);
	rc = db_step(s);
	if (rc == DB_ROW) {
		alert_row(d, s, out);
		/* the row's text lives in the statement: copy it before finalizing */
		out->detail = dup_or_null(out->detail);
		out->outcome = dup_or_null(out->outcome);
		out->note = dup_or_null(out->note);
	}
	db_finalize(s);
	return rc < 0 ? rc : rc == DB_ROW;
}

void alert_free(struct alert *a)
{
	if (!a)
		return;
	free((char *)a->detail);
	free((char *)a->outcome);
	free((char *)a->note);
	a->detail = a->outcome = a->note = NULL;
}

int alert_raised_since(db *d, int64_t device_id, int64_t zone_id, const char *kind, int64_t since)
{
	db_stmt *s;
	int rc;

	rc = db_prepare(d, &s,
			"SELECT 1 FROM alerts WHERE device_id = ? AND (? = 0 OR zone_id = ?) AND kind = ?"
			" AND opened_at >= ?");
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, device_id);
	db_bind_int64(s, 2, zone_id);
	db_bind_int64(s, 3, zone_id);
	db_bind_text(s, 4, kind);
	db_bind_int64(s, 5, since);
	rc = db_step(s);
	db_finalize(s);
	return rc < 0 ? rc : rc == DB_ROW;
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

int alert_each(db *d, const struct alert_filter *f, int (*fn)(const struct alert *a, void *arg),
	       void *arg)
{
	struct alert a;
	db_stmt *s;
	int rc;
	bool unresolved = f->state && strcmp(f->state, "unresolved") == 0;

	/* newest critical first is the desk's order; here newest first, and
	 * the desk sorts by severity */
	rc = db_prepare(d, &s,
			"SELECT " ALERT_COLS ALERT_FROM " WHERE (CAST(? AS TEXT) IS NULL OR a.state = ?)"
			" AND (? = 0 OR a.state <> 'resolved') AND (? = 0 OR a.case_id = ?)"
			" AND (? = 0 OR a.id < ?) ORDER BY a.id DESC LIMIT ?");
	if (rc < 0)
		return rc;
	db_bind_text(s, 1, unresolved ? NULL : f->state);
	db_bind_text(s, 2, unresolved ? NULL : f->state);
	db_bind_int64(s, 3, unresolved);
	db_bind_int64(s, 4, f->case_id);
	db_bind_int64(s, 5, f->case_id);
	db_bind_int64(s, 6, f->before_id);
	db_bind_int64(s, 7, f->before_id);
	db_bind_int64(s, 8, f->limit);
	while ((rc = db_step(s)) == DB_ROW) {
		alert_row(d, s, &a);
		if (fn(&a, arg))
			break;
	}
	db_finalize(s);
	return rc < 0 ? rc : 0;
}

int alert_transition(db *d, int64_t id, int64_t expected_version, const char *from_state,
		     const char *to_state, int64_t by, const char *outcome, const char *note)
{
	static const char *const sql[] = {
		"UPDATE alerts SET state = ?, acknowledged_at = ?, acknowledged_by = ?,"
		" note = COALESCE(?, note), outcome = COALESCE(?, outcome), version = version + 1"
		" WHERE id = ? AND state = ? AND (? = 0 OR version = ?)",
		"UPDATE alerts SET state = ?, dispatched_at = ?, dispatched_by = ?,"
		" note = COALESCE(?, note), outcome = COALESCE(?, outcome), version = version + 1"
		" WHERE id = ? AND state = ? AND (? = 0 OR version = ?)",
		"UPDATE alerts SET state = ?, resolved_at = ?, resolved_by = ?,"
		" note = COALESCE(?, note), outcome = COALESCE(?, outcome), version = version + 1"
		" WHERE id = ? AND state = ? AND (? = 0 OR version = ?)",
	};
	int which = !strcmp(to_state, "acknowledged") ? 0 : !strcmp(to_state, "dispatched") ? 1 : 2;
	db_stmt *s;
	int64_t n = 0;
	int rc;

	rc = db_prepare(d, &s, sql[which]);
	if (rc < 0)
		return rc;
	db_bind_text(s, 1, to_state);
	db_bind_int64(s, 2, clock_now_ms());
	db_bind_int64(s, 3, by);
	db_bind_text(s, 4, note);
	db_bind_text(s, 5, outcome);
	db_bind_int64(s, 6, id);
	db_bind_text(s, 7, from_state);
	db_bind_int64(s, 8, expected_version);
	db_bind_int64(s, 9, expected_version);
	rc = db_step(s);
	if (rc == DB_DONE)
		n = db_changes(s);
	db_finalize(s);
	return rc < 0 ? rc : n > 0;
}

int alert_escalate_unacknowledged(db *d, int64_t cutoff, int64_t now,
				  int (*fn)(int64_t alert_id, void *arg), void *arg)
{
	db_stmt *s;
	int rc, n = 0;

	rc = db_prepare(d, &s,
			"UPDATE alerts SET escalated_at = ? WHERE severity = 'critical' AND state = 'open'"
			" AND escalated_at IS NULL AND opened_at <= ? RETURNING id");
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, now);
	db_bind_int64(s, 2, cutoff);
	while ((rc = db_step(s)) == DB_ROW) {
		n++;
		if (fn)
			fn(db_column_int64(s, 0), arg);
	}
	db_finalize(s);
	return rc < 0 ? rc : n;
}

int alert_unresolved_exists(db *d, int64_t device_id, const char *kind)
{
	db_stmt *s;
	int rc;

	rc = db_prepare(d, &s,
			"SELECT 1 FROM alerts WHERE device_id = ? AND kind = ? AND state <> 'resolved'");
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, device_id);
	db_bind_text(s, 2, kind);
	rc = db_step(s);
	db_finalize(s);
	return rc < 0 ? rc : rc == DB_ROW;
}

/*
 * The live stream reads events by id (WHERE id > last sent): on PostgreSQL
 * an id is taken at INSERT and transactions commit in any order, so a writer
 * that took id 101 and committed after another's 102 would never be sent.
 * A transaction-scoped lock makes ids commit in id order.  It is the last
 * lock a writer takes before its commit (after the alert's row, before the
 * audit chain at commit), so it adds no cycle.  On SQLite writers are
 * serialised anyway.
 */
static int events_lock(db *d)
{
	return db_lock_chain(d, "alert_events");
}

/* Insert one event (the caller holds events_lock): its id, or < 0. */
static int64_t event_insert(db *d, int64_t alert_id, const char *kind, int64_t at)
{
	db_stmt *s;
	int64_t id = 0;
	int rc;

	rc = db_prepare(d, &s,
			"INSERT INTO alert_events (alert_id, at, kind) VALUES (?, ?, ?) RETURNING id");
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, alert_id);
	db_bind_int64(s, 2, at);
	db_bind_text(s, 3, kind);
	rc = db_step(s);
	if (rc == DB_ROW)
		id = db_column_int64(s, 0);
	db_finalize(s);
	/* the other nodes' streams hear of it when the transaction commits */
	if (rc >= 0)
		rc = db_notify(d, ALERT_EVENTS_CHANNEL, "");
	return rc < 0 ? rc : id;
}

int64_t alert_step_add(db *d, int64_t alert_id, const char *kind, int64_t at)
{
	db_stmt *s;
	int rc, resolved = 0;

	/* under the events' lock: a resolve (which adds its event under it)
	 * is either wholly before this check or wholly after the step */
	rc = events_lock(d);
	if (rc < 0)
		return rc;
	rc = db_prepare(d, &s, "SELECT state FROM alerts WHERE id = ?");
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, alert_id);
	rc = db_step(s);
	if (rc == DB_ROW)
		resolved = strcmp(db_column_text(s, 0), "resolved") == 0;
	db_finalize(s);
	if (rc < 0)
		return rc;
	if (rc != DB_ROW || resolved)
		return 0;
	return event_insert(d, alert_id, kind, at);
}

int64_t alert_event_add(db *d, int64_t alert_id, const char *kind)
{
	int rc = events_lock(d);

	return rc < 0 ? rc : event_insert(d, alert_id, kind, clock_now_ms());
}

int alert_event_each_of(db *d, int64_t alert_id,
			int (*fn)(int64_t event_id, const char *kind, int64_t at, void *arg), void *arg)
{
	db_stmt *s;
	int rc;

	rc = db_prepare(d, &s,
			"SELECT id, kind, at FROM alert_events WHERE alert_id = ? ORDER BY id LIMIT 200");
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, alert_id);
	while ((rc = db_step(s)) == DB_ROW)
		if (fn(db_column_int64(s, 0), db_column_text(s, 1), db_column_int64(s, 2), arg))
			break;
	db_finalize(s);
	return rc < 0 ? rc : 0;
}

int alert_event_each(db *d, int64_t after_id, int limit,
		     int (*fn)(int64_t event_id, int64_t alert_id, const char *kind, int64_t at,
			       void *arg),
		     void *arg)
{
	db_stmt *s;
	int rc;

	rc = db_prepare(d, &s,
			"SELECT id, alert_id, kind, at FROM alert_events WHERE id > ? ORDER BY id LIMIT ?");
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, after_id);
	db_bind_int64(s, 2, limit);
	while ((rc = db_step(s)) == DB_ROW)
		if (fn(db_column_int64(s, 0), db_column_int64(s, 1), db_column_text(s, 2),
		       db_column_int64(s, 3), arg))
			break;
	db_finalize(s);
	return rc < 0 ? rc : 0;
}

int notification_record(db *d, int64_t alert_id, const struct notification *n)
{
	db_stmt *s;
	int rc;

	rc = db_prepare(d, &s,
			"INSERT INTO notifications (alert_id, channel, attempt, at, http_status, error,"
			" delivered, repeat_no) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, alert_id);
	db_bind_text(s, 2, n->channel);
	db_bind_int64(s, 3, n->attempt);
	db_bind_int64(s, 4, n->at);
	if (n->http_status)
		db_bind_int64(s, 5, n->http_status);
	else
		db_bind_null(s, 5);
	db_bind_text(s, 6, n->error);
	db_bind_int64(s, 7, n->delivered);
	db_bind_int64(s, 8, n->repeat);
	rc = db_step(s);
	db_finalize(s);
	return rc < 0 ? rc : 0;
}

int notification_undelivered_each(db *d, const char *channel, int64_t since,
				  int (*fn)(const struct notification_due *n, void *arg), void *arg)
{
	struct notification_due n;
	db_stmt *s;
	int rc;

	rc = db_prepare(d, &s,
			"SELECT a.id, a.kind, a.severity,"
			" (SELECT COUNT(*) FROM notifications n WHERE n.alert_id = a.id AND n.channel = ?"
			"  AND n.repeat_no = 0),"
			" (SELECT COALESCE(MAX(n.at), 0) FROM notifications n"
			"  WHERE n.alert_id = a.id AND n.channel = ? AND n.repeat_no = 0), a.late"
			" FROM alerts a WHERE a.state <> 'resolved' AND a.opened_at >= ?"
			" AND NOT EXISTS (SELECT 1 FROM notifications n WHERE n.alert_id = a.id"
			"  AND n.channel = ? AND n.delivered = 1 AND n.repeat_no = 0)"
			" ORDER BY a.id");
	if (rc < 0)
		return rc;
	db_bind_text(s, 1, channel);
	db_bind_text(s, 2, channel);
	db_bind_int64(s, 3, since);
	db_bind_text(s, 4, channel);
	while ((rc = db_step(s)) == DB_ROW) {
		memset(&n, 0, sizeof n);
		n.alert_id = db_column_int64(s, 0);
		snprintf(n.kind, sizeof n.kind, "%s", db_column_text(s, 1));
		snprintf(n.severity, sizeof n.severity, "%s", db_column_text(s, 2));
		n.attempts = (int)db_column_int64(s, 3);
		n.last_at = db_column_int64(s, 4);
		n.late = db_column_int64(s, 5) != 0;
		if (fn(&n, arg))
			break;
	}
	db_finalize(s);
	return rc < 0 ? rc : 0;
}

int notification_each(db *d, int64_t alert_id,
		      int (*fn)(const struct notification *n, void *arg), void *arg)
{
	struct notification n;
	db_stmt *s;
	int rc;

	rc = db_prepare(d, &s,
			"SELECT channel, attempt, at, http_status, error, delivered, repeat_no"
			" FROM notifications WHERE alert_id = ? ORDER BY id");
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, alert_id);
	while ((rc = db_step(s)) == DB_ROW) {
		n.channel = db_column_text(s, 0);
		n.attempt = (int)db_column_int64(s, 1);
		n.at = db_column_int64(s, 2);
		n.http_status = (long)db_column_int64(s, 3);
		n.error = db_column_text(s, 4);
		n.delivered = db_column_int64(s, 5) != 0;
		n.repeat = (int)db_column_int64(s, 6);
		if (fn(&n, arg))
			break;
	}
	db_finalize(s);
	return rc < 0 ? rc : 0;
}

int64_t alert_event_latest(db *d)
{
	int64_t id;
	int rc = db_get_int64(d, &id, "SELECT MAX(id) FROM alert_events", "");

	return rc < 0 ? rc : id;
}
