/*
 * plans — the risk management plan of a case and its reviews:
 * GET/PUT /api/v1/cases/{ref}/plan, GET .../plan/versions,
 * POST .../plan/actions, PATCH .../plan/actions/{id},
 * POST/GET .../reviews.
 *
 * A case has one plan.  Every change to it (its summary, a suggestion taken
 * or refused, an action added or changed) is made from the version the
 * caller read (409 stale_version otherwise), bumps the version and keeps a
 * snapshot of the whole plan as that version, so `?version=N` shows the plan
 * as it stood.  Suggestions come from the suggestion table (plans/, loaded at
 * start: core/plan.c) for the case's risk level, typology and the latest
 * screen's yes items; the assessor accepts, edits or rejects each, once.
 *
 * Police roles make the plan; a clinician or an advocate may only move the
 * actions she owns (their status and reason).
 */
#include "api/api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "core/instrument.h"
#include "core/plan.h"
#include "http/request.h"
#include "ops/plans.h"
#include "store/cases.h"
#include "store/plans.h"
#include "vigil.h"

#define TEXT_MAX 4000
#define DAY_MS (24LL * 3600 * 1000)
#define MAX_DECISIONS 50

/* ---- views ------------------------------------------------------------------ */

static json_t *action_json(const struct plan_action_row *a, int64_t now)
{
	enum plan_action_status st = plan_action_status_parse(a->status);

	return json_pack("{s:I, s:s, s:s?, s:s, s:s?, s:s?, s:o, s:s, s:s?, s:s?, s:b, s:s, s:o, s:o,"
			 " s:o}",
			 "id", (json_int_t)a->id, "category", a->category, "category_title",
			 plan_category_title(a->category), "description", a->description, "owner",
			 a->owner, "agency", a->agency, "due_at", req_time_json(a->due_at), "status",
			 a->status, "reason", a->reason, "suggestion", a->suggestion, "overdue",
			 plan_action_overdue(st, a->due_at, now), "created_by", a->created_by,
			 "created_at", req_time_json(a->created_at), "updated_at",
			 req_time_json(a->updated_at), "done_at", req_time_json(a->done_at));
}

static int add_action(const struct plan_action_row *a, void *arg)
{
	json_array_append_new(arg, action_json(a, clock_now_ms()));
	return 0;
}

static int add_decision(const char *suggestion, const char *decision, const char *reason,
			int64_t action_id, const char *by, int64_t at, void *arg)
{
	json_object_set_new(arg, suggestion,
			    json_pack("{s:s, s:s?, s:o, s:s, s:o}", "decision", decision, "reason",
				      reason, "action_id",
				      action_id ? json_integer(action_id) : json_null(), "by", by,
				      "at", req_time_json(at)));
	return 0;
}

/* Suggestions with what was decided about each; decisions on suggestions the
 * case no longer brings stay listed, marked not current. */
static json_t *suggestions_json(struct req *r, struct ops_ctx *x, const struct case_record *c,
			       int64_t plan_id)
{
	json_t *list = ops_plan_suggestions(x, c), *decided = json_object(), *it, *d;
	const char *key;
	size_t i;

	if (!list) /* its read failed: the page fails */
		req_read(r, x->err.code < 0 ? x->err.code : DB_ERROR);
	if (plan_id)
		req_read(r, plan_decisions_each(r->db, plan_id, add_decision, decided));
	json_array_foreach(list, i, it) {
		d = json_object_get(decided, json_string_value(json_object_get(it, "id")));
		json_object_set_new(it, "current", json_true());
		json_object_set(it, "decision", d ? d : json_null());
	}
	json_object_foreach(decided, key, d) {
		const char *cat = NULL, *desc = NULL;

		if (plan_suggestion_in(list, key))
			continue;
		plan_suggestion_get(r->v->suggestions, key, &cat, &desc);
		json_array_append_new(list, json_pack("{s:s, s:s?, s:s?, s:[], s:b, s:O}", "id", key,
						      "category", cat, "description", desc, "because",
						      "current", 0, "decision", d));
	}
	json_decref(decided);
	return list;
}

static json_t *gate_json(struct req *r, const struct case_record *c)
{
	struct plan_gate_facts f;
	char why[600];

	if (plan_gate_facts_load(r->db, c->id, &f) < 0)
		return json_null();
	f.high_risk = strcmp(c->risk_level, "high") == 0;
	if (plan_gate_assessed(&f, why, sizeof why) == 0)
		return json_pack("{s:b, s:n}", "ready", 1, "missing");
	return json_pack("{s:b, s:s}", "ready", 0, "missing", why);
}

/* The plan of a case as GET shows it; p NULL when there is none (version 0). */
static json_t *plan_view(struct req *r, struct ops_ctx *x, const struct case_record *c,
			 const struct plan_record *p)
{
	json_t *actions = json_array();

	if (p)
		req_read(r, plan_actions_each(r->db, p->id, add_action, actions));
	return json_pack("{s:s, s:I, s:s?, s:s?, s:o, s:s?, s:o, s:o, s:o, s:o, s:i, s:o}", "ref",
			 c->ref, "version", (json_int_t)(p ? p->version : 0), "summary",
			 p ? p->summary : NULL, "created_by", p ? p->created_by : NULL,
			 "created_at", req_time_json(p ? p->created_at : 0), "updated_by",
			 p ? p->updated_by : NULL, "updated_at", req_time_json(p ? p->updated_at : 0),
			 "actions", actions, "suggestions", suggestions_json(r, x, c, p ? p->id : 0),
			 "assessed_gate", gate_json(r, c), "suggestion_table_version",
			 plan_suggestions_version(r->v->suggestions), "review_due_at",
			 req_time_json(c->review_due_at));
}

/* The answer hook of an operation that answers with the plan: its view
 * (with the action when action is set) as the transaction leaves it. */
struct plan_answer {
	struct req *r;
	int status;
	struct case_record c;
	struct plan_record p;
	int64_t action;
	bool made;
};

static json_t *with_action(json_t *view, struct req *r, int64_t plan_id, int64_t action_id);

static int answer_plan(struct ops_ctx *x, void *arg)
{
	struct plan_answer *a = arg;
	json_t *view = plan_view(a->r, x, &a->c, &a->p);

	if (a->action)
		view = with_action(view, a->r, a->p.id, a->action);
	return api_answer(x, a->r, a->made ? 201 : a->status, view);
}

static void plan_call(struct req *r, struct ops_ctx *x, struct plan_answer *a, int status)
{
	memset(a, 0, sizeof *a);
	a->r = r;
	a->status = status;
	api_ops_answer(r, x, status, answer_plan, a);
}

static void plan_answer_free(struct plan_answer *a)
{
	plan_record_free(&a->p);
	case_record_free(&a->c);
}

/* ---- GET /api/v1/cases/{ref}/plan[?version=N] ------------------------------------- */

static int add_version(int64_t version, const char *by, int64_t at, const char *change, void *arg)
{
	json_array_append_new(arg, json_pack("{s:I, s:s, s:o, s:s}", "version", (json_int_t)version,
					     "by", by, "at", req_time_json(at), "change", change));
	return 0;
}

void api_plan_get(struct req *r)
{
	struct case_record c = { 0 };
	struct plan_record p = { 0 };
	struct ops_ctx x;
	int64_t version;
	int have;

	if (req_query_int(r, "version", 1, INT64_MAX, 0, &version) < 0)
		return;
	if (api_case_read(r, &x, &c) < 0)
		return;
	have = plan_get(r->db, c.id, &p);
	if (have < 0) {
		req_fail_db(r, have);
		goto out;
	}
	if (version) {
		char *snap = NULL;
		json_t *o, *hist = json_array(), *it;
		size_t i;
		int rc = have ? plan_version_get(r->db, p.id, version, &snap) : 0;

		if (rc <= 0) {
			json_decref(hist);
			if (rc < 0)
				req_fail_db(r, rc);
			else
				req_fail(r, 404, "not_found", "version",
					 "the plan of case %s has no version %lld", c.ref,
					 (long long)version);
			goto out;
		}
		o = json_loads(snap, 0, NULL);
		free(snap);
		req_read(r, plan_versions_each(r->db, p.id, add_version, hist));
		json_array_foreach(hist, i, it) {
			if (json_integer_value(json_object_get(it, "version")) == version) {
				json_object_set(o, "changed_by", json_object_get(it, "by"));
				json_object_set(o, "changed_at", json_object_get(it, "at"));
				json_object_set(o, "change", json_object_get(it, "change"));
			}
		}
		json_decref(hist);
		json_object_set_new(o, "ref", json_string(c.ref));
		json_object_set_new(o, "current_version", json_integer(p.version));
		req_audit_detail(r, "plan version %lld", (long long)version);
		req_reply(r, 200, o);
		goto out;
	}
	req_reply(r, 200, plan_view(r, &x, &c, have ? &p : NULL));
out:
	api_read_end(r, &x);
	plan_record_free(&p);
	case_record_free(&c);
}

static json_t *versions_json(struct req *r, const struct case_record *c, int *err)
{
	struct plan_record p = { 0 };
	json_t *hist, *o;
	int have = plan_get(r->db, c->id, &p);

	if (have < 0) {
		*err = have;
		return NULL;
	}
	hist = json_array();
	if (have)
		req_read(r, plan_versions_each(r->db, p.id, add_version, hist));
	o = json_pack("{s:s, s:I, s:o}", "ref", c->ref, "version",
		      (json_int_t)(have ? p.version : 0), "versions", hist);
	plan_record_free(&p);
	return o;
}

void api_plan_versions(struct req *r)
{
	api_case_page(r, versions_json);
}

/* ---- PUT /api/v1/cases/{ref}/plan --------------------------------------------------- */

static int parse_decisions(struct req *r, json_t *arr, struct ops_plan_decision *d, int *n)
{
	static const char *const keys[] = { "id", "decision", "reason", "category", "description",
					    "owner", "due_at", NULL };
	static const char *const decisions[] = { "accept", "edit", "reject", NULL };
	char where[40], field[80];
	size_t i;
	json_t *o;

	*n = 0;
	if (!json_is_array(arr) || json_array_size(arr) > MAX_DECISIONS) {
		req_fail(r, 400, "bad_request", "suggestions",
			 "suggestions must be a list of at most %d {\"id\", \"decision\": accept, "
			 "edit or reject}",
			 MAX_DECISIONS);
		return -1;
	}
	json_array_foreach(arr, i, o) {
		struct ops_plan_decision *x = &d[i];

		memset(x, 0, sizeof *x);
		snprintf(where, sizeof where, "suggestions[%zu]", i);
		if (api_obj(r, o, where, keys) < 0)
			return -1;
		snprintf(field, sizeof field, "%s.id", where);
		if (req_obj_str(r, o, "id", field, true, 64, &x->id) < 0)
			return -1;
		for (size_t k = 0; k < i; k++)
			if (strcmp(d[k].id, x->id) == 0) {
				req_fail(r, 400, "bad_request", field, "%s: '%s' is decided twice",
					 field, x->id);
				return -1;
			}
		snprintf(field, sizeof field, "%s.decision", where);
		if (req_obj_str(r, o, "decision", field, true, 16, &x->decision) < 0 ||
		    api_vocab(r, field, x->decision, decisions) < 0)
			return -1;
		snprintf(field, sizeof field, "%s.reason", where);
		if (req_obj_str(r, o, "reason", field, strcmp(x->decision, "reject") == 0, TEXT_MAX,
				&x->reason) < 0)
			return -1;
		snprintf(field, sizeof field, "%s.category", where);
		if (req_obj_str(r, o, "category", field, false, 32, &x->category) < 0 ||
		    (x->category && api_vocab(r, field, x->category, plan_categories) < 0))
			return -1;
		snprintf(field, sizeof field, "%s.description", where);
		if (req_obj_str(r, o, "description", field, strcmp(x->decision, "edit") == 0,
				TEXT_MAX, &x->description) < 0)
			return -1;
		snprintf(field, sizeof field, "%s.owner", where);
		if (req_obj_str(r, o, "owner", field, false, 64, &x->owner) < 0)
			return -1;
		snprintf(field, sizeof field, "%s.due_at", where);
		if (req_obj_time(r, o, "due_at", field, false, &x->due_at, NULL) < 0)
			return -1;
		if (strcmp(x->decision, "reject") == 0 &&
		    (x->category || x->description || x->owner || x->due_at)) {
			req_fail(r, 400, "bad_request", where,
				 "%s: a rejected suggestion has only its reason", where);
			return -1;
		}
		if (strcmp(x->decision, "accept") == 0 && (x->category || x->description)) {
			req_fail(r, 400, "bad_request", where,
				 "%s: to change the category or description, use decision \"edit\"",
				 where);
			return -1;
		}
		(*n)++;
	}
	return 0;
}

void api_plan_put(struct req *r)
{
	static const char *const fields[] = { "version", "summary", "suggestions", NULL };
	struct ops_plan_decision dec[MAX_DECISIONS];
	struct ops_plan_change in = { 0 };
	struct plan_answer a;
	struct ops_ctx x;
	json_t *js;
	int ndec = 0;

	if (req_body_required(r) < 0 || req_body_only(r, fields) < 0 ||
	    req_body_int(r, "version", true, 0, INT64_MAX, &in.version, NULL) < 0 ||
	    req_body_str(r, "summary", false, TEXT_MAX, &in.summary) < 0)
		return;
	in.set_summary = json_object_get(r->body, "summary") != NULL;
	js = json_object_get(r->body, "suggestions");
	if (js && !json_is_null(js) && parse_decisions(r, js, dec, &ndec) < 0)
		return;
	in.decisions = dec;
	in.ndecisions = ndec;
	plan_call(r, &x, &a, 200);
	api_ops_end(r, &x, ops_plan_put(&x, req_param(r, "ref"), &in, &a.c, &a.p, &a.made));
	plan_answer_free(&a);
}

/* ---- POST /api/v1/cases/{ref}/plan/actions ------------------------------------------ */

static json_t *with_action(json_t *view, struct req *r, int64_t plan_id, int64_t action_id)
{
	json_t *one = json_array();

	req_read(r, plan_action_get(r->db, plan_id, action_id, add_action, one));
	json_object_set(view, "action", json_array_get(one, 0) ? json_array_get(one, 0) : json_null());
	json_decref(one);
	return view;
}

/* An action's owner (a username, or null to clear it) and due date. */
static int parse_action(struct req *r, struct ops_plan_action *in)
{
	static const struct {
		const char *name;
		unsigned field;
	} given[] = {
		{ "category", OPS_ACTION_CATEGORY }, { "description", OPS_ACTION_DESCRIPTION },
		{ "owner", OPS_ACTION_OWNER },       { "due_at", OPS_ACTION_DUE },
		{ "status", OPS_ACTION_STATUS },     { "reason", OPS_ACTION_REASON },
	};

	for (size_t i = 0; i < sizeof given / sizeof given[0]; i++)
		if (json_object_get(r->body, given[i].name))
			in->given |= given[i].field;
	if (req_body_str(r, "owner", false, 64, &in->owner) < 0 ||
	    req_body_time(r, "due_at", false, &in->due_at, NULL) < 0 ||
	    req_body_str(r, "status", false, 16, &in->status) < 0 ||
	    req_body_str(r, "reason", false, TEXT_MAX, &in->reason) < 0)
		return -1;
	return 0;
}

void api_plan_action_add(struct req *r)
{
	static const char *const fields[] = { "version", "category", "description", "owner",
					      "due_at", "status", "reason", "suggestion", NULL };
	struct ops_plan_action in = { 0 };
	struct plan_answer a;
	struct ops_ctx x;

	if (api_body_version(r, fields, &in.version) < 0 ||
	    req_body_str(r, "category", true, 32, &in.category) < 0 ||
	    api_vocab(r, "category", in.category, plan_categories) < 0 ||
	    req_body_str(r, "description", true, TEXT_MAX, &in.description) < 0 ||
	    parse_action(r, &in) < 0 ||
	    req_body_str(r, "suggestion", false, 64, &in.suggestion) < 0)
		return;
	plan_call(r, &x, &a, 201);
	api_ops_end(r, &x, ops_plan_action_add(&x, req_param(r, "ref"), &in, &a.c, &a.p, &a.action));
	plan_answer_free(&a);
}

/* ---- PATCH /api/v1/cases/{ref}/plan/actions/{id} ------------------------------------- */

void api_plan_action_update(struct req *r)
{
	static const char *const fields[] = { "version", "category", "description", "owner",
					      "due_at", "status", "reason", NULL };
	struct ops_plan_action in = { 0 };
	struct plan_answer a;
	struct ops_ctx x;
	int64_t id;

	if (req_param_id(r, "id", "action", &id) < 0)
		return;
	if (api_body_version(r, fields, &in.version) < 0 ||
	    req_body_str(r, "category", false, 32, &in.category) < 0 ||
	    (in.category && api_vocab(r, "category", in.category, plan_categories) < 0) ||
	    req_body_str(r, "description", false, TEXT_MAX, &in.description) < 0 ||
	    parse_action(r, &in) < 0)
		return;
	if (in.description && !*in.description) {
		req_fail(r, 400, "bad_request", "description", "description must not be empty");
		return;
	}
	if (json_object_size(r->body) < 2) {
		req_fail(r, 400, "bad_request", NULL,
			 "nothing to change: give a status, owner, due_at, category, description or "
			 "reason");
		return;
	}
	plan_call(r, &x, &a, 200);
	a.action = id;
	api_ops_end(r, &x, ops_plan_action_change(&x, req_param(r, "ref"), id, &in, &a.c, &a.p));
	plan_answer_free(&a);
}

/* ---- reviews ------------------------------------------------------------------------ */

static int add_review(const struct case_review_row *rv, void *arg)
{
	json_array_append_new(arg, json_pack("{s:I, s:s, s:s?, s:s, s:o, s:b, s:o, s:s, s:o}", "id",
					     (json_int_t)rv->id, "kind", rv->kind, "outcome",
					     rv->outcome, "summary", rv->summary, "next_review_at",
					     req_time_json(rv->next_review_at), "current",
					     rv->superseded_at == 0, "superseded_at",
					     req_time_json(rv->superseded_at), "reviewed_by",
					     rv->reviewed_by, "reviewed_at",
					     req_time_json(rv->reviewed_at)));
	return 0;
}

/* A page (api_page_fn) that cannot fail: a read that does is req_read's. */
static json_t *reviews_json(struct req *r, const struct case_record *c, int *err)
{
	json_t *arr = json_array();

	(void)err;
	req_read(r, case_reviews_each(r->db, c->id, add_review, arr));
	return json_pack("{s:s, s:o, s:b, s:o}", "ref", c->ref, "review_due_at",
			 req_time_json(c->review_due_at), "review_overdue",
			 c->review_due_at && c->review_due_at < clock_now_ms(), "reviews", arr);
}

void api_reviews_list(struct req *r)
{
	api_case_page(r, reviews_json);
}

static int answer_reviews(struct ops_ctx *x, void *arg)
{
	struct plan_answer *a = arg;

	return api_answer(x, a->r, 201, reviews_json(a->r, &a->c, NULL));
}

void api_reviews_create(struct req *r)
{
	static const char *const fields[] = { "kind", "summary", "outcome", "next_review_at", NULL };
	static const char *const kinds[] = { "review", "closing", NULL };
	struct ops_review in = { 0 };
	struct plan_answer a;
	struct ops_ctx x;

	if (req_body_required(r) < 0 || req_body_only(r, fields) < 0 ||
	    req_body_str(r, "kind", true, 16, &in.kind) < 0 ||
	    api_vocab(r, "kind", in.kind, kinds) < 0 ||
	    req_body_str(r, "summary", true, TEXT_MAX, &in.summary) < 0 ||
	    req_body_str(r, "outcome", false, 64, &in.outcome) < 0 ||
	    req_body_time(r, "next_review_at", false, &in.next_review_at, &in.next_given) < 0)
		return;
	plan_call(r, &x, &a, 201);
	x.answer = answer_reviews;
	api_ops_end(r, &x, ops_review_record(&x, req_param(r, "ref"), &in, &a.c));
	plan_answer_free(&a);
}
