/*
 * orders — protective orders and breaches:
 * GET/POST /api/v1/cases/{ref}/orders, PATCH .../orders/{id},
 * POST .../orders/{id}/breaches, PATCH .../breaches/{id}.
 *
 * The terms each kind may have are core/order.c's (a fixed-term full SPO
 * lasts at least two years; a Police Information Notice is only history).
 * Granting an order, or changing a granted one, opens a task to tell the
 * victim.  A served SPO carries the subject's three days to notify his name
 * and address: when they pass with no notification a task is raised (at once
 * if the order is recorded late, else by the housekeeping sweep), and
 * recording the notification closes it.  A breach creates its linked
 * incident, a crime-record task and a review due now (store/orders.c);
 * recording the crime reference closes the task.
 *
 * Exclusion zones are drawn around the victim's places: their geometry is
 * shown only to the roles that may see where she lives.
 */
#include "api/api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "core/order.h"
#include "http/request.h"
#include "store/cases.h"
#include "store/incidents.h"
#include "store/orders.h"
#include "store/tasks.h"
#include "vigil.h"

#define TEXT_MAX 4000
#define SKEW_MS (5 * 60 * 1000)
#define MAX_CONDITIONS 20
#define MAX_EVIDENCE 50
#define ENDING_DAYS 30

const char *const api_breach_outcomes[] = { "under_investigation", "charged", "convicted",
					       "acquitted", "no_further_action", NULL };

static int64_t parse_id(const char *s)
{
	char *end;
	long long v = strtoll(s, &end, 10);

	return *end || v <= 0 ? 0 : (int64_t)v;
}

/* ---- views ---------------------------------------------------------------------- */

struct view_ctx {
	struct req *r;
	json_t *arr;
	bool withhold_zone;
	int err; /* a condition's sealed zone or detail would not open */
};

static int add_condition(const struct order_condition_row *c, void *arg)
{
	struct view_ctx *vc = arg;
	json_t *o = json_pack("{s:I, s:s, s:s?, s:o, s:o}", "id", (json_int_t)c->id, "kind", c->kind,
			      "detail", c->detail, "starts_at", req_time_json(c->starts_at),
			      "ends_at", req_time_json(c->ends_at));

	if (c->distance_m >= 0)
		json_object_set_new(o, "distance_m", json_integer(c->distance_m));
	if (c->zone && vc->withhold_zone) {
		json_object_set_new(o, "zone_withheld", json_true());
	} else if (c->zone) {
		json_object_set_new(o, "zone", json_loads(c->zone, 0, NULL));
		if (c->radius_m >= 0)
			json_object_set_new(o, "radius_m", json_integer(c->radius_m));
		if (c->warning_m >= 0)
			json_object_set_new(o, "warning_m", json_integer(c->warning_m));
	}
	json_array_append_new(vc->arr, o);
	return 0;
}

static json_t *breach_json(const struct breach_row *b)
{
	return json_pack("{s:I, s:I, s:o, s:s, s:o, s:o, s:{s:I, s:I}, s:s?, s:o, s:b, s:s?, s:s,"
			 " s:o, s:I}",
			 "id", (json_int_t)b->id, "order_id", (json_int_t)b->order_id, "occurred_at",
			 req_time_json(b->occurred_at), "description", b->description, "evidence",
			 json_loads(b->evidence, 0, NULL), "alert_id",
			 b->alert_id ? json_integer(b->alert_id) : json_null(), "incident", "id",
			 (json_int_t)b->incident_id, "seq", (json_int_t)b->incident_seq,
			 "crime_reference", b->crime_reference, "crime_recorded_at",
			 req_time_json(b->crime_recorded_at), "crime_recorded",
			 b->crime_reference != NULL, "outcome", b->outcome, "recorded_by",
			 b->recorded_by, "recorded_at", req_time_json(b->recorded_at), "version",
			 (json_int_t)b->version);
}

static int add_breach(const struct breach_row *b, void *arg)
{
	json_array_append_new(arg, breach_json(b));
	return 0;
}

static json_t *order_json(struct view_ctx *vc, const struct order_row *o)
{
	struct view_ctx cc = { vc->r, json_array(), vc->withhold_zone, 0 };
	json_t *breaches = json_array(), *duty = json_null(), *out;
	int64_t now = clock_now_ms();

	if (order_conditions_each(vc->r->db, o->id, add_condition, &cc) == DB_SEALED)
		vc->err = DB_SEALED;
	breaches_each(vc->r->db, o->case_id, o->id, add_breach, breaches);
	if (order_kind_is_spo(o->kind) && o->served_at)
		duty = json_pack("{s:o, s:o, s:b}", "deadline", req_time_json(o->notify_deadline),
				 "notified_at", req_time_json(o->notified_at), "missed",
				 order_notify_missed(o->notify_deadline, o->notified_at, now));
	out = json_pack("{s:I, s:s, s:s?, s:s, s:b, s:b, s:s?, s:s?, s:o, s:o, s:o, s:o, s:o, s:b,"
			" s:o, s:s?, s:o, s:o, s:s, s:o, s:o, s:I}",
			"id", (json_int_t)o->id, "kind", o->kind, "title", order_kind_title(o->kind),
			"status", o->status, "in_force",
			strcmp(o->kind, "pin_historic") != 0 &&
				order_in_force(o->status, o->starts_at, o->ends_at, now),
			"ending_soon",
			order_ends_within(o->status, o->starts_at, o->ends_at, now, ENDING_DAYS),
			"reference", o->reference, "court", o->court, "applied_at",
			req_time_json(o->applied_at), "granted_at", req_time_json(o->granted_at),
			"served_at", req_time_json(o->served_at), "starts_at",
			req_time_json(o->starts_at), "ends_at", req_time_json(o->ends_at),
			"until_further_order", o->until_further_order, "duty_to_notify", duty, "notes",
			o->notes, "conditions", cc.arr, "breaches", breaches, "created_by",
			o->created_by, "created_at", req_time_json(o->created_at), "updated_at",
			req_time_json(o->updated_at), "version", (json_int_t)o->version);
	{
		/* the statuses it may move to (core/order.c), so a form offers
		 * only those */
		json_t *next = json_array();
		char why[200];

		for (int i = 0; order_statuses[i]; i++)
			if (strcmp(order_statuses[i], o->status) != 0 &&
			    order_status_move(o->status, order_statuses[i], why, sizeof why) == 0)
				json_array_append_new(next, json_string(order_statuses[i]));
		json_object_set_new(out, "allowed_next", next);
	}
	return out;
}

static int add_order(const struct order_row *o, void *arg)
{
	struct view_ctx *vc = arg;

	json_array_append_new(vc->arr, order_json(vc, o));
	return 0;
}

/* The case's orders; NULL when a condition's sealed value would not open. */
static json_t *orders_json(struct req *r, const struct case_record *c)
{
	struct view_ctx vc = { r, json_array(), !access_sees_victim_location(r->who.role), 0 };

	orders_each(r->db, c->id, add_order, &vc);
	if (vc.err) {
		json_decref(vc.arr);
		return NULL;
	}
	return json_pack("{s:s, s:o}", "ref", c->ref, "orders", vc.arr);
}

/* The view of one order, for the answers to writes; NULL as above. */
static json_t *one_order_json(struct req *r, const struct case_record *c, int64_t id)
{
	struct view_ctx vc = { r, json_array(), !access_sees_victim_location(r->who.role), 0 };
	json_t *out = NULL;

	order_get(r->db, c->id, id, add_order, &vc);
	if (!vc.err)
		out = json_pack("{s:s, s:O}", "ref", c->ref, "order", json_array_get(vc.arr, 0));
	json_decref(vc.arr);
	return out;
}

/* Answer with one order and commit the request's transaction; a sealed
 * value that would not open fails it instead. */
static int reply_order(struct req *r, int status, const struct case_record *c, int64_t id)
{
	json_t *o = one_order_json(r, c, id);

	if (!o) {
		req_tx_rollback(r);
		req_fail_db(r, DB_SEALED);
		return -1;
	}
	req_reply(r, status, o);
	return 0;
}

void api_orders_list(struct req *r)
{
	struct case_record c;
	json_t *o;

	if (api_case_load(r, &c) < 0)
		return;
	o = orders_json(r, &c);
	if (o)
		req_reply(r, 200, o);
	else
		req_fail_db(r, DB_SEALED);
	case_record_free(&c);
}

/* ---- input ---------------------------------------------------------------------- */

struct cond_buf {
	struct order_condition_row c[MAX_CONDITIONS];
	char *zone[MAX_CONDITIONS]; /* owned JSON text */
	int n;
};

static void cond_buf_free(struct cond_buf *b)
{
	for (int i = 0; i < b->n; i++)
		free(b->zone[i]);
	b->n = 0;
}

static int parse_conditions(struct req *r, json_t *arr, const char *kind, struct cond_buf *b)
{
	static const char *const keys[] = { "kind", "detail", "zone", "radius_m", "warning_m",
					    "distance_m", "starts_at", "ends_at", NULL };
	char where[40], field[160], why[300], zf[80];
	size_t i;
	json_t *o;

	if (!json_is_array(arr) || json_array_size(arr) > MAX_CONDITIONS) {
		req_fail(r, 400, "bad_request", "conditions",
			 "conditions must be a list of at most %d {\"kind\", ...}", MAX_CONDITIONS);
		return -1;
	}
	if (json_array_size(arr) && strcmp(kind, "pin_historic") == 0) {
		req_fail(r, 400, "bad_request", "conditions",
			 "a Police Information Notice has no conditions");
		return -1;
	}
	json_array_foreach(arr, i, o) {
		struct order_condition_row *c = &b->c[b->n];
		bool has;

		memset(c, 0, sizeof *c);
		c->radius_m = c->warning_m = c->distance_m = -1;
		snprintf(where, sizeof where, "conditions[%zu]", i);
		if (!json_is_object(o)) {
			req_fail(r, 400, "bad_request", where, "%s must be an object", where);
			return -1;
		}
		if (api_obj_only(r, o, where, keys) < 0)
			return -1;
		snprintf(field, sizeof field, "%s.kind", where);
		if (api_obj_str(r, o, "kind", field, true, 32, &c->kind) < 0 ||
		    api_vocab(r, field, c->kind, order_condition_kinds) < 0)
			return -1;
		snprintf(field, sizeof field, "%s.detail", where);
		if (api_obj_str(r, o, "detail", field,
				strcmp(c->kind, "attend_programme") == 0 || strcmp(c->kind, "other") == 0,
				TEXT_MAX, &c->detail) < 0)
			return -1;
		snprintf(field, sizeof field, "%s.radius_m", where);
		if (api_obj_int(r, o, "radius_m", field, false, 0, 1000000, &c->radius_m, &has) < 0)
			return -1;
		snprintf(field, sizeof field, "%s.warning_m", where);
		if (api_obj_int(r, o, "warning_m", field, false, 0, 1000000, &c->warning_m, &has) < 0)
			return -1;
		snprintf(field, sizeof field, "%s.distance_m", where);
		if (api_obj_int(r, o, "distance_m", field, strcmp(c->kind, "keep_away") == 0, 1,
				100000, &c->distance_m, &has) < 0)
			return -1;
		if (has && strcmp(c->kind, "keep_away") != 0) {
			req_fail(r, 400, "bad_request", field, "%s is for a keep_away condition", field);
			return -1;
		}
		snprintf(field, sizeof field, "%s.starts_at", where);
		if (api_obj_time(r, o, "starts_at", field, false, &c->starts_at, NULL) < 0)
			return -1;
		snprintf(field, sizeof field, "%s.ends_at", where);
		if (api_obj_time(r, o, "ends_at", field, false, &c->ends_at, NULL) < 0)
			return -1;
		if (c->starts_at && c->ends_at && c->ends_at <= c->starts_at) {
			req_fail(r, 400, "bad_request", field, "%s is not after its start", field);
			return -1;
		}
		if (strcmp(c->kind, "exclusion_zone") == 0) {
			json_t *z = json_object_get(o, "zone");

			if (order_zone_check(z, c->radius_m, c->warning_m, zf, sizeof zf, why,
					     sizeof why) < 0) {
				snprintf(field, sizeof field, "%s.%s", where, zf);
				req_fail(r, 400, "bad_request", field, "%s: %s", where, why);
				return -1;
			}
			b->zone[b->n] = json_dumps(z, JSON_COMPACT);
			c->zone = b->zone[b->n];
		} else if (json_object_get(o, "zone") || c->radius_m >= 0 || c->warning_m >= 0) {
			req_fail(r, 400, "bad_request", where,
				 "%s: a zone (and its radius_m, warning_m) is for an exclusion_zone", where);
			return -1;
		}
		b->n++;
	}
	return 0;
}

/* The time fields of an order body into o (absent leaves them). */
static int parse_times(struct req *r, struct order_row *o)
{
	static const char *const names[] = { "applied_at", "granted_at", "served_at", "starts_at",
					     "ends_at", "notified_at" };
	int64_t *slots[] = { &o->applied_at, &o->granted_at, &o->served_at,
			     &o->starts_at,  &o->ends_at,    &o->notified_at };

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (req_body_time(r, names[i], false, slots[i], NULL) < 0)
			return -1;
	return 0;
}

/* The rules beyond core's terms: the notification, and dates not in the future. */
static int check_order(struct req *r, const struct case_record *c, struct order_row *o)
{
	struct order_terms t = { 0 };
	int64_t now = clock_now_ms();
	char field[40], why[400];

	if ((strcmp(o->status, "granted") == 0 || strcmp(o->status, "discharged") == 0) &&
	    !o->starts_at)
		o->starts_at = o->granted_at;
	t.kind = o->kind;
	t.status = o->status;
	t.applied_at = o->applied_at;
	t.granted_at = o->granted_at;
	t.served_at = o->served_at;
	t.starts_at = o->starts_at;
	t.ends_at = o->ends_at;
	t.until_further_order = o->until_further_order;
	t.reported_at = c->created_at;
	t.now = now + SKEW_MS;
	if (order_terms_check(&t, field, sizeof field, why, sizeof why) < 0) {
		req_fail(r, 400, "bad_request", field, "%s", why);
		return -1;
	}
	if (o->notified_at) {
		if (!order_kind_is_spo(o->kind) || !o->served_at) {
			req_fail(r, 400, "bad_request", "notified_at",
				 "notified_at records a served Stalking Protection Order's subject "
				 "notifying his name and address");
			return -1;
		}
		if (o->notified_at < o->served_at || o->notified_at > now + SKEW_MS) {
			req_fail(r, 400, "bad_request", "notified_at",
				 "notified_at is between the service of the order and now");
			return -1;
		}
	}
	o->notify_deadline = order_kind_is_spo(o->kind) ? order_notify_deadline(o->served_at) : 0;
	return 0;
}

static bool granted(const char *status)
{
	return strcmp(status, "granted") == 0;
}

/* What the victim is told of when an order is granted. */
static const char *grant_event(const char *kind)
{
	return strcmp(kind, "bail_conditions") == 0 ? "bail_conditions" : "order_granted";
}

/* After writing an order: the duty to notify, if its deadline has passed. */
static int duty_rule(struct req *r, const struct order_row *o)
{
	int64_t id;

	if (!granted(o->status) ||
	    !order_notify_missed(o->notify_deadline, o->notified_at, clock_now_ms()))
		return 0;
	id = order_duty_raise(r->db, o->case_id, o->id, o->notify_deadline);
	return id < 0 ? (int)id : 0;
}

/* ---- POST /api/v1/cases/{ref}/orders ------------------------------------------------ */

void api_orders_create(struct req *r)
{
	static const char *const fields[] = { "kind", "status", "reference", "court", "applied_at",
					      "granted_at", "served_at", "starts_at", "ends_at",
					      "until_further_order", "notified_at", "notes",
					      "conditions", NULL };
	struct cond_buf cb = { 0 };
	struct order_row o = { 0 };
	struct case_record c = { 0 };
	json_t *jc;
	int ufo = 0, rc;
	char detail[200];

	if (req_body_required(r) < 0 || req_body_only(r, fields) < 0 ||
	    req_body_str(r, "kind", true, 32, &o.kind) < 0 ||
	    api_vocab(r, "kind", o.kind, order_kinds) < 0 ||
	    req_body_str(r, "status", false, 16, &o.status) < 0 ||
	    (o.status && api_vocab(r, "status", o.status, order_statuses) < 0) ||
	    req_body_str(r, "reference", false, 100, &o.reference) < 0 ||
	    req_body_str(r, "court", false, 200, &o.court) < 0 || parse_times(r, &o) < 0 ||
	    req_body_bool(r, "until_further_order", false, &ufo) < 0 ||
	    req_body_str(r, "notes", false, TEXT_MAX, &o.notes) < 0)
		goto out;
	o.until_further_order = ufo;
	if (!o.status)
		o.status = strcmp(o.kind, "pin_historic") == 0 ? "granted" : "applied";
	if (strcmp(o.status, "discharged") == 0) {
		req_fail(r, 400, "bad_request", "status",
			 "record the order as granted, then discharge it");
		goto out;
	}
	jc = json_object_get(r->body, "conditions");
	if (jc && !json_is_null(jc) && parse_conditions(r, jc, o.kind, &cb) < 0)
		goto out;
	if (api_case_load(r, &c) < 0)
		goto out;
	if (check_order(r, &c, &o) < 0)
		goto out;
	o.case_id = c.id;
	if (req_tx_begin(r) < 0)
		goto out;
	o.id = order_insert(r->db, &o, r->who.user_id);
	rc = o.id < 0 ? (int)o.id : 0;
	for (int i = 0; rc >= 0 && i < cb.n; i++) {
		cb.c[i].order_id = o.id;
		rc = (int)order_condition_insert(r->db, &cb.c[i]);
	}
	snprintf(detail, sizeof detail, "order %lld: %s, %s", (long long)o.id, o.kind, o.status);
	if (rc >= 0)
		rc = case_event_add(r->db, c.id, r->who.user_id, r->who.username, "order", detail);
	if (rc >= 0 && granted(o.status) && strcmp(o.kind, "pin_historic") != 0)
		rc = api_notify_task_open(r, c.id, grant_event(o.kind), o.granted_at,
					  order_kind_title(o.kind), o.id);
	if (rc >= 0)
		rc = duty_rule(r, &o);
	if (rc < 0) {
		req_tx_rollback(r);
		req_fail_db(r, rc);
		goto out;
	}
	req_audit_detail(r, "%s", detail);
	if (reply_order(r, 201, &c, o.id) == 0)
		req_tx_commit(r);
out:
	cond_buf_free(&cb);
	case_record_free(&c);
}

/* ---- PATCH /api/v1/cases/{ref}/orders/{id} ------------------------------------------- */

struct order_keep {
	struct order_row o;
	char kind[32], status[16];
	char *reference, *court, *notes;
};

static int keep_order(const struct order_row *o, void *arg)
{
	struct order_keep *k = arg;

	k->o = *o;
	snprintf(k->kind, sizeof k->kind, "%s", o->kind);
	snprintf(k->status, sizeof k->status, "%s", o->status);
	k->reference = o->reference ? xstrdup(o->reference) : NULL;
	k->court = o->court ? xstrdup(o->court) : NULL;
	k->notes = o->notes ? xstrdup(o->notes) : NULL;
	k->o.kind = k->kind;
	k->o.status = k->status;
	k->o.reference = k->reference;
	k->o.court = k->court;
	k->o.notes = k->notes;
	k->o.created_by = NULL;
	return 1;
}

static void order_keep_free(struct order_keep *k)
{
	free(k->reference);
	free(k->court);
	free(k->notes);
}

void api_order_update(struct req *r)
{
	static const char *const fields[] = { "version", "status", "reference", "court",
					      "applied_at", "granted_at", "served_at", "starts_at",
					      "ends_at", "until_further_order", "notified_at", "notes",
					      "conditions", NULL };
	struct order_keep k = { 0 };
	struct cond_buf cb = { 0 };
	struct case_record c = { 0 };
	struct order_row o;
	const char *status = NULL, *s;
	int64_t version, id = parse_id(req_param(r, "id")), was_notified, was_served;
	json_t *jc = NULL;
	bool terms_changed = false, newly_granted;
	int ufo = -1, rc;
	char why[300], detail[200];

	if (!id) {
		req_fail(r, 404, "not_found", NULL, "there is no order '%s'", req_param(r, "id"));
		return;
	}
	if (req_body_required(r) < 0 || req_body_only(r, fields) < 0 ||
	    req_body_int(r, "version", true, 1, INT64_MAX, &version, NULL) < 0 ||
	    req_body_str(r, "status", false, 16, &status) < 0 ||
	    (status && api_vocab(r, "status", status, order_statuses) < 0))
		return;
	if (api_case_load(r, &c) < 0)
		return;
	rc = order_get(r->db, c.id, id, keep_order, &k);
	if (rc <= 0) {
		if (rc < 0)
			req_fail_db(r, rc);
		else
			req_fail(r, 404, "not_found", NULL, "case %s has no order %lld", c.ref,
				 (long long)id);
		goto out;
	}
	if (version != k.o.version) {
		api_stale(r, "order", version, k.o.version);
		goto out;
	}
	o = k.o;
	was_notified = o.notified_at;
	was_served = o.served_at;
	if (status && order_status_move(o.status, status, why, sizeof why) < 0) {
		req_fail(r, 409, "illegal_transition", "status", "%s", why);
		goto out;
	}
	newly_granted = status && granted(status) && !granted(o.status);
	if (status) {
		terms_changed = terms_changed || strcmp(status, o.status) != 0;
		o.status = status;
	}
	if (req_body_str(r, "reference", false, 100, &s) < 0)
		goto out;
	if (s)
		o.reference = s;
	if (req_body_str(r, "court", false, 200, &s) < 0)
		goto out;
	if (s)
		o.court = s;
	if (req_body_str(r, "notes", false, TEXT_MAX, &s) < 0)
		goto out;
	if (s)
		o.notes = s;
	{
		int64_t before[] = { o.starts_at, o.ends_at };

		if (parse_times(r, &o) < 0)
			goto out;
		if (json_is_null(json_object_get(r->body, "ends_at")))
			o.ends_at = 0; /* null: no end (until further order) */
		terms_changed = terms_changed || before[0] != o.starts_at || before[1] != o.ends_at;
	}
	if (req_body_bool(r, "until_further_order", false, &ufo) < 0)
		goto out;
	if (ufo >= 0) {
		terms_changed = terms_changed || o.until_further_order != (ufo == 1);
		o.until_further_order = ufo;
	}
	jc = json_object_get(r->body, "conditions");
	if (jc && !json_is_null(jc)) {
		if (parse_conditions(r, jc, o.kind, &cb) < 0)
			goto out;
		terms_changed = true;
	}
	if (check_order(r, &c, &o) < 0)
		goto out;
	if (req_tx_begin(r) < 0)
		goto out;
	rc = order_update(r->db, &o, version);
	if (rc == 0) {
		req_tx_rollback(r);
		api_stale(r, "order", version, version + 1);
		goto out;
	}
	if (rc >= 0 && jc && !json_is_null(jc)) {
		rc = order_conditions_clear(r->db, o.id);
		for (int i = 0; rc >= 0 && i < cb.n; i++) {
			cb.c[i].order_id = o.id;
			rc = (int)order_condition_insert(r->db, &cb.c[i]);
		}
	}
	snprintf(detail, sizeof detail, "order %lld: %s%s%s%s", (long long)o.id, o.status,
		 terms_changed ? ", terms changed" : "",
		 o.served_at && !was_served ? ", served" : "",
		 o.notified_at && !was_notified ? ", subject notified" : "");
	if (rc >= 0)
		rc = case_event_add(r->db, c.id, r->who.user_id, r->who.username, "order", detail);
	/* she is told when an order is granted, varied or discharged */
	if (rc >= 0 && strcmp(o.kind, "pin_historic") != 0) {
		if (newly_granted)
			rc = api_notify_task_open(r, c.id, grant_event(o.kind), o.granted_at,
						  order_kind_title(o.kind), o.id);
		else if (terms_changed && (granted(k.status) || strcmp(o.status, "discharged") == 0))
			rc = api_notify_task_open(r, c.id, "order_changed", clock_now_ms(),
						  order_kind_title(o.kind), o.id);
	}
	if (rc >= 0 && o.notified_at && !was_notified) {
		char key[40];

		snprintf(key, sizeof key, "duty:%lld", (long long)o.id);
		rc = case_task_done_by_key(r->db, key, r->who.user_id,
					   "the subject notified his name and address");
	}
	if (rc >= 0)
		rc = duty_rule(r, &o);
	if (rc < 0) {
		req_tx_rollback(r);
		req_fail_db(r, rc);
		goto out;
	}
	req_audit_detail(r, "%s", detail);
	if (reply_order(r, 200, &c, o.id) == 0)
		req_tx_commit(r);
out:
	cond_buf_free(&cb);
	order_keep_free(&k);
	case_record_free(&c);
}

/* ---- breaches ------------------------------------------------------------------- */

/* evidence {"incidents": [seq], "alerts": [id], "trail": {"from", "to"}} as
 * stored text (caller frees); NULL after a 400. */
static char *parse_evidence(struct req *r, int64_t case_id)
{
	static const char *const keys[] = { "incidents", "alerts", "trail", NULL };
	static const char *const tkeys[] = { "from", "to", NULL };
	json_t *e = json_object_get(r->body, "evidence"), *out, *inc = json_array(),
	       *al = json_array(), *trail = json_null();
	const char *lists[] = { "incidents", "alerts" };
	json_t *into[] = { inc, al };
	char field[60];
	char *text = NULL;

	if (e && !json_is_null(e)) {
		if (!json_is_object(e)) {
			req_fail(r, 400, "bad_request", "evidence",
				 "evidence must be {\"incidents\": [seq], \"alerts\": [id], "
				 "\"trail\": {\"from\", \"to\"}}");
			goto fail;
		}
		if (api_obj_only(r, e, "evidence", keys) < 0)
			goto fail;
		for (int k = 0; k < 2; k++) {
			json_t *a = json_object_get(e, lists[k]), *it;
			size_t i;

			if (!a || json_is_null(a))
				continue;
			if (!json_is_array(a) || json_array_size(a) > MAX_EVIDENCE) {
				snprintf(field, sizeof field, "evidence.%s", lists[k]);
				req_fail(r, 400, "bad_request", field, "%s must be a list of at most %d ids",
					 field, MAX_EVIDENCE);
				goto fail;
			}
			json_array_foreach(a, i, it) {
				snprintf(field, sizeof field, "evidence.%s[%zu]", lists[k], i);
				if (!json_is_integer(it) || json_integer_value(it) < 1) {
					req_fail(r, 400, "bad_request", field, "%s must be a number from 1",
						 field);
					goto fail;
				}
				if (k == 0) {
					int rc = incident_exists(r->db, case_id, json_integer_value(it));

					if (rc != 1) {
						if (rc < 0)
							req_fail_db(r, rc);
						else
							req_fail(r, 400, "bad_request", field,
								 "%s: the case has no incident %lld", field,
								 (long long)json_integer_value(it));
						goto fail;
					}
				}
				json_array_append(into[k], it);
			}
		}
		if (json_object_get(e, "trail") && !json_is_null(json_object_get(e, "trail"))) {
			json_t *t = json_object_get(e, "trail");
			int64_t from = 0, to = 0;

			if (!json_is_object(t)) {
				req_fail(r, 400, "bad_request", "evidence.trail",
					 "evidence.trail must be {\"from\", \"to\"}: the tag's positions "
					 "between them");
				goto fail;
			}
			if (api_obj_only(r, t, "evidence.trail", tkeys) < 0 ||
			    api_obj_time(r, t, "from", "evidence.trail.from", true, &from, NULL) < 0 ||
			    api_obj_time(r, t, "to", "evidence.trail.to", true, &to, NULL) < 0)
				goto fail;
			if (to <= from) {
				req_fail(r, 400, "bad_request", "evidence.trail.to",
					 "evidence.trail.to is not after from");
				goto fail;
			}
			trail = json_pack("{s:o, s:o}", "from", req_time_json(from), "to",
					  req_time_json(to));
		}
	}
	out = json_pack("{s:O, s:O, s:O}", "incidents", inc, "alerts", al, "trail", trail);
	text = json_dumps(out, JSON_COMPACT);
	json_decref(out);
fail:
	json_decref(inc);
	json_decref(al);
	json_decref(trail);
	return text;
}

void api_breaches_create(struct req *r)
{
	static const char *const fields[] = { "occurred_at", "description", "evidence", NULL };
	struct order_keep k = { 0 };
	struct case_record c = { 0 };
	struct breach_new b = { 0 };
	int64_t id = parse_id(req_param(r, "id")), now = clock_now_ms(), bid;
	char *evidence = NULL;
	int rc;

	if (!id) {
		req_fail(r, 404, "not_found", NULL, "there is no order '%s'", req_param(r, "id"));
		return;
	}
	if (req_body_required(r) < 0 || req_body_only(r, fields) < 0 ||
	    req_body_time(r, "occurred_at", true, &b.occurred_at, NULL) < 0 ||
	    req_body_str(r, "description", true, TEXT_MAX, &b.description) < 0)
		return;
	if (b.occurred_at > now + SKEW_MS) {
		req_fail(r, 400, "bad_request", "occurred_at", "occurred_at is in the future");
		return;
	}
	if (api_case_load(r, &c) < 0)
		return;
	rc = order_get(r->db, c.id, id, keep_order, &k);
	if (rc <= 0) {
		if (rc < 0)
			req_fail_db(r, rc);
		else
			req_fail(r, 404, "not_found", NULL, "case %s has no order %lld", c.ref,
				 (long long)id);
		goto out;
	}
	if (strcmp(k.o.kind, "pin_historic") == 0) {
		req_fail(r, 409, "conflict", NULL,
			 "a Police Information Notice is not an order: it cannot be breached (record "
			 "the conduct as an incident)");
		goto out;
	}
	if (!granted(k.o.status) && strcmp(k.o.status, "discharged") != 0) {
		req_fail(r, 409, "conflict", NULL, "order %lld was never granted (it is %s)",
			 (long long)id, k.o.status);
		goto out;
	}
	if (b.occurred_at < k.o.starts_at || (k.o.ends_at && b.occurred_at >= k.o.ends_at)) {
		req_fail(r, 400, "bad_request", "occurred_at",
			 "order %lld was not in force at occurred_at", (long long)id);
		goto out;
	}
	evidence = parse_evidence(r, c.id);
	if (!evidence)
		goto out;
	b.case_id = c.id;
	b.order_id = id;
	b.evidence = evidence;
	b.by = r->who.user_id;
	b.by_name = r->who.username;
	if (req_tx_begin(r) < 0)
		goto out;
	bid = breach_record(r->db, &b);
	if (bid < 0) {
		req_tx_rollback(r);
		req_fail_db(r, (int)bid);
		goto out;
	}
	req_audit_detail(r, "breach %lld of order %lld", (long long)bid, (long long)id);
	if (reply_order(r, 201, &c, id) == 0) {
		json_object_set_new(r->resp_json, "breach_id", json_integer(bid));
		req_tx_commit(r);
	}
out:
	free(evidence);
	order_keep_free(&k);
	case_record_free(&c);
}

struct breach_keep {
	int64_t order_id, version;
	bool recorded;
};

static int keep_breach(const struct breach_row *b, void *arg)
{
	struct breach_keep *k = arg;

	k->order_id = b->order_id;
	k->version = b->version;
	k->recorded = b->crime_reference != NULL;
	return 1;
}

void api_breach_update(struct req *r)
{
	static const char *const fields[] = { "version", "crime_reference", "outcome", NULL };
	struct breach_keep k = { 0 };
	struct case_record c = { 0 };
	const char *ref, *outcome;
	int64_t version, id = parse_id(req_param(r, "id"));
	int rc;

	if (!id) {
		req_fail(r, 404, "not_found", NULL, "there is no breach '%s'", req_param(r, "id"));
		return;
	}
	if (req_body_required(r) < 0 || req_body_only(r, fields) < 0 ||
	    req_body_int(r, "version", true, 1, INT64_MAX, &version, NULL) < 0 ||
	    req_body_str(r, "crime_reference", false, 64, &ref) < 0 ||
	    req_body_str(r, "outcome", false, 32, &outcome) < 0 ||
	    (outcome && api_vocab(r, "outcome", outcome, api_breach_outcomes) < 0))
		return;
	if (ref && !*ref) {
		req_fail(r, 400, "bad_request", "crime_reference", "crime_reference must not be empty");
		return;
	}
	if (!ref && !outcome) {
		req_fail(r, 400, "bad_request", NULL, "give a crime_reference, an outcome or both");
		return;
	}
	if (api_case_load(r, &c) < 0)
		return;
	rc = breach_get(r->db, c.id, id, keep_breach, &k);
	if (rc <= 0) {
		if (rc < 0)
			req_fail_db(r, rc);
		else
			req_fail(r, 404, "not_found", NULL, "case %s has no breach %lld", c.ref,
				 (long long)id);
		goto out;
	}
	if (version != k.version) {
		api_stale(r, "breach", version, k.version);
		goto out;
	}
	if (ref && k.recorded) {
		req_fail(r, 409, "conflict", "crime_reference",
			 "breach %lld is recorded as a crime already", (long long)id);
		goto out;
	}
	if (req_tx_begin(r) < 0)
		goto out;
	rc = breach_update(r->db, id, version, ref, outcome);
	if (rc == 0) {
		req_tx_rollback(r);
		api_stale(r, "breach", version, version + 1);
		goto out;
	}
	if (rc >= 0 && ref) {
		char key[40];

		snprintf(key, sizeof key, "crime:%lld", (long long)id);
		rc = case_task_done_by_key(r->db, key, r->who.user_id, ref);
		if (rc >= 0)
			rc = case_event_add(r->db, c.id, r->who.user_id, r->who.username,
					    "crime_recorded", ref);
	}
	if (rc >= 0 && outcome)
		rc = case_event_add(r->db, c.id, r->who.user_id, r->who.username, "breach_outcome",
				    outcome);
	if (rc < 0) {
		req_tx_rollback(r);
		req_fail_db(r, rc);
		goto out;
	}
	req_audit_detail(r, "breach %lld:%s%s", (long long)id, ref ? " crime recorded" : "",
			 outcome ? " outcome" : "");
	if (reply_order(r, 200, &c, k.order_id) == 0)
		req_tx_commit(r);
out:
	case_record_free(&c);
}
