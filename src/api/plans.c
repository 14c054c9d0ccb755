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
#include "store/account.h"
#include "store/assessments.h"
#include "store/cases.h"
#include "store/plans.h"
#include "vigil.h"

#define TEXT_MAX 4000
#define DAY_MS (24LL * 3600 * 1000)
#define MAX_DECISIONS 50

static bool police(enum role r)
{
	return r == ROLE_OFFICER || r == ROLE_SUPERVISOR;
}

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

struct screen_ctx {
	const char *screen;
	json_t *yes;
};

static int newest_screen(const struct assessment *a, void *arg)
{
	struct screen_ctx *sc = arg;

	if (strcmp(a->instrument, sc->screen) != 0)
		return 0;
	sc->yes = json_loads(a->yes_items, 0, NULL);
	return 1;
}

/* The suggestions for the case now (caller owns). */
static json_t *suggestions_now(struct req *r, const struct case_record *c)
{
	struct screen_ctx sc = { plan_suggestions_screen(r->v->suggestions), NULL };
	struct plan_facts f;
	json_t *out;

	assessment_each(r->db, c->id, newest_screen, &sc);
	f.risk_level = c->risk_level;
	f.typology = c->typology;
	f.screen_yes = sc.yes;
	out = plan_suggest(r->v->suggestions, &f);
	json_decref(sc.yes);
	return out;
}

static json_t *find_suggestion(json_t *list, const char *id)
{
	size_t i;
	json_t *it;

	json_array_foreach(list, i, it)
		if (strcmp(json_string_value(json_object_get(it, "id")), id) == 0)
			return it;
	return NULL;
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
static json_t *suggestions_json(struct req *r, const struct case_record *c, int64_t plan_id)
{
	json_t *list = suggestions_now(r, c), *decided = json_object(), *it, *d;
	const char *key;
	size_t i;

	if (plan_id)
		plan_decisions_each(r->db, plan_id, add_decision, decided);
	json_array_foreach(list, i, it) {
		d = json_object_get(decided, json_string_value(json_object_get(it, "id")));
		json_object_set_new(it, "current", json_true());
		json_object_set(it, "decision", d ? d : json_null());
	}
	json_object_foreach(decided, key, d) {
		const char *cat = NULL, *desc = NULL;

		if (find_suggestion(list, key))
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
static json_t *plan_view(struct req *r, const struct case_record *c, const struct plan_record *p)
{
	json_t *actions = json_array();

	if (p)
		plan_actions_each(r->db, p->id, add_action, actions);
	return json_pack("{s:s, s:I, s:s?, s:s?, s:o, s:s?, s:o, s:o, s:o, s:o, s:i, s:o}", "ref",
			 c->ref, "version", (json_int_t)(p ? p->version : 0), "summary",
			 p ? p->summary : NULL, "created_by", p ? p->created_by : NULL,
			 "created_at", req_time_json(p ? p->created_at : 0), "updated_by",
			 p ? p->updated_by : NULL, "updated_at", req_time_json(p ? p->updated_at : 0),
			 "actions", actions, "suggestions", suggestions_json(r, c, p ? p->id : 0),
			 "assessed_gate", gate_json(r, c), "suggestion_table_version",
			 plan_suggestions_version(r->v->suggestions), "review_due_at",
			 req_time_json(c->review_due_at));
}

/* 1 with *p, 0 when the case has no plan, -1 after a 500. */
static int load_plan(struct req *r, int64_t case_id, struct plan_record *p)
{
	int rc = plan_get(r->db, case_id, p);

	if (rc < 0) {
		req_fail_db(r, rc);
		return -1;
	}
	return rc;
}

/* Keep the plan as version `version` now stands, with what changed, and put
 * the change on the case's timeline. */
static int keep_version(struct req *r, int64_t plan_id, int64_t case_id, int64_t version,
			const char *change)
{
	char detail[600];
	int rc;

	rc = plan_version_keep(r->db, plan_id, version, r->who.user_id, change);
	snprintf(detail, sizeof detail, "version %lld: %s", (long long)version, change);
	if (rc >= 0)
		rc = case_event_add(r->db, case_id, r->who.user_id, r->who.username, "plan", detail);
	return rc;
}

static int refuse_closed(struct req *r, const struct case_record *c)
{
	if (c->status != CASE_CLOSED)
		return 0;
	req_fail(r, 409, "illegal_transition", NULL,
		 "case %s is closed; its plan is kept as it was (reopen the case to change it)",
		 c->ref);
	return -1;
}

static int refuse_not_police(struct req *r)
{
	if (police(r->who.role))
		return 0;
	req_fail(r, 403, "forbidden", NULL,
		 "a %s may only update the plan actions she owns (their status); the plan is made "
		 "by the police",
		 access_role_name(r->who.role));
	return -1;
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
	int64_t version;
	int have;

	if (req_query_int(r, "version", 1, INT64_MAX, 0, &version) < 0)
		return;
	if (api_case_load(r, &c) < 0)
		return;
	have = load_plan(r, c.id, &p);
	if (have < 0)
		goto out;
	if (version) {
		char *snap = NULL;
		json_t *out, *hist = json_array(), *it;
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
		out = json_loads(snap, 0, NULL);
		free(snap);
		plan_versions_each(r->db, p.id, add_version, hist);
		json_array_foreach(hist, i, it) {
			if (json_integer_value(json_object_get(it, "version")) == version) {
				json_object_set(out, "changed_by", json_object_get(it, "by"));
				json_object_set(out, "changed_at", json_object_get(it, "at"));
				json_object_set(out, "change", json_object_get(it, "change"));
			}
		}
		json_decref(hist);
		json_object_set_new(out, "ref", json_string(c.ref));
		json_object_set_new(out, "current_version", json_integer(p.version));
		req_audit_detail(r, "plan version %lld", (long long)version);
		req_reply(r, 200, out);
		goto out;
	}
	req_reply(r, 200, plan_view(r, &c, have ? &p : NULL));
out:
	plan_record_free(&p);
	case_record_free(&c);
}

void api_plan_versions(struct req *r)
{
	struct case_record c = { 0 };
	struct plan_record p = { 0 };
	json_t *hist = json_array();
	int have;

	if (api_case_load(r, &c) < 0) {
		json_decref(hist);
		return;
	}
	have = load_plan(r, c.id, &p);
	if (have < 0) {
		json_decref(hist);
		goto out;
	}
	if (have)
		plan_versions_each(r->db, p.id, add_version, hist);
	req_reply(r, 200, json_pack("{s:s, s:I, s:o}", "ref", c.ref, "version",
				    (json_int_t)(have ? p.version : 0), "versions", hist));
out:
	plan_record_free(&p);
	case_record_free(&c);
}

/* ---- owners ---------------------------------------------------------------------- */

/* An action's owner from obj[key] (a username): its id and agency; null or
 * absent leaves *present false. */
static int parse_owner(struct req *r, json_t *obj, const char *field, int64_t *owner,
		       int64_t *agency, bool *present)
{
	const char *name;
	struct user u;

	*present = false;
	if (api_obj_str(r, obj, "owner", field, false, 64, &name) < 0)
		return -1;
	if (!name)
		return 0;
	if (api_user_active(r, field, name, &u) < 0)
		return -1;
	if (u.role == ROLE_ADMIN || u.role == ROLE_OPERATOR) {
		req_fail(r, 400, "bad_request", field,
			 "%s: '%s' is an %s; an action's owner works the case (officer, "
			 "supervisor, clinician, advocate or analyst)",
			 field, name, access_role_name(u.role));
		return -1;
	}
	*owner = u.id;
	*agency = u.agency_id;
	*present = true;
	return 0;
}

/* ---- PUT /api/v1/cases/{ref}/plan --------------------------------------------------- */

struct decision {
	const char *id;
	const char *decision; /* accept, edit, reject */
	const char *reason;
	const char *category, *description;
	int64_t owner, agency, due_at;
};

static int parse_decisions(struct req *r, json_t *arr, struct decision *d, int *n)
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
		struct decision *x = &d[i];
		bool present;

		memset(x, 0, sizeof *x);
		snprintf(where, sizeof where, "suggestions[%zu]", i);
		if (!json_is_object(o)) {
			req_fail(r, 400, "bad_request", where, "%s must be an object", where);
			return -1;
		}
		if (api_obj_only(r, o, where, keys) < 0)
			return -1;
		snprintf(field, sizeof field, "%s.id", where);
		if (api_obj_str(r, o, "id", field, true, 64, &x->id) < 0)
			return -1;
		for (size_t k = 0; k < i; k++)
			if (strcmp(d[k].id, x->id) == 0) {
				req_fail(r, 400, "bad_request", field, "%s: '%s' is decided twice",
					 field, x->id);
				return -1;
			}
		snprintf(field, sizeof field, "%s.decision", where);
		if (api_obj_str(r, o, "decision", field, true, 16, &x->decision) < 0 ||
		    api_vocab(r, field, x->decision, decisions) < 0)
			return -1;
		snprintf(field, sizeof field, "%s.reason", where);
		if (api_obj_str(r, o, "reason", field, strcmp(x->decision, "reject") == 0, TEXT_MAX,
				&x->reason) < 0)
			return -1;
		snprintf(field, sizeof field, "%s.category", where);
		if (api_obj_str(r, o, "category", field, false, 32, &x->category) < 0 ||
		    (x->category && api_vocab(r, field, x->category, plan_categories) < 0))
			return -1;
		snprintf(field, sizeof field, "%s.description", where);
		if (api_obj_str(r, o, "description", field, strcmp(x->decision, "edit") == 0,
				TEXT_MAX, &x->description) < 0)
			return -1;
		snprintf(field, sizeof field, "%s.owner", where);
		if (parse_owner(r, o, field, &x->owner, &x->agency, &present) < 0)
			return -1;
		snprintf(field, sizeof field, "%s.due_at", where);
		if (api_obj_time(r, o, "due_at", field, false, &x->due_at, &present) < 0)
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
	struct decision dec[MAX_DECISIONS];
	struct case_record c = { 0 };
	struct plan_record p = { 0 };
	struct buf change;
	const char *summary;
	json_t *js, *current = NULL;
	int64_t version, plan_id, newv;
	bool set_summary;
	int ndec = 0, have, rc;
	char field[64];

	buf_init(&change);
	if (req_body_required(r) < 0 || req_body_only(r, fields) < 0 ||
	    req_body_int(r, "version", true, 0, INT64_MAX, &version, NULL) < 0 ||
	    req_body_str(r, "summary", false, TEXT_MAX, &summary) < 0)
		goto out;
	set_summary = json_object_get(r->body, "summary") != NULL;
	js = json_object_get(r->body, "suggestions");
	if (js && !json_is_null(js) && parse_decisions(r, js, dec, &ndec) < 0)
		goto out;
	if (api_case_load(r, &c) < 0)
		goto out;
	if (refuse_closed(r, &c) < 0 || refuse_not_police(r) < 0)
		goto out;
	have = load_plan(r, c.id, &p);
	if (have < 0)
		goto out;
	if (!have && version != 0) {
		req_fail(r, 409, "stale_version", "version",
			 "case %s has no plan yet: send version 0 to make it", c.ref);
		goto out;
	}
	if (have && version != p.version) {
		api_stale(r, "plan", version, p.version);
		goto out;
	}
	if (have && !set_summary && ndec == 0) {
		req_fail(r, 400, "bad_request", NULL,
			 "nothing to change: give a summary or decisions on suggestions");
		goto out;
	}
	/* each decision is on a suggestion the case brings now, not decided before */
	current = suggestions_now(r, &c);
	for (int i = 0; i < ndec; i++) {
		snprintf(field, sizeof field, "suggestions[%d].id", i);
		if (!find_suggestion(current, dec[i].id)) {
			req_fail(r, 400, "bad_request", field,
				 "%s: '%.64s' is not a suggestion for case %s (GET its plan for the "
				 "suggestions)",
				 field, dec[i].id, c.ref);
			goto out;
		}
		rc = have ? plan_decision_exists(r->db, p.id, dec[i].id) : 0;
		if (rc != 0) {
			if (rc < 0)
				req_fail_db(r, rc);
			else
				req_fail(r, 409, "conflict", field,
					 "%s: suggestion '%s' was decided already", field, dec[i].id);
			goto out;
		}
	}
	if (req_tx_begin(r) < 0)
		goto out;
	if (!have) {
		plan_id = plan_insert(r->db, c.id, summary, r->who.user_id);
		rc = plan_id < 0 ? (int)plan_id : 0;
		newv = 1;
		buf_puts(&change, "plan made");
	} else {
		plan_id = p.id;
		rc = plan_bump(r->db, p.id, version, set_summary, summary, r->who.user_id);
		if (rc == 0) {
			req_tx_rollback(r);
			api_stale(r, "plan", version, version + 1);
			goto out;
		}
		newv = version + 1;
		if (set_summary)
			buf_puts(&change, "summary changed");
	}
	for (int i = 0; rc >= 0 && i < ndec; i++) {
		const struct decision *x = &dec[i];
		const char *cat, *desc;
		int64_t action = 0;

		if (strcmp(x->decision, "reject") != 0) {
			struct plan_action_row a = { 0 };

			plan_suggestion_get(r->v->suggestions, x->id, &cat, &desc);
			a.plan_id = plan_id;
			a.case_id = c.id;
			a.category = x->category ? x->category : cat;
			a.description = x->description ? x->description : desc;
			a.owner_id = x->owner;
			a.agency_id = x->agency;
			a.due_at = x->due_at;
			a.status = "planned";
			a.suggestion = x->id;
			action = plan_action_insert(r->db, &a, r->who.user_id);
			rc = action < 0 ? (int)action : 0;
		}
		if (rc >= 0)
			rc = plan_decision_add(r->db, plan_id, x->id,
					       strcmp(x->decision, "accept") == 0   ? "accepted"
					       : strcmp(x->decision, "edit") == 0 ? "edited"
										  : "rejected",
					       x->reason, action,
					       plan_suggestions_version(r->v->suggestions),
					       r->who.user_id);
		buf_printf(&change, "%ssuggestion %s %s", change.len ? "; " : "", x->id,
			   strcmp(x->decision, "accept") == 0	? "accepted"
			   : strcmp(x->decision, "edit") == 0 ? "accepted with changes"
							      : "rejected");
		if (action)
			buf_printf(&change, " as action %lld", (long long)action);
	}
	if (rc >= 0)
		rc = keep_version(r, plan_id, c.id, newv, change.len ? change.data : "no change");
	plan_record_free(&p);
	if (rc >= 0)
		rc = plan_get(r->db, c.id, &p) == 1 ? 0 : DB_ERROR;
	if (rc < 0) {
		req_tx_rollback(r);
		req_fail_db(r, rc);
		goto out;
	}
	req_audit_detail(r, "plan v%lld: %s", (long long)newv, change.len ? change.data : "no change");
	req_reply(r, have ? 200 : 201, plan_view(r, &c, &p));
	req_tx_commit(r);
out:
	json_decref(current);
	buf_free(&change);
	plan_record_free(&p);
	case_record_free(&c);
}

/* ---- POST /api/v1/cases/{ref}/plan/actions ------------------------------------------ */

struct action_keep {
	struct plan_action_row a;
	char category[40], status[16], description[TEXT_MAX + 1], reason[TEXT_MAX + 1];
	bool has_reason;
};

static int keep_action(const struct plan_action_row *a, void *arg)
{
	struct action_keep *k = arg;

	k->a = *a;
	snprintf(k->category, sizeof k->category, "%s", a->category);
	snprintf(k->status, sizeof k->status, "%s", a->status);
	snprintf(k->description, sizeof k->description, "%s", a->description);
	k->has_reason = a->reason != NULL;
	snprintf(k->reason, sizeof k->reason, "%s", a->reason ? a->reason : "");
	k->a.category = k->category;
	k->a.status = k->status;
	k->a.description = k->description;
	k->a.reason = k->has_reason ? k->reason : NULL;
	k->a.owner = k->a.agency = k->a.suggestion = k->a.created_by = NULL;
	return 1;
}

static json_t *with_action(json_t *view, struct req *r, int64_t plan_id, int64_t action_id)
{
	json_t *one = json_array();

	plan_action_get(r->db, plan_id, action_id, add_action, one);
	json_object_set(view, "action", json_array_get(one, 0) ? json_array_get(one, 0) : json_null());
	json_decref(one);
	return view;
}

void api_plan_action_add(struct req *r)
{
	static const char *const fields[] = { "version", "category", "description", "owner",
					      "due_at", "status", "reason", "suggestion", NULL };
	const char *category, *description, *status, *reason, *suggestion;
	struct case_record c = { 0 };
	struct plan_record p = { 0 };
	struct plan_action_row a = { 0 };
	json_t *current = NULL;
	const char *scat = NULL, *sdesc = NULL, *decision = NULL;
	int64_t version, id, now = clock_now_ms();
	enum plan_action_status st = PLAN_PLANNED;
	char why[300], change[200];
	bool present;
	int have, rc;

	if (req_body_required(r) < 0 || req_body_only(r, fields) < 0 ||
	    req_body_int(r, "version", true, 1, INT64_MAX, &version, NULL) < 0 ||
	    req_body_str(r, "category", true, 32, &category) < 0 ||
	    api_vocab(r, "category", category, plan_categories) < 0 ||
	    req_body_str(r, "description", true, TEXT_MAX, &description) < 0 ||
	    parse_owner(r, r->body, "owner", &a.owner_id, &a.agency_id, &present) < 0 ||
	    req_body_time(r, "due_at", false, &a.due_at, NULL) < 0 ||
	    req_body_str(r, "status", false, 16, &status) < 0 ||
	    req_body_str(r, "reason", false, TEXT_MAX, &reason) < 0 ||
	    req_body_str(r, "suggestion", false, 64, &suggestion) < 0)
		goto out;
	if (status) {
		st = plan_action_status_parse(status);
		if (plan_action_move(PLAN_PLANNED, st, reason, why, sizeof why) < 0) {
			req_fail(r, 400, "bad_request", st == PLAN_STATUS_NONE ? "status" : "reason",
				 "%s", why);
			goto out;
		}
	}
	if (api_case_load(r, &c) < 0)
		goto out;
	if (refuse_closed(r, &c) < 0 || refuse_not_police(r) < 0)
		goto out;
	have = load_plan(r, c.id, &p);
	if (have <= 0) {
		if (have == 0)
			req_fail(r, 409, "no_plan", NULL,
				 "case %s has no plan yet: make it first (PUT /api/v1/cases/%s/plan "
				 "with version 0)",
				 c.ref, c.ref);
		goto out;
	}
	if (version != p.version) {
		api_stale(r, "plan", version, p.version);
		goto out;
	}
	if (suggestion) {
		current = suggestions_now(r, &c);
		rc = plan_decision_exists(r->db, p.id, suggestion);
		if (rc < 0) {
			req_fail_db(r, rc);
			goto out;
		}
		if (!find_suggestion(current, suggestion) || rc == 1) {
			req_fail(r, rc == 1 ? 409 : 400, rc == 1 ? "conflict" : "bad_request",
				 "suggestion", "'%.64s' is %s", suggestion,
				 rc == 1 ? "decided already" : "not a suggestion for this case");
			goto out;
		}
		plan_suggestion_get(r->v->suggestions, suggestion, &scat, &sdesc);
		decision = strcmp(scat, category) == 0 && strcmp(sdesc, description) == 0 ? "accepted"
											     : "edited";
	}
	a.plan_id = p.id;
	a.case_id = c.id;
	a.category = category;
	a.description = description;
	a.status = plan_action_status_name(st);
	a.reason = reason;
	a.suggestion = suggestion;
	a.done_at = st == PLAN_DONE ? now : 0;
	if (req_tx_begin(r) < 0)
		goto out;
	rc = plan_bump(r->db, p.id, version, false, NULL, r->who.user_id);
	if (rc == 0) {
		req_tx_rollback(r);
		api_stale(r, "plan", version, version + 1);
		goto out;
	}
	id = rc < 0 ? rc : plan_action_insert(r->db, &a, r->who.user_id);
	rc = id < 0 ? (int)id : 0;
	if (rc >= 0 && decision)
		rc = plan_decision_add(r->db, p.id, suggestion, decision, NULL, id,
				       plan_suggestions_version(r->v->suggestions), r->who.user_id);
	snprintf(change, sizeof change, "action %lld added (%s)%s%s%s", (long long)id, category,
		 decision ? ": suggestion " : "", decision ? suggestion : "",
		 decision ? (strcmp(decision, "accepted") == 0 ? " accepted" : " accepted with changes")
			  : "");
	if (rc >= 0)
		rc = keep_version(r, p.id, c.id, version + 1, change);
	plan_record_free(&p);
	if (rc >= 0)
		rc = plan_get(r->db, c.id, &p) == 1 ? 0 : DB_ERROR;
	if (rc < 0) {
		req_tx_rollback(r);
		req_fail_db(r, rc);
		goto out;
	}
	req_audit_detail(r, "plan v%lld: %s", (long long)p.version, change);
	req_reply(r, 201, with_action(plan_view(r, &c, &p), r, p.id, id));
	req_tx_commit(r);
out:
	json_decref(current);
	plan_record_free(&p);
	case_record_free(&c);
}

/* ---- PATCH /api/v1/cases/{ref}/plan/actions/{id} ------------------------------------- */

void api_plan_action_update(struct req *r)
{
	static const char *const fields[] = { "version", "category", "description", "owner",
					      "due_at", "status", "reason", NULL };
	static const char *const others_may[] = { "version", "status", "reason", NULL };
	const char *category, *description, *status, *reason, *idtext = req_param(r, "id");
	struct case_record c = { 0 };
	struct plan_record p = { 0 };
	struct action_keep *k = xcalloc(1, sizeof *k);
	int64_t version, id, owner = 0, agency = 0, due = 0, now = clock_now_ms();
	enum plan_action_status from, to;
	bool owner_given, due_given, clear_owner, clear_due;
	char why[300];
	struct buf change;
	char *end;
	int have, rc;

	buf_init(&change);
	id = strtoll(idtext, &end, 10);
	if (*end || id <= 0) {
		req_fail(r, 404, "not_found", NULL, "there is no action '%s'", idtext);
		goto out;
	}
	if (req_body_required(r) < 0 || req_body_only(r, fields) < 0 ||
	    req_body_int(r, "version", true, 1, INT64_MAX, &version, NULL) < 0 ||
	    req_body_str(r, "category", false, 32, &category) < 0 ||
	    (category && api_vocab(r, "category", category, plan_categories) < 0) ||
	    req_body_str(r, "description", false, TEXT_MAX, &description) < 0 ||
	    parse_owner(r, r->body, "owner", &owner, &agency, &owner_given) < 0 ||
	    req_body_time(r, "due_at", false, &due, &due_given) < 0 ||
	    req_body_str(r, "status", false, 16, &status) < 0 ||
	    req_body_str(r, "reason", false, TEXT_MAX, &reason) < 0)
		goto out;
	if (description && !*description) {
		req_fail(r, 400, "bad_request", "description", "description must not be empty");
		goto out;
	}
	if (json_object_size(r->body) < 2) {
		req_fail(r, 400, "bad_request", NULL,
			 "nothing to change: give a status, owner, due_at, category, description or "
			 "reason");
		goto out;
	}
	/* null clears the owner or the due date */
	clear_owner = json_is_null(json_object_get(r->body, "owner"));
	clear_due = json_is_null(json_object_get(r->body, "due_at"));
	if (api_case_load(r, &c) < 0)
		goto out;
	if (refuse_closed(r, &c) < 0)
		goto out;
	have = load_plan(r, c.id, &p);
	if (have < 0)
		goto out;
	rc = have ? plan_action_get(r->db, p.id, id, keep_action, k) : 0;
	if (rc <= 0) {
		if (rc < 0)
			req_fail_db(r, rc);
		else
			req_fail(r, 404, "not_found", NULL, "the plan of case %s has no action %lld",
				 c.ref, (long long)id);
		goto out;
	}
	if (!police(r->who.role)) {
		if (k->a.owner_id != r->who.user_id) {
			req_fail(r, 403, "forbidden", NULL,
				 "a %s may only update the plan actions she owns; action %lld is "
				 "not yours",
				 access_role_name(r->who.role), (long long)id);
			goto out;
		}
		const char *key;
		json_t *val;

		json_object_foreach(r->body, key, val) {
			bool ok = false;

			for (const char *const *f = others_may; *f; f++)
				ok = ok || strcmp(*f, key) == 0;
			if (!ok) {
				req_fail(r, 403, "forbidden", key,
					 "a %s updates the status (and reason) of her own actions "
					 "only, not their %s",
					 access_role_name(r->who.role), key);
				goto out;
			}
		}
	}
	if (version != p.version) {
		api_stale(r, "plan", version, p.version);
		goto out;
	}
	from = plan_action_status_parse(k->a.status);
	to = status ? plan_action_status_parse(status) : from;
	if (plan_action_move(from, to, reason, why, sizeof why) < 0) {
		req_fail(r, 400, "bad_request", to == PLAN_STATUS_NONE || !reason ? "status" : "reason",
			 "%s", why);
		goto out;
	}
	if (to != from) {
		buf_printf(&change, "action %lld: %s -> %s", (long long)id, k->a.status,
			   plan_action_status_name(to));
		k->a.status = plan_action_status_name(to);
		k->a.done_at = to == PLAN_DONE ? now : 0;
	}
	if (reason)
		k->a.reason = reason;
	if (category && strcmp(category, k->a.category) != 0) {
		buf_printf(&change, "%saction %lld: category %s", change.len ? "; " : "",
			   (long long)id, category);
		k->a.category = category;
	}
	if (description && strcmp(description, k->a.description) != 0) {
		buf_printf(&change, "%saction %lld: description changed", change.len ? "; " : "",
			   (long long)id);
		k->a.description = description;
	}
	if (owner_given || clear_owner) {
		buf_printf(&change, "%saction %lld: owner %s", change.len ? "; " : "", (long long)id,
			   clear_owner ? "removed" : "set");
		k->a.owner_id = clear_owner ? 0 : owner;
		k->a.agency_id = clear_owner ? 0 : agency;
	}
	if (due_given || clear_due) {
		buf_printf(&change, "%saction %lld: due date %s", change.len ? "; " : "",
			   (long long)id, clear_due ? "removed" : "set");
		k->a.due_at = clear_due ? 0 : due;
	}
	if (!change.len)
		buf_printf(&change, "action %lld: %s", (long long)id, reason ? "reason noted" : "unchanged");
	if (req_tx_begin(r) < 0)
		goto out;
	rc = plan_bump(r->db, p.id, version, false, NULL, r->who.user_id);
	if (rc == 0) {
		req_tx_rollback(r);
		api_stale(r, "plan", version, version + 1);
		goto out;
	}
	if (rc >= 0)
		rc = plan_action_update(r->db, &k->a);
	if (rc >= 0)
		rc = keep_version(r, p.id, c.id, version + 1, change.data);
	plan_record_free(&p);
	if (rc >= 0)
		rc = plan_get(r->db, c.id, &p) == 1 ? 0 : DB_ERROR;
	if (rc < 0) {
		req_tx_rollback(r);
		req_fail_db(r, rc);
		goto out;
	}
	req_audit_detail(r, "plan v%lld: %s", (long long)p.version, change.data);
	req_reply(r, 200, with_action(plan_view(r, &c, &p), r, p.id, id));
	req_tx_commit(r);
out:
	buf_free(&change);
	free(k);
	plan_record_free(&p);
	case_record_free(&c);
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

static json_t *reviews_json(struct req *r, const struct case_record *c)
{
	json_t *arr = json_array();

	case_reviews_each(r->db, c->id, add_review, arr);
	return json_pack("{s:s, s:o, s:b, s:o}", "ref", c->ref, "review_due_at",
			 req_time_json(c->review_due_at), "review_overdue",
			 c->review_due_at && c->review_due_at < clock_now_ms(), "reviews", arr);
}

void api_reviews_list(struct req *r)
{
	struct case_record c;

	if (api_case_load(r, &c) < 0)
		return;
	req_reply(r, 200, reviews_json(r, &c));
	case_record_free(&c);
}

void api_reviews_create(struct req *r)
{
	static const char *const fields[] = { "kind", "summary", "outcome", "next_review_at", NULL };
	static const char *const kinds[] = { "review", "closing", NULL };
	const struct vigil_config *cfg = &r->v->cfg;
	const struct review_policy policy = { cfg->review_days[2], cfg->review_days[1],
					      cfg->review_days[0] };
	const char *kind, *summary, *outcome;
	struct case_record c = { 0 };
	struct plan_record p = { 0 };
	int64_t next = 0, now = clock_now_ms(), id;
	bool next_given, closing;
	char why[600];
	int have, rc;

	if (req_body_required(r) < 0 || req_body_only(r, fields) < 0 ||
	    req_body_str(r, "kind", true, 16, &kind) < 0 || api_vocab(r, "kind", kind, kinds) < 0 ||
	    req_body_str(r, "summary", true, TEXT_MAX, &summary) < 0 ||
	    req_body_str(r, "outcome", false, 64, &outcome) < 0 ||
	    req_body_time(r, "next_review_at", false, &next, &next_given) < 0)
		goto out;
	closing = strcmp(kind, "closing") == 0;
	if (closing) {
		if (!outcome) {
			req_fail(r, 400, "bad_request", "outcome",
				 "a closing review records the outcome");
			goto out;
		}
		if (plan_closing_outcome_check(outcome, why, sizeof why) < 0) {
			req_fail(r, 400, "bad_request", "outcome", "%s", why);
			goto out;
		}
		if (next_given) {
			req_fail(r, 400, "bad_request", "next_review_at",
				 "a closing review sets no next review");
			goto out;
		}
	} else {
		if (outcome) {
			req_fail(r, 400, "bad_request", "outcome",
				 "only a closing review records an outcome");
			goto out;
		}
		if (next_given && next <= now) {
			req_fail(r, 400, "bad_request", "next_review_at",
				 "next_review_at must be in the future");
			goto out;
		}
	}
	if (api_case_load(r, &c) < 0)
		goto out;
	if (refuse_closed(r, &c) < 0 || refuse_not_police(r) < 0)
		goto out;
	have = load_plan(r, c.id, &p);
	if (have <= 0) {
		if (have == 0)
			req_fail(r, 409, "no_plan", NULL,
				 "case %s has no plan to review: make it first (PUT "
				 "/api/v1/cases/%s/plan)",
				 c.ref, c.ref);
		goto out;
	}
	if (!closing && !next_given) {
		enum risk_level l = risk_level_parse(c.risk_level[0] ? c.risk_level : NULL);
		int days = review_days(&policy, l == RISK_NONE ? RISK_MEDIUM : l);

		next = now + (int64_t)days * DAY_MS;
	}
	if (req_tx_begin(r) < 0)
		goto out;
	id = case_review_insert(r->db, c.id, kind, outcome, summary, closing ? 0 : next,
				r->who.user_id);
	rc = id < 0 ? (int)id : 0;
	/* a closing review leaves the review date: a case that is not closed after
	 * all still has its review to do */
	if (rc >= 0 && !closing)
		rc = case_set_review_due(r->db, c.id, next);
	if (rc >= 0)
		rc = case_event_add(r->db, c.id, r->who.user_id, r->who.username,
				    closing ? "closing_review" : "review",
				    closing ? outcome : "plan reviewed");
	if (rc >= 0)
		rc = case_touch(r->db, c.id);
	case_record_free(&c);
	if (rc >= 0)
		rc = case_get(r->db, req_param(r, "ref"), &c) == 1 ? 0 : DB_ERROR;
	if (rc < 0) {
		req_tx_rollback(r);
		req_fail_db(r, rc);
		goto out;
	}
	req_audit_detail(r, "%s review%s%s", kind, closing ? ": " : "", closing ? outcome : "");
	req_reply(r, 201, reviews_json(r, &c));
	req_tx_commit(r);
out:
	plan_record_free(&p);
	case_record_free(&c);
}
