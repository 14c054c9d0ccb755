/*
 * raise — raising an alert and recording a device event (engine_int.h).
 */
#include "monitor/engine_int.h"

/* ---- alerts -------------------------------------------------------------------- */

/*
 * Open an alert decided by dc (dc->decided_at 0: now).  One unresolved alert
 * per case, device, zone and kind: while one is open, a new visit (again,
 * after leaving) is counted on it as a repeat, and she is warned again; the
 * same visit seen again is nothing.  An alert decided longer ago than
 * current_ms is late: recorded at its own time, for the desk, not sent to her.
 */
void eng_raise_alert(struct engine *e, int64_t case_id, const struct dev *d, int64_t zone_id,
			const char *kind, const struct geo_point *pos, const struct decision *dc,
			bool visit_again, json_t *detail)
{
	/* how severe: the kind's, as raised by his device or hers (core/alertkind) */
	const char *severity = alert_kind_severity(kind, !d || d->offender);
	struct alert a = { 0 };
	char *dtext;
	bool existed;
	int64_t id, wall = clock_now_ms();
	int repeat = 0;
	int rc;

	/* catching up at start: an alert raised since this fix was taken came
	 * from it (or later news) before the stop, and is not raised twice */
	if (e->catching_up && d && alert_raised_since(e->db, d->id, zone_id, kind, dc->fix_at) == 1) {
		json_decref(detail);
		return;
	}
	a.decided_at = dc->decided_at ? dc->decided_at : wall;
	a.late = wall - a.decided_at > e->cfg.current_ms;
	snprintf(a.decided_by, sizeof a.decided_by, "%s", dc->device ? dc->device : "timer");
	dtext = detail ? json_dumps(detail, JSON_COMPACT) : NULL;
	a.case_id = case_id;
	a.device_id = d ? d->id : 0;
	a.zone_id = zone_id;
	snprintf(a.kind, sizeof a.kind, "%s", kind);
	snprintf(a.severity, sizeof a.severity, "%s", severity);
	a.opened_at = wall;
	a.fix_at = dc->fix_at;
	a.lat = pos ? pos->lat : NAN;
	a.lon = pos ? pos->lon : NAN;
	a.detail = dtext;
	if (!eng_may_act(e)) {
		free(dtext);
		json_decref(detail);
		return;
	}
	rc = db_begin_write(e->db);
	/* Only while this node holds the lease (the epoch in the lease's row is
	 * this engine's): a node that was frozen or cut off and has been
	 * replaced opens nothing, even if it has not noticed yet. */
	if (rc >= 0)
		rc = eng_lease_holds(e);
	/* Looking for an unresolved alert and opening one are serialised across
	 * nodes: should two engines run for a moment, they open one alert, not
	 * two. */
	if (rc >= 0)
		rc = db_lock_chain(e->db, "alert_open");
	id = rc < 0 ? rc : alert_open(e->db, &a, &existed);
	if (id >= 0 && !existed)
		id = alert_event_add(e->db, id, "opened") < 0 ? DB_ERROR : id;
	if (id >= 0 && existed && visit_again && !e->catching_up) {
		repeat = alert_repeat(e->db, id, a.decided_at);
		if (repeat < 0 || (repeat > 0 && alert_event_add(e->db, id, "repeated") < 0))
			id = DB_ERROR;
	}
	if (id >= 0 && db_commit(e->db) >= 0) {
		struct alert_news news = { id, kind, severity, a.late, repeat };

		if (!existed) {
			/* identifiers only: never a position in a log */
			log_info("alert %lld: %s (%s) case %lld device %s%s", (long long)id, kind, severity,
				 (long long)case_id, d ? d->uid : "-", a.late ? " (late)" : "");
			sinks_alert(e->v->sinks, &news);
		} else if (repeat > 0) {
			log_info("alert %lld: %s again (visit %d) case %lld device %s", (long long)id, kind,
				 repeat + 1, (long long)case_id, d ? d->uid : "-");
			sinks_alert(e->v->sinks, &news);
		}
	} else {
		log_error("cannot record a %s alert: %s", kind, db_errmsg(e->db));
		db_rollback(e->db);
	}
	free(dtext);
	json_decref(detail);
}

/* A decision by a device's fix at its own time. */
struct decision eng_by_fix(const struct dev *d, int64_t at)
{
	return (struct decision){ at, at, "fix", d->uid };
}

void eng_device_event(struct engine *e, const struct dev *d, int64_t at, const char *kind)
{
	if (device_event_add(e->db, d->id, at, kind, NULL) < 0)
		log_error("cannot record device event %s: %s", kind, db_errmsg(e->db));
}
