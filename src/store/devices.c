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
	int64_t id;
	int rc = db_get_int64(d, &id,
			      "INSERT INTO devices (uid, kind, protocol, expected_interval_s, created_at,"
			      " agency_id, registered_by) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
			      "tttiiII", uid, kind, protocol, (int64_t)expected_interval_s,
			      clock_now_ms(), agency_id, by);

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

static void device_row(db_stmt *s, void *out)
{
	struct device *dv = out;

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

/* A device for each row, to the caller's fn; stopped: fn answered nonzero. */
struct device_each {
	int (*fn)(const struct device *dv, void *arg);
	void *arg;
	bool stopped;
};

static int device_each_row(db_stmt *s, void *arg)
{
	struct device_each *e = arg;
	struct device dv;

	device_row(s, &dv);
	e->stopped = e->fn(&dv, e->arg) != 0;
	return e->stopped;
}

int device_get(db *d, const char *uid, struct device *out)
{
	return db_one(d, device_row, out, "SELECT " DEVICE_COLS DEVICE_FROM " WHERE dv.uid = ?", "t",
		      uid);
}


int device_each_of_uids(db *d, const char *const *uids, size_t n,
			int (*fn)(const struct device *dv, void *arg), void *arg)
{
	struct device_each e = { fn, arg, false };
	int rc = 0;

	for (size_t done = 0, k; rc >= 0 && !e.stopped && done < n; done += k) {
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
		rc = db_rows(s, device_each_row, &e);
	}
	return rc < 0 ? rc : 0;
}

int device_get_by_id(db *d, int64_t id, struct device *out)
{
	return db_one(d, device_row, out, "SELECT " DEVICE_COLS DEVICE_FROM " WHERE dv.id = ?", "i",
		      id);
}

int device_each(db *d, int (*fn)(const struct device *dv, void *arg), void *arg)
{
	return device_each_after(d, 0, fn, arg);
}

int device_each_after(db *d, int64_t after_id, int (*fn)(const struct device *dv, void *arg),
		      void *arg)
{
	struct device_each e = { fn, arg, false };

	return db_each(d, device_each_row, &e,
		       "SELECT " DEVICE_COLS DEVICE_FROM " WHERE dv.id > ? ORDER BY dv.id", "i",
		       after_id);
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

static void reporting_only_row(db_stmt *s, void *out)
{
	reporting_row(s, 0, out);
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

struct visible_each {
	int (*fn)(const struct device *dv, const struct device_view *dw, void *arg);
	void *arg;
};

static int visible_each_row(db_stmt *s, void *arg)
{
	struct visible_each *e = arg;
	struct device dv;
	struct device_view dw;

	device_row(s, &dv);
	dw.busy = db_column_int64(s, 9) != 0;
	copy(dw.case_ref, sizeof dw.case_ref, db_column_text(s, 10));
	dw.watch_from = db_column_int64(s, 11);
	dw.free_since = db_column_int64(s, 12);
	reporting_row(s, 13, &dw.reporting);
	return e->fn(&dv, &dw, e->arg);
}

int device_each_visible(db *d, const struct viewer *v, int64_t now, const char *uid,
			int (*fn)(const struct device *dv, const struct device_view *dw, void *arg),
			void *arg)
{
	struct visible_each e = { fn, arg };
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
	return db_rows(s, visible_each_row, &e);
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
	size_t k;
	int rc;

	for (k = 0; k < sizeof steps / sizeof steps[0] && strcmp(steps[k].state, state); k++)
		;
	if (k == sizeof steps / sizeof steps[0])
		return DB_ERROR; /* a programming error */
	if (k <= 1)
		rc = db_write(d, steps[k].sql, "itiit", at, text, at, device_id, mode);
	else
		rc = db_write(d, steps[k].sql, "iit", at, device_id, mode);
	return rc < 0 ? rc : rc > 0;
}

int device_reporting_get(db *d, int64_t device_id, struct device_reporting *out)
{
	memset(out, 0, sizeof *out);
	return db_one(d, reporting_only_row, out,
		      "SELECT " REPORTING_COLS " FROM device_reporting rp WHERE rp.device_id = ?", "i",
		      device_id);
}

struct fast_each {
	int (*fn)(int64_t device_id, void *arg);
	void *arg;
};

static int fast_each_row(db_stmt *s, void *arg)
{
	struct fast_each *e = arg;

	return e->fn(db_column_int64(s, 0), e->arg);
}

int device_reporting_each_fast(db *d, int (*fn)(int64_t device_id, void *arg), void *arg)
{
	struct fast_each e = { fn, arg };

	return db_each(d, fast_each_row, &e,
		       "SELECT device_id FROM device_reporting WHERE mode = 'fast' ORDER BY device_id",
		       "");
}

int device_count_rejected(db *d, int64_t id)
{
	return db_run(d, "UPDATE devices SET rejected_fixes = rejected_fixes + 1 WHERE id = ?", "i", id);
}
