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
#include "ops/orders.h"
#include "store/cases.h"
#include "store/orders.h"
#include "vigil.h"

#define TEXT_MAX 4000
#define MAX_CONDITIONS 20
#define MAX_EVIDENCE 50
#define ENDING_DAYS 30

const char *const api_breach_outcomes[] = { "under_investigation", "charged", "convicted",
					       "acquitted", "no_further_action", NULL };

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
	req_read(vc->r, breaches_each(vc->r->db, o->case_id, o->id, add_breach, breaches));
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
static json_t *orders_json(struct req *r, const struct case_record *c, int *err)
{
	struct view_ctx vc = { r, json_array(), !access_sees_victim_location(r->who.role), 0 };

	req_read(r, orders_each(r->db, c->id, add_order, &vc));
	if (vc.err) {
		json_decref(vc.arr);
		*err = DB_SEALED;
		return NULL;
	}
	return json_pack("{s:s, s:o}", "ref", c->ref, "orders", vc.arr);
}

/* The view of one order, for the answers to writes; NULL as above. */
static json_t *one_order_json(struct req *r, const struct case_record *c, int64_t id)
{
	struct view_ctx vc = { r, json_array(), !access_sees_victim_location(r->who.role), 0 };
	json_t *out = NULL;

	req_read(r, order_get(r->db, c->id, id, add_order, &vc));
	if (!vc.err)
		out = json_pack("{s:s, s:O}", "ref", c->ref, "order", json_array_get(vc.arr, 0));
	json_decref(vc.arr);
	return out;
}

/* The answer hook of an operation that answers with one order. */
struct order_answer {
	struct req *r;
	int status;
	struct case_record c;
	int64_t order;
	int64_t breach; /* a breach recorded: its id in the answer too */
};

static int answer_order(struct ops_ctx *x, void *arg)
{
	struct order_answer *a = arg;
	json_t *o = one_order_json(a->r, &a->c, a->order);

	if (!o)
		return ops_fail_db(x, DB_SEALED);
	if (a->breach)
		json_object_set_new(o, "breach_id", json_integer(a->breach));
	return api_answer(x, a->r, a->status, o);
}

static void order_call(struct req *r, struct ops_ctx *x, struct order_answer *a, int status)
{
	memset(a, 0, sizeof *a);
	a->r = r;
	a->status = status;
	api_ops_answer(r, x, status, answer_order, a);
}

void api_orders_list(struct req *r)
{
	api_case_page(r, orders_json);
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

static int parse_conditions(struct req *r, json_t *arr, struct cond_buf *b)
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
	json_array_foreach(arr, i, o) {
		struct order_condition_row *c = &b->c[b->n];
		bool has;

		memset(c, 0, sizeof *c);
		c->radius_m = c->warning_m = c->distance_m = -1;
		snprintf(where, sizeof where, "conditions[%zu]", i);
		if (api_obj(r, o, where, keys) < 0)
			return -1;
		snprintf(field, sizeof field, "%s.kind", where);
		if (req_obj_str(r, o, "kind", field, true, 32, &c->kind) < 0 ||
		    api_vocab(r, field, c->kind, order_condition_kinds) < 0)
			return -1;
		snprintf(field, sizeof field, "%s.detail", where);
		if (req_obj_str(r, o, "detail", field,
				strcmp(c->kind, "attend_programme") == 0 || strcmp(c->kind, "other") == 0,
				TEXT_MAX, &c->detail) < 0)
			return -1;
		snprintf(field, sizeof field, "%s.radius_m", where);
		if (req_obj_int(r, o, "radius_m", field, false, 0, 1000000, &c->radius_m, &has) < 0)
			return -1;
		snprintf(field, sizeof field, "%s.warning_m", where);
		if (req_obj_int(r, o, "warning_m", field, false, 0, 1000000, &c->warning_m, &has) < 0)
			return -1;
		snprintf(field, sizeof field, "%s.distance_m", where);
		if (req_obj_int(r, o, "distance_m", field, strcmp(c->kind, "keep_away") == 0, 1,
				100000, &c->distance_m, &has) < 0)
			return -1;
		if (has && strcmp(c->kind, "keep_away") != 0) {
			req_fail(r, 400, "bad_request", field, "%s is for a keep_away condition", field);
			return -1;
		}
		snprintf(field, sizeof field, "%s.starts_at", where);
		if (req_obj_time(r, o, "starts_at", field, false, &c->starts_at, NULL) < 0)
			return -1;
		snprintf(field, sizeof field, "%s.ends_at", where);
		if (req_obj_time(r, o, "ends_at", field, false, &c->ends_at, NULL) < 0)
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

/* The fields of an order body into in: each given sets its OPS_ORDER_ bit
 * (a null ends_at too: no end). */
static int parse_order(struct req *r, struct ops_order *in)
{
	static const struct {
		const char *name;
		unsigned field;
		size_t max;
		size_t off;
	} texts[] = {
		{ "reference", OPS_ORDER_REFERENCE, 100, offsetof(struct order_row, reference) },
		{ "court", OPS_ORDER_COURT, 200, offsetof(struct order_row, court) },
		{ "notes", OPS_ORDER_NOTES, TEXT_MAX, offsetof(struct order_row, notes) },
	};
	static const struct {
		const char *name;
		unsigned field;
		size_t off;
	} times[] = {
		{ "applied_at", OPS_ORDER_APPLIED, offsetof(struct order_row, applied_at) },
		{ "granted_at", OPS_ORDER_GRANTED, offsetof(struct order_row, granted_at) },
		{ "served_at", OPS_ORDER_SERVED, offsetof(struct order_row, served_at) },
		{ "starts_at", OPS_ORDER_STARTS, offsetof(struct order_row, starts_at) },
		{ "ends_at", OPS_ORDER_ENDS, offsetof(struct order_row, ends_at) },
		{ "notified_at", OPS_ORDER_NOTIFIED, offsetof(struct order_row, notified_at) },
	};
	char *o = (char *)&in->o;
	int ufo = -1;

	for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
		const char **v = (const char **)(void *)(o + texts[i].off);

		if (req_body_str(r, texts[i].name, false, texts[i].max, v) < 0)
			return -1;
		if (*v)
			in->given |= texts[i].field;
	}
	for (size_t i = 0; i < sizeof times / sizeof times[0]; i++) {
		bool present;

		if (req_body_time(r, times[i].name, false, (int64_t *)(void *)(o + times[i].off),
				  &present) < 0)
			return -1;
		if (present)
			in->given |= times[i].field;
	}
	if (json_is_null(json_object_get(r->body, "ends_at")))
		in->given |= OPS_ORDER_ENDS; /* null: no end (until further order) */
	if (req_body_bool(r, "until_further_order", false, &ufo) < 0)
		return -1;
	if (ufo >= 0) {
		in->o.until_further_order = ufo;
		in->given |= OPS_ORDER_UFO;
	}
	return 0;
}

/* The conditions of an order body into b and in. */
static int parse_order_conditions(struct req *r, struct ops_order *in, struct cond_buf *b)
{
	json_t *jc = json_object_get(r->body, "conditions");

	if (!jc || json_is_null(jc))
		return 0;
	if (parse_conditions(r, jc, b) < 0)
		return -1;
	in->given |= OPS_ORDER_CONDITIONS;
	in->conditions = b->c;
	in->nconditions = b->n;
	return 0;
}

/* ---- POST /api/v1/cases/{ref}/orders ------------------------------------------------ */

void api_orders_create(struct req *r)
{
	static const char *const fields[] = { "kind", "status", "reference", "court", "applied_at",
					      "granted_at", "served_at", "starts_at", "ends_at",
					      "until_further_order", "notified_at", "notes",
					      "conditions", NULL };
	struct cond_buf cb = { 0 };
	struct ops_order in = { 0 };
	struct order_answer a;
	struct ops_ctx x;

	if (req_body_required(r) < 0 || req_body_only(r, fields) < 0 ||
	    req_body_str(r, "kind", true, 32, &in.o.kind) < 0 ||
	    api_vocab(r, "kind", in.o.kind, order_kinds) < 0 ||
	    req_body_str(r, "status", false, 16, &in.o.status) < 0 ||
	    (in.o.status && api_vocab(r, "status", in.o.status, order_statuses) < 0) ||
	    parse_order(r, &in) < 0 || parse_order_conditions(r, &in, &cb) < 0)
		goto out;
	order_call(r, &x, &a, 201);
	api_ops_end(r, &x, ops_order_record(&x, req_param(r, "ref"), &in, &a.c, &a.order));
	case_record_free(&a.c);
out:
	cond_buf_free(&cb);
}

/* ---- PATCH /api/v1/cases/{ref}/orders/{id} ------------------------------------------- */

void api_order_update(struct req *r)
{
	static const char *const fields[] = { "version", "status", "reference", "court",
					      "applied_at", "granted_at", "served_at", "starts_at",
					      "ends_at", "until_further_order", "notified_at", "notes",
					      "conditions", NULL };
	struct cond_buf cb = { 0 };
	struct ops_order in = { 0 };
	struct order_answer a;
	struct ops_ctx x;
	int64_t id;

	if (req_param_id(r, "id", "order", &id) < 0)
		return;
	if (api_body_version(r, fields, &in.version) < 0 ||
	    req_body_str(r, "status", false, 16, &in.o.status) < 0 ||
	    (in.o.status && api_vocab(r, "status", in.o.status, order_statuses) < 0) ||
	    parse_order(r, &in) < 0 || parse_order_conditions(r, &in, &cb) < 0)
		goto out;
	if (in.o.status)
		in.given |= OPS_ORDER_STATUS;
	order_call(r, &x, &a, 200);
	a.order = id;
	api_ops_end(r, &x, ops_order_change(&x, req_param(r, "ref"), id, &in, &a.c));
	case_record_free(&a.c);
out:
	cond_buf_free(&cb);
}

/* ---- breaches ------------------------------------------------------------------- */

/* evidence {"incidents": [seq], "alerts": [id], "trail": {"from", "to"}} as
 * stored text (caller frees), its incidents into in; NULL after a 400. */
static char *parse_evidence(struct req *r, struct ops_breach *in, int64_t *incidents)
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
		if (req_obj_only(r, e, "evidence", keys) < 0)
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
				if (k == 0)
					incidents[in->nincidents++] = json_integer_value(it);
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
			if (req_obj_only(r, t, "evidence.trail", tkeys) < 0 ||
			    req_obj_time(r, t, "from", "evidence.trail.from", true, &from, NULL) < 0 ||
			    req_obj_time(r, t, "to", "evidence.trail.to", true, &to, NULL) < 0)
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
	struct ops_breach in = { 0 };
	struct order_answer a;
	struct ops_ctx x;
	int64_t id, incidents[MAX_EVIDENCE];
	char *evidence;

	if (req_param_id(r, "id", "order", &id) < 0)
		return;
	if (req_body_required(r) < 0 || req_body_only(r, fields) < 0 ||
	    req_body_time(r, "occurred_at", true, &in.occurred_at, NULL) < 0 ||
	    req_body_str(r, "description", true, TEXT_MAX, &in.description) < 0)
		return;
	evidence = parse_evidence(r, &in, incidents);
	if (!evidence)
		return;
	in.evidence = evidence;
	in.incidents = incidents;
	order_call(r, &x, &a, 201);
	a.order = id;
	api_ops_end(r, &x, ops_breach_record(&x, req_param(r, "ref"), id, &in, &a.c, &a.breach));
	case_record_free(&a.c);
	free(evidence);
}

void api_breach_update(struct req *r)
{
	static const char *const fields[] = { "version", "crime_reference", "outcome", NULL };
	struct order_answer a;
	struct ops_ctx x;
	const char *ref, *outcome;
	int64_t version, id;

	if (req_param_id(r, "id", "breach", &id) < 0)
		return;
	if (api_body_version(r, fields, &version) < 0 ||
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
	order_call(r, &x, &a, 200);
	api_ops_end(r, &x,
		    ops_breach_change(&x, req_param(r, "ref"), id, version, ref, outcome, &a.c,
				      &a.order));
	case_record_free(&a.c);
}
