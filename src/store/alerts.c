/*
 * store/alerts — monitoring's alerts, their events (the live stream reads them) and notification attempts (store/monitor.h).
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

#define ALERT_COLS                                                                          \
	"a.id, a.case_id, a.device_id, a.zone_id, a.kind, a.severity, a.state, a.opened_at,"  \
	" a.fix_at, a.lat, a.lon, a.detail, a.acknowledged_at, ua.username, a.dispatched_at," \
	" ud.username, a.resolved_at, ur.username, a.outcome, a.note, a.escalated_at, a.version," \
	" a.decided_at, a.late, a.repeats, a.last_repeat_at, a.decided_by, a.sealed"
#define ALERT_FROM                                                                         \
	" FROM alerts a LEFT JOIN users ua ON ua.id = a.acknowledged_by"                  \
	" LEFT JOIN users ud ON ud.id = a.dispatched_by LEFT JOIN users ur ON ur.id = a.resolved_by"

/* What alert_row reads a row into: the alert, and the connection its sealed
 * position opens with. */
struct alert_read {
	db *d;
	struct alert *a;
};

static void alert_row(db_stmt *s, void *out)
{
	struct alert_read *r = out;
	struct alert *a = r->a;

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
		if (sealed_get_position(r->d, ad, db_column_text(s, 27), &a->lat, &a->lon, &x, &x,
					&x, &x) < 0) {
			a->lat = a->lon = NAN;
			a->position_unreadable = true;
		}
	}
}

/* db_each_fn: the first column of the first row (a RETURNING id) into *arg. */
static int take_id(db_stmt *s, void *arg)
{
	*(int64_t *)arg = db_column_int64(s, 0);
	return 1;
}

int64_t alert_open(db *d, const struct alert *a, bool *existed)
{
	bool sealed_pos = false;
	db_stmt *s;
	int64_t id = 0;
	int rc;

	*existed = false;
	rc = db_get_int64(d, &id,
			  "SELECT id FROM alerts WHERE case_id = ? AND COALESCE(device_id, 0) = ?"
			  " AND COALESCE(zone_id, 0) = ? AND kind = ? AND state <> 'resolved'",
			  "iiit", a->case_id, a->device_id, a->zone_id, a->kind);
	if (rc < 0)
		return rc;
	if (rc) {
		*existed = true;
		return id;
	}
	/* the position of a victim's device (her panic, her lost signal) is
	 * sealed, with the alert's id once it is stored */
	if (a->device_id && !isnan(a->lat)) {
		rc = db_exists(d,
			       "SELECT 1 FROM devices WHERE id = ?"
			       " AND kind IN ('victim_phone', 'victim_alarm')",
			       "i", a->device_id);
		if (rc < 0)
			return rc;
		sealed_pos = rc;
	}
	/* the position last: NULL when there is none (NaN, which a format
	 * cannot say) or when it is sealed */
	rc = db_query(d, &s,
		      "INSERT INTO alerts (case_id, device_id, zone_id, kind, severity, state,"
		      " opened_at, fix_at, detail, decided_at, late, decided_by, lat, lon)"
		      " VALUES (?, ?, ?, ?, ?, 'open', ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
		      "iIIttiItIit", a->case_id, a->device_id, a->zone_id, a->kind, a->severity,
		      a->opened_at, a->fix_at, a->detail, a->decided_at, (int64_t)(a->late ? 1 : 0),
		      a->decided_by[0] ? a->decided_by : NULL);
	if (rc < 0)
		return rc;
	bind_opt(s, 12, sealed_pos ? NAN : a->lat);
	bind_opt(s, 13, sealed_pos ? NAN : a->lon);
	rc = db_rows(s, take_id, &id);
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
	int64_t n;
	int rc;

	rc = db_get_int64(d, &n,
			  "UPDATE alerts SET repeats = repeats + 1, last_repeat_at = ?,"
			  " version = version + 1 WHERE id = ? AND state <> 'resolved'"
			  " RETURNING repeats",
			  "ii", at, id);
	return rc < 0 ? rc : (int)n;
}

static const char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

/* alert_row, and the row's text copied: it lives in the statement, which
 * db_one finalizes. */
static void alert_row_copied(db_stmt *s, void *out)
{
	struct alert_read *r = out;

	alert_row(s, r);
	r->a->detail = dup_or_null(r->a->detail);
	r->a->outcome = dup_or_null(r->a->outcome);
	r->a->note = dup_or_null(r->a->note);
}

int alert_get(db *d, int64_t id, struct alert *out)
{
	struct alert_read r = { d, out };

	memset(out, 0, sizeof *out);
	return db_one(d, alert_row_copied, &r, "SELECT " ALERT_COLS ALERT_FROM " WHERE a.id = ?",
		      "i", id);
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
	return db_exists(d,
			 "SELECT 1 FROM alerts WHERE device_id = ? AND (? = 0 OR zone_id = ?) AND kind = ?"
			 " AND opened_at >= ?",
			 "iiiti", device_id, zone_id, zone_id, kind, since);
}

struct alert_each {
	db *d;
	int (*fn)(const struct alert *a, void *arg);
	void *arg;
};

static int alert_each_row(db_stmt *s, void *arg)
{
	struct alert_each *e = arg;
	struct alert a;
	struct alert_read r = { e->d, &a };

	alert_row(s, &r);
	return e->fn(&a, e->arg);
}

int alert_each(db *d, const struct alert_filter *f, int (*fn)(const struct alert *a, void *arg),
	       void *arg)
{
	struct alert_each e = { d, fn, arg };
	bool unresolved = f->state && strcmp(f->state, "unresolved") == 0;
	const char *state = unresolved ? NULL : f->state;

	/* newest critical first is the desk's order; here newest first, and
	 * the desk sorts by severity */
	return db_each(d, alert_each_row, &e,
		       "SELECT " ALERT_COLS ALERT_FROM " WHERE (CAST(? AS TEXT) IS NULL OR a.state = ?)"
		       " AND (? = 0 OR a.state <> 'resolved') AND (? = 0 OR a.case_id = ?)"
		       " AND (? = 0 OR a.id < ?) ORDER BY a.id DESC LIMIT ?",
		       "ttiiiiii", state, state, (int64_t)unresolved, f->case_id, f->case_id,
		       f->before_id, f->before_id, (int64_t)f->limit);
}

/* A move of an alert to a state: its time and who made it in the state's
 * columns (col_at, col_by). */
#define TRANSITION(col)                                                                    \
	"UPDATE alerts SET state = ?, " col "_at = ?, " col "_by = ?,"                     \
	" note = COALESCE(?, note), outcome = COALESCE(?, outcome), version = version + 1" \
	" WHERE id = ? AND state = ? AND (? = 0 OR version = ?)"

int alert_transition(db *d, int64_t id, int64_t expected_version, const char *from_state,
		     const char *to_state, int64_t by, const char *outcome, const char *note)
{
	static const char *const sql[] = {
		TRANSITION("acknowledged"),
		TRANSITION("dispatched"),
		TRANSITION("resolved"),
	};
	int which = !strcmp(to_state, "acknowledged") ? 0 : !strcmp(to_state, "dispatched") ? 1 : 2;
	int rc;

	rc = db_write(d, sql[which], "tiittitii", to_state, clock_now_ms(), by, note, outcome, id,
		      from_state, expected_version, expected_version);
	return rc < 0 ? rc : rc > 0;
}

struct escalated {
	int (*fn)(int64_t alert_id, void *arg);
	void *arg;
	int n;
};

static int escalated_row(db_stmt *s, void *arg)
{
	struct escalated *e = arg;

	e->n++;
	if (e->fn)
		e->fn(db_column_int64(s, 0), e->arg);
	return 0;
}

int alert_escalate_unacknowledged(db *d, int64_t cutoff, int64_t now,
				  int (*fn)(int64_t alert_id, void *arg), void *arg)
{
	struct escalated e = { fn, arg, 0 };
	int rc;

	rc = db_each(d, escalated_row, &e,
		     "UPDATE alerts SET escalated_at = ? WHERE severity = 'critical' AND state = 'open'"
		     " AND escalated_at IS NULL AND opened_at <= ? RETURNING id",
		     "ii", now, cutoff);
	return rc < 0 ? rc : e.n;
}

int alert_unresolved_exists(db *d, int64_t device_id, const char *kind)
{
	return db_exists(d,
			 "SELECT 1 FROM alerts WHERE device_id = ? AND kind = ? AND state <> 'resolved'",
			 "it", device_id, kind);
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
	int64_t id;
	int rc;

	rc = db_get_int64(d, &id,
			  "INSERT INTO alert_events (alert_id, at, kind) VALUES (?, ?, ?)"
			  " RETURNING id",
			  "iit", alert_id, at, kind);
	/* the other nodes' streams hear of it when the transaction commits */
	if (rc >= 0)
		rc = db_notify(d, ALERT_EVENTS_CHANNEL, "");
	return rc < 0 ? rc : id;
}

/* db_row_fn: whether the alert's state is resolved, into an int. */
static void resolved_row(db_stmt *s, void *out)
{
	*(int *)out = strcmp(db_column_text(s, 0), "resolved") == 0;
}

int64_t alert_step_add(db *d, int64_t alert_id, const char *kind, int64_t at)
{
	int rc, resolved = 0;

	/* under the events' lock: a resolve (which adds its event under it)
	 * is either wholly before this check or wholly after the step */
	rc = events_lock(d);
	if (rc < 0)
		return rc;
	rc = db_one(d, resolved_row, &resolved, "SELECT state FROM alerts WHERE id = ?", "i",
		    alert_id);
	if (rc < 0)
		return rc;
	if (!rc || resolved)
		return 0;
	return event_insert(d, alert_id, kind, at);
}

int64_t alert_event_add(db *d, int64_t alert_id, const char *kind)
{
	int rc = events_lock(d);

	return rc < 0 ? rc : event_insert(d, alert_id, kind, clock_now_ms());
}

struct event_of_each {
	int (*fn)(int64_t event_id, const char *kind, int64_t at, void *arg);
	void *arg;
};

static int event_of_each_row(db_stmt *s, void *arg)
{
	struct event_of_each *e = arg;

	return e->fn(db_column_int64(s, 0), db_column_text(s, 1), db_column_int64(s, 2), e->arg);
}

int alert_event_each_of(db *d, int64_t alert_id,
			int (*fn)(int64_t event_id, const char *kind, int64_t at, void *arg), void *arg)
{
	struct event_of_each e = { fn, arg };

	return db_each(d, event_of_each_row, &e,
		       "SELECT id, kind, at FROM alert_events WHERE alert_id = ?"
		       " ORDER BY id LIMIT 200",
		       "i", alert_id);
}

struct event_each {
	int (*fn)(int64_t event_id, int64_t alert_id, const char *kind, int64_t at, void *arg);
	void *arg;
};

static int event_each_row(db_stmt *s, void *arg)
{
	struct event_each *e = arg;

	return e->fn(db_column_int64(s, 0), db_column_int64(s, 1), db_column_text(s, 2),
		     db_column_int64(s, 3), e->arg);
}

int alert_event_each(db *d, int64_t after_id, int limit,
		     int (*fn)(int64_t event_id, int64_t alert_id, const char *kind, int64_t at,
			       void *arg),
		     void *arg)
{
	struct event_each e = { fn, arg };

	return db_each(d, event_each_row, &e,
		       "SELECT id, alert_id, kind, at FROM alert_events WHERE id > ?"
		       " ORDER BY id LIMIT ?",
		       "ii", after_id, (int64_t)limit);
}

int notification_record(db *d, int64_t alert_id, const struct notification *n)
{
	int rc;

	rc = db_run(d,
		    "INSERT INTO notifications (alert_id, channel, attempt, at, http_status, error,"
		    " delivered, repeat_no) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
		    "itiiItii", alert_id, n->channel, (int64_t)n->attempt, n->at,
		    (int64_t)n->http_status, n->error, (int64_t)n->delivered, (int64_t)n->repeat);
	return rc < 0 ? rc : 0;
}

static void due_row(db_stmt *s, void *out)
{
	struct notification_due *n = out;

	memset(n, 0, sizeof *n);
	n->alert_id = db_column_int64(s, 0);
	snprintf(n->kind, sizeof n->kind, "%s", db_column_text(s, 1));
	snprintf(n->severity, sizeof n->severity, "%s", db_column_text(s, 2));
	n->attempts = (int)db_column_int64(s, 3);
	n->last_at = db_column_int64(s, 4);
	n->late = db_column_int64(s, 5) != 0;
}

STORE_EACH(due_each, struct notification_due, due_row);

int notification_undelivered_each(db *d, const char *channel, int64_t since,
				  int (*fn)(const struct notification_due *n, void *arg), void *arg)
{
	struct due_each e = { fn, arg, 0 };

	return db_each(d, due_each_row, &e,
		       "SELECT a.id, a.kind, a.severity,"
		       " (SELECT COUNT(*) FROM notifications n WHERE n.alert_id = a.id AND n.channel = ?"
		       "  AND n.repeat_no = 0),"
		       " (SELECT COALESCE(MAX(n.at), 0) FROM notifications n"
		       "  WHERE n.alert_id = a.id AND n.channel = ? AND n.repeat_no = 0), a.late"
		       " FROM alerts a WHERE a.state <> 'resolved' AND a.opened_at >= ?"
		       " AND NOT EXISTS (SELECT 1 FROM notifications n WHERE n.alert_id = a.id"
		       "  AND n.channel = ? AND n.delivered = 1 AND n.repeat_no = 0)"
		       " ORDER BY a.id",
		       "ttit", channel, channel, since, channel);
}

static void notification_row(db_stmt *s, void *out)
{
	struct notification *n = out;

	n->channel = db_column_text(s, 0);
	n->attempt = (int)db_column_int64(s, 1);
	n->at = db_column_int64(s, 2);
	n->http_status = (long)db_column_int64(s, 3);
	n->error = db_column_text(s, 4);
	n->delivered = db_column_int64(s, 5) != 0;
	n->repeat = (int)db_column_int64(s, 6);
}

STORE_EACH(notification_each, struct notification, notification_row);

int notification_each(db *d, int64_t alert_id,
		      int (*fn)(const struct notification *n, void *arg), void *arg)
{
	struct notification_each e = { fn, arg, 0 };

	return db_each(d, notification_each_row, &e,
		       "SELECT channel, attempt, at, http_status, error, delivered, repeat_no"
		       " FROM notifications WHERE alert_id = ? ORDER BY id",
		       "i", alert_id);
}

int64_t alert_event_latest(db *d)
{
	int64_t id;
	int rc = db_get_int64(d, &id, "SELECT MAX(id) FROM alert_events", "");

	return rc < 0 ? rc : id;
}

int alert_events_announce(db *d)
{
	return db_notify(d, ALERT_EVENTS_CHANNEL, "");
}
