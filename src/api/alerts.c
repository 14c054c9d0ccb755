/*
 * alerts — the monitoring centre's queue: GET /api/v1/alerts[/{id}],
 * POST /api/v1/alerts/{id}/acknowledge|dispatch|resolve, and the live
 * stream GET /api/v1/alerts/stream (Server-Sent Events, resumable with
 * Last-Event-ID).
 *
 * An alert's life is open → acknowledged → dispatched → resolved (an alert
 * may be resolved from any earlier state; resolving needs an outcome —
 * breach_confirmed, false_alarm or technical — and a note).  The response
 * clocks are the times of each step.  The response protocol's calls (to the
 * victim, to the offender) are recorded as steps of their own
 * (POST /api/v1/alerts/{id}/steps); sending the police is the dispatch.
 */
#include "api/api.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/log.h"
#include "core/alertkind.h"
#include "core/casefile.h"
#include "http/request.h"
#include "http/stream.h"
#include "monitor/node.h"
#include "ops/alerts.h"
#include "store/cases.h"
#include "store/monitor.h"
#include "store/orders.h"
#include "vigil.h"

#define TEXT_MAX 4000

/* How an alert ends, and the steps of the response protocol that are not a
 * change of state (sending the police is the dispatch). */
const char *const api_alert_outcomes[] = { "breach_confirmed", "false_alarm", "technical", NULL };
const char *const api_alert_steps[] = { "called_victim", "called_offender", NULL };

/* Alert kinds raised on the victim's own device carry her position. */
static bool victim_position(const struct alert *a, db *d)
{
	struct device dv;

	return a->device_id && device_get_by_id(d, a->device_id, &dv) == 1 &&
	       strcmp(dv.kind, "offender_tag") != 0;
}

static json_t *alert_json(db *d, const struct alert *a, bool show_victim_location)
{
	struct case_record c;
	struct device dv;
	json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:s?, s:s?, s:I}",
			      "id", (json_int_t)a->id, "kind", a->kind, "severity", a->severity,
			      "state", a->state, "opened_at", req_time_json(a->opened_at),
			      "acknowledged_at", req_time_json(a->acknowledged_at), "dispatched_at",
			      req_time_json(a->dispatched_at), "resolved_at",
			      req_time_json(a->resolved_at), "escalated_at",
			      req_time_json(a->escalated_at), "fix_at", req_time_json(a->fix_at),
			      "outcome", a->outcome, "note", a->note, "version", (json_int_t)a->version);

	if (case_get_by_id(d, a->case_id, &c) == 1) {
		json_object_set_new(o, "case", json_string(c.ref));
		case_record_free(&c);
	}
	if (a->device_id && device_get_by_id(d, a->device_id, &dv) == 1)
		json_object_set_new(o, "device", json_pack("{s:s, s:s}", "uid", dv.uid, "kind", dv.kind));
	if (a->zone_id)
		json_object_set_new(o, "zone_id", json_integer(a->zone_id));
	/* when it was decided (event time: the fix or the timer), whether that
	 * was too long ago to warn her (a backlog), and the visits since */
	json_object_set_new(o, "decided_at", req_time_json(a->decided_at));
	json_object_set_new(o, "decided_by", a->decided_by[0] ? json_string(a->decided_by) : json_null());
	json_object_set_new(o, "late", json_boolean(a->late));
	json_object_set_new(o, "repeats", json_integer(a->repeats));
	json_object_set_new(o, "last_repeat_at", req_time_json(a->last_repeat_at));
	json_object_set_new(o, "detail", a->detail ? json_loads(a->detail, 0, NULL) : json_null());
	if (!isnan(a->lat) && (show_victim_location || !victim_position(a, d)))
		json_object_set_new(o, "position", json_pack("{s:f, s:f}", "lat", a->lat, "lon", a->lon));
	/* her device's sealed position would not open: said on the alert, which
	 * stays on the desk (the queue is not blinded by one altered row) */
	if (a->position_unreadable && show_victim_location)
		json_object_set_new(o, "position_error",
				    json_string("the sealed position cannot be opened: altered in the "
						"database, or sealed with a data key this server does "
						"not hold"));
	{
		json_t *clock = json_object();

		if (a->acknowledged_at)
			json_object_set_new(clock, "to_acknowledge_s",
					    json_real((double)(a->acknowledged_at - a->opened_at) / 1000));
		if (a->dispatched_at)
			json_object_set_new(clock, "to_dispatch_s",
					    json_real((double)(a->dispatched_at - a->opened_at) / 1000));
		if (a->resolved_at)
			json_object_set_new(clock, "to_resolve_s",
					    json_real((double)(a->resolved_at - a->opened_at) / 1000));
		json_object_set_new(o, "response_clock", clock);
	}
	return o;
}

json_t *api_alert_event_json(db *d, int64_t event_id, int64_t alert_id, const char *kind,
			     int64_t at, const struct viewer *v)
{
	bool show_victim_location = access_sees_victim_location(v->role);
	struct alert a;

	json_t *o;

	if (alert_get(d, alert_id, &a) != 1)
		return NULL;
	/* a client sees the events of the cases it may see, and no others */
	if (case_visible(d, a.case_id, v) != 1) {
		alert_free(&a);
		return NULL;
	}
	o = json_pack("{s:I, s:s, s:o, s:o}", "event_id", (json_int_t)event_id, "event", kind, "at",
		      req_time_json(at), "alert", alert_json(d, &a, show_victim_location));
	alert_free(&a);
	return o;
}

static int add_alert(const struct alert *a, void *arg)
{
	void **x = arg;
	struct req *r = x[0];
	struct viewer v;

	/* the queue holds only the alerts of cases the caller may see */
	api_viewer(r, &v);
	if (case_visible(r->db, a->case_id, &v) != 1)
		return 0;
	json_array_append_new(x[1], alert_json(r->db, a, access_sees_victim_location(r->who.role)));
	return 0;
}

void api_alerts_list(struct req *r)
{
	struct alert_filter f = { 0 };
	const char *state = req_query(r, "state"), *ref = req_query(r, "case");
	int64_t limit, before;
	json_t *arr;
	void *x[2];

	if (req_query_int(r, "limit", 1, 500, 100, &limit) < 0 ||
	    req_query_int(r, "before", 1, INT64_MAX, 0, &before) < 0)
		return;
	if (state && strcmp(state, "open") && strcmp(state, "acknowledged") &&
	    strcmp(state, "dispatched") && strcmp(state, "resolved") && strcmp(state, "unresolved")) {
		req_fail(r, 400, "bad_request", "state",
			 "state must be open, acknowledged, dispatched, resolved or unresolved");
		return;
	}
	if (ref) {
		struct case_record c;

		if (case_get(r->db, ref, &c) != 1) {
			req_fail(r, 400, "bad_request", "case", "there is no case %s", ref);
			return;
		}
		f.case_id = c.id;
		case_record_free(&c);
	}
	f.state = state;
	f.before_id = before;
	f.limit = (int)limit;
	arr = json_array();
	x[0] = r;
	x[1] = arr;
	req_read(r, alert_each(r->db, &f, add_alert, x));
	req_reply(r, 200, json_pack("{s:o}", "alerts", arr));
}

/* The alert named by the path's id: 0, or -1 after a 404. */
static int alert_id(struct req *r, int64_t *id)
{
	char *end;
	long long n = strtoll(req_param(r, "id"), &end, 10);

	if (*end || n <= 0) {
		req_fail(r, 404, "not_found", NULL, "there is no alert %s", req_param(r, "id"));
		return -1;
	}
	*id = n;
	return 0;
}

/* Open the path's alert for a page in one read transaction: 0, or -1
 * answered (the caller ends it with api_read_end). */
static int alert_read(struct req *r, struct ops_ctx *x, struct alert *a)
{
	int64_t id;
	int rc;

	if (alert_id(r, &id) < 0 || api_read_begin(r, x) < 0)
		return -1;
	rc = ops_alert_open(x, id, a);
	if (rc < 0) {
		ops_read_end(x);
		api_ops_end(r, x, rc);
		return -1;
	}
	return 0;
}

static int add_trail(const struct fix *f, void *arg)
{
	json_array_append_new(arg, json_pack("{s:o, s:f, s:f, s:o}", "at", req_time_json(f->at), "lat",
					     f->lat, "lon", f->lon, "accuracy_m",
					     isnan(f->accuracy) ? json_null() : json_real(f->accuracy)));
	return 0;
}

static int add_notification(const struct notification *n, void *arg)
{
	json_array_append_new(arg, json_pack("{s:s, s:i, s:i, s:o, s:o, s:s?, s:b}", "channel",
					     n->channel, "repeat", n->repeat, "attempt", n->attempt,
					     "at", req_time_json(n->at), "http_status",
					     n->http_status ? json_integer(n->http_status) : json_null(),
					     "error", n->error, "delivered", n->delivered));
	return 0;
}

/* Every notification attempt for the alert; *rc the read's result. */
static json_t *notifications_json(db *d, int64_t alert_id, int *rc)
{
	json_t *arr = json_array();

	*rc = notification_each(d, alert_id, add_notification, arr);
	return arr;
}

static int add_step(int64_t event_id, const char *kind, int64_t at, void *arg)
{
	json_array_append_new(arg, json_pack("{s:I, s:s, s:o}", "event_id", (json_int_t)event_id,
					     "event", kind, "at", req_time_json(at)));
	return 0;
}

struct victim_pos {
	struct req *r;
	struct device_live best;
	bool have;
};

static int add_victim_device(const struct assignment *as, void *arg)
{
	struct victim_pos *vp = arg;
	struct device_live live;

	if (strcmp(as->role, "victim") != 0 ||
	    !node_device_live(vp->r->v->node, vp->r->db, as->device_id, &live) || !live.have_fix)
		return 0;
	/* a fix from before this watch began is someone else's (the device's
	 * wearer then), not hers */
	if (live.fix_at < as->starts_at)
		return 0;
	if (!vp->have || live.fix_at > vp->best.fix_at) {
		vp->best = live;
		vp->have = true;
	}
	return 0;
}

/* The victim's last known position on the case (her freshest device), or null. */
static json_t *victim_position_json(struct req *r, int64_t case_id)
{
	struct victim_pos vp = { .r = r };

	if (assignment_each_current(r->db, case_id, clock_now_ms(), add_victim_device, &vp) < 0 ||
	    !vp.have)
		return json_null();
	return json_pack("{s:f, s:f, s:f, s:o}", "lat", vp.best.lat, "lon", vp.best.lon,
			 "accuracy_m", vp.best.accuracy, "at", req_time_json(vp.best.fix_at));
}

/* ---- where both were at the alert, and where they are now ---------------------------- */

static json_t *pos_json(const char *uid, int64_t at, double lat, double lon, double accuracy)
{
	return json_pack("{s:s, s:o, s:f, s:f, s:o}", "device", uid, "at", req_time_json(at), "lat",
			 lat, "lon", lon, "accuracy_m", isnan(accuracy) ? json_null() : json_real(accuracy));
}

struct positions {
	struct req *r;
	int64_t at;          /* the moment: the alert's decision; 0 for now */
	bool victim_allowed;
	json_t *offender, *victim;
	int64_t offender_at, victim_at;
};

/* Keep the freshest position of each role. */
static void keep(struct positions *ps, const char *role, const char *uid, int64_t at, double lat,
		 double lon, double accuracy)
{
	bool suspect = !strcmp(role, "suspect");
	json_t **slot = suspect ? &ps->offender : &ps->victim;
	int64_t *slot_at = suspect ? &ps->offender_at : &ps->victim_at;

	if (!suspect && !ps->victim_allowed)
		return;
	if (*slot && *slot_at >= at)
		return;
	json_decref(*slot);
	*slot = pos_json(uid, at, lat, lon, accuracy);
	*slot_at = at;
}

static int keep_last(const struct fix *f, void *arg)
{
	*(struct fix *)arg = *f;
	return 0;
}

/* A device's last fix at or before at and not before from: 1, 0 or negative.
 * Read through the store's fix reader (positions are sealed at rest),
 * widening the window so that a busy device is not read whole. */
static int fix_at(db *d, int64_t device_id, int64_t from, int64_t at, struct fix *out)
{
	static const int64_t windows[] = { 60000, 5 * 60000, 30 * 60000 };

	for (size_t i = 0; i < sizeof windows / sizeof windows[0]; i++) {
		int64_t lo = at - windows[i] > from ? at - windows[i] : from;
		int rc;

		out->at = 0;
		rc = fix_each_between(d, device_id, lo, at, 5000, keep_last, out);
		if (rc < 0)
			return rc;
		if (out->at)
			return 1;
		if (lo == from)
			break;
	}
	return 0;
}

static int add_position(const struct assignment *as, void *arg)
{
	struct positions *ps = arg;
	struct device dv;

	if (device_get_by_id(ps->r->db, as->device_id, &dv) != 1)
		return 0;
	if (ps->at) {
		/* his (or her) last fix before the decision, within the watch, at
		 * most half an hour old: older says nothing of that moment */
		int64_t from = ps->at - 30 * 60000;
		struct fix f;

		if (from < as->starts_at)
			from = as->starts_at;
		if (fix_at(ps->r->db, as->device_id, from, ps->at, &f) == 1)
			keep(ps, as->role, dv.uid, f.at, f.lat, f.lon, f.accuracy);
	} else {
		struct device_live live;

		if (node_device_live(ps->r->v->node, ps->r->db, as->device_id, &live) && live.have_fix &&
		    live.fix_at >= as->starts_at)
			keep(ps, as->role, dv.uid, live.fix_at, live.lat, live.lon, live.accuracy);
	}
	return 0;
}

/*
 * Both people at the moment the alert was decided and now, apart: a
 * proximity alert "50 m inside" is about where they both were then, while
 * her live marker may be a kilometre on.  Hers only to the roles that
 * protect her, and only while the alert is worked.
 */
static json_t *positions_json(struct req *r, const struct alert *a, int *rc)
{
	bool victim_allowed = access_sees_victim_location(r->who.role) && strcmp(a->state, "resolved");
	int64_t at = a->decided_at ? a->decided_at : a->fix_at ? a->fix_at : a->opened_at;
	struct positions then = { r, at, victim_allowed, NULL, NULL, 0, 0 };
	struct positions now = { r, 0, victim_allowed, NULL, NULL, 0, 0 };
	json_t *o;

	*rc = assignment_each_current(r->db, a->case_id, at, add_position, &then);
	if (*rc >= 0)
		*rc = assignment_each_current(r->db, a->case_id, clock_now_ms(), add_position, &now);
	o = json_pack("{s:{s:o, s:o}, s:{s:o}}", "at_alert", "at", req_time_json(at), "offender",
		      then.offender ? then.offender : json_null(), "now", "offender",
		      now.offender ? now.offender : json_null());
	if (victim_allowed) {
		json_object_set_new(json_object_get(o, "at_alert"), "victim",
				    then.victim ? then.victim : json_null());
		json_object_set_new(json_object_get(o, "now"), "victim",
				    now.victim ? now.victim : json_null());
	} else {
		json_decref(then.victim);
		json_decref(now.victim);
	}
	return o;
}

void api_alert_get(struct req *r)
{
	struct ops_ctx x;
	struct alert a;
	json_t *o, *trail;
	int64_t at;
	int rc = 0, rc2 = 0;

	/* the alert, its trail, notifications, steps and positions: one state
	 * of the records */
	if (alert_read(r, &x, &a) < 0)
		return;
	trail = json_array();
	o = alert_json(r->db, &a, access_sees_victim_location(r->who.role));
	/* the trail of fixes around it: 15 minutes before, 5 after */
	at = a.fix_at ? a.fix_at : a.opened_at;
	if (a.device_id && (!victim_position(&a, r->db) || access_sees_victim_location(r->who.role))) {
		/* the trail within the device's watch of this case only (the watch
		 * that was on when the alert was raised): before and after it, it
		 * watched someone else.  The fix that decided it is shown, whenever
		 * it was taken. */
		struct assignment as;
		int64_t from = at - 15 * 60000, to = at + 5 * 60000;

		if (assignment_covering(r->db, a.device_id, a.case_id, a.opened_at, &as) == 1) {
			int64_t start = as.starts_at < at ? as.starts_at : at;

			if (from < start)
				from = start;
			if (as.ends_at && to >= as.ends_at)
				to = as.ends_at - 1;
			if (fix_each_between(r->db, a.device_id, from, to, 500, add_trail, trail) ==
			    DB_SEALED) {
				/* the fixes that open are shown; the others are said */
				log_error("alert %lld: %s", (long long)a.id, db_note(r->db));
				json_object_set_new(o, "trail_error",
						    json_string("some of the trail's sealed positions cannot "
								"be opened (altered in the database?): "
								"they are left out"));
			}
		}
	}
	json_object_set_new(o, "trail", trail);
	json_object_set_new(o, "notifications", notifications_json(r->db, a.id, &rc));
	json_object_set_new(o, "victim_warning", api_warning_json(r->db, a.id));
	{
		json_t *steps = json_array(), *protocol = json_array();
		const struct alert_kind *k = alert_kind_find(a.kind);

		if (rc >= 0)
			rc = alert_event_each_of(r->db, a.id, add_step, steps);
		json_object_set_new(o, "steps", steps);
		/* what the desk does for this kind of alert (core/alertkind.c) */
		for (int i = 0; k->steps[i]; i++)
			json_array_append_new(protocol, json_string(k->steps[i]));
		json_object_set_new(o, "response_steps", protocol);
	}
	/* where she is, only to the roles that protect her, and only while the
	 * alert is being worked */
	if (access_sees_victim_location(r->who.role) && strcmp(a.state, "resolved") != 0)
		json_object_set_new(o, "victim_position", victim_position_json(r, a.case_id));
	json_object_set_new(o, "positions", positions_json(r, &a, &rc2));
	alert_free(&a);
	api_read_end(r, &x);
	/* a part of the page that could not be read fails the page: a desk
	 * must not act on half of it */
	if (rc < 0 || rc2 < 0) {
		json_decref(o);
		req_fail_db(r, rc < 0 ? rc : rc2);
		return;
	}
	req_reply(r, 200, o);
}

static void transition(struct req *r, const char *to)
{
	static const char *const fields[] = { "version", "note", "outcome", NULL };
	struct ops_alert_move in = { .to = to };
	const char *breach;
	struct ops_ctx x;
	struct alert a;
	int64_t id;
	json_t *out;

	if (req_body_only(r, fields) < 0 ||
	    req_body_int(r, "version", false, 1, INT64_MAX, &in.version, NULL) < 0 ||
	    req_body_str(r, "note", !strcmp(to, "resolved"), TEXT_MAX, &in.note) < 0 ||
	    req_body_str(r, "outcome", !strcmp(to, "resolved"), 32, &in.outcome) < 0)
		return;
	if (in.outcome && !case_vocab_has(api_alert_outcomes, in.outcome)) {
		req_fail(r, 400, "bad_request", "outcome",
			 "outcome must be breach_confirmed, false_alarm or technical");
		return;
	}
	if (in.outcome && strcmp(to, "resolved")) {
		req_fail(r, 400, "bad_request", "outcome", "an outcome is given when resolving");
		return;
	}
	if (alert_id(r, &id) < 0)
		return;
	api_ops_begin(r, &x, 200);
	if (api_ops_end(r, &x, ops_alert_move(&x, id, &in, &a, &breach)) < 0)
		return;
	out = alert_json(r->db, &a, access_sees_victim_location(r->who.role));
	if (breach)
		json_object_set_new(out, "breach", json_string(breach));
	req_reply(r, 200, out);
	alert_free(&a);
}

void api_alert_acknowledge(struct req *r)
{
	transition(r, "acknowledged");
}

void api_alert_dispatch(struct req *r)
{
	transition(r, "dispatched");
}

void api_alert_resolve(struct req *r)
{
	transition(r, "resolved");
}

/*
 * POST /api/v1/alerts/{id}/steps {"step": "called_victim"|"called_offender"}:
 * a step of the response protocol, with its time, on an unresolved alert.
 */
void api_alert_step(struct req *r)
{
	static const char *const fields[] = { "step", NULL };
	const char *step;
	struct ops_ctx x;
	int64_t id, ev;

	if (req_body_only(r, fields) < 0 || req_body_str(r, "step", true, 32, &step) < 0)
		return;
	if (!case_vocab_has(api_alert_steps, step)) {
		req_fail(r, 400, "bad_request", "step",
			 "step must be called_victim or called_offender (sending the police is "
			 "POST /api/v1/alerts/{id}/dispatch)");
		return;
	}
	if (alert_id(r, &id) < 0)
		return;
	api_ops_begin(r, &x, 201);
	ev = ops_alert_step(&x, id, step);
	if (api_ops_end(r, &x, ev < 0 ? (int)ev : 0) == 0)
		req_reply(r, 201, json_pack("{s:I, s:I, s:s, s:o}", "alert", (json_int_t)id, "event_id",
					    (json_int_t)ev, "step", step, "at", req_time_json(x.now)));
}

int api_last_event_id(struct req *r, int64_t *last)
{
	const char *hdr = req_header(r, "Last-Event-ID"), *q = req_query(r, "last_event_id");
	const char *from = hdr ? hdr : q;
	char *end;

	*last = -1;
	if (from) {
		errno = 0;
		*last = strtoll(from, &end, 10);
		if (errno || end == from || *end || *last < 0) {
			req_fail(r, 400, "bad_request", "Last-Event-ID",
				 "Last-Event-ID must be an event id (a whole number from 0)");
			return -1;
		}
	}
	return 0;
}

void api_alerts_stream(struct req *r)
{
	int64_t last;

	if (api_last_event_id(r, &last) < 0)
		return;
	if (last < 0)
		last = stream_latest(r->v->stream); /* a new client: from now on */
	req_audit_detail(r, "stream from event %lld", (long long)last);
	/* its rights are checked again at every event (http/stream.h) */
	stream_attach(r->v->stream, r, last, PERM_ALERTS);
}
