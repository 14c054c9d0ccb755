/*
 * store/alerts — monitoring's alerts, their events (the live stream reads them) and notification attempts (store/monitor.h).
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
	return db_exists(d,
			 "SELECT 1 FROM alerts WHERE device_id = ? AND (? = 0 OR zone_id = ?) AND kind = ?"
			 " AND opened_at >= ?",
			 "iiiti", device_id, zone_id, zone_id, kind, since);
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

int alert_events_announce(db *d)
{
	return db_notify(d, ALERT_EVENTS_CHANNEL, "");
}
