/*
 * store/devices — monitoring's devices (their agency, who sees them), and asking a tag to report faster (store/monitor.h).
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
