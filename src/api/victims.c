/*
 * victims — victim care and case tasks:
 * GET /api/v1/cases/{ref}/victim-care, PUT .../victim-care/spoc,
 * POST .../victim-care/contacts, POST/PATCH .../victim-care/referrals[/{id}],
 * GET/POST .../tasks, PATCH .../tasks/{id}.
 *
 * Every contact with the victim is logged: who made it, when, how and what
 * she was told.  Events she must be told about open a notify_victim task,
 * overdue when not done within --notify-hours of the event; logging the
 * contact that told her can complete it.  A referral to a partner service
 * records her consent: with it (and accepted), a referral to an agency in
 * Vigil also lets that agency's advocates see the case.
 *
 * What she was told, and her contacts' notes, are for the roles that protect
 * her (access_sees_victim_location); others see that a contact was made.
 */
#include "api/api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "core/plan.h"
#include "core/victim.h"
#include "http/request.h"
#include "ops/victims.h"
#include "store/cases.h"
#include "store/tasks.h"
#include "store/victims.h"
#include "vigil.h"

#define TEXT_MAX 4000
#define MAX_TASKS 20

/* ---- tasks ---------------------------------------------------------------------- */

static json_t *task_json(const struct case_task_row *t, int64_t now)
{
	return json_pack("{s:I, s:s, s:s?, s:s?, s:o, s:o, s:b, s:o, s:o, s:s, s:o, s:b, s:o, s:s?,"
			 " s:s?, s:I}",
			 "id", (json_int_t)t->id, "kind", t->kind, "event", t->event, "detail",
			 t->detail, "event_at", req_time_json(t->event_at), "due_at",
			 req_time_json(t->due_at), "overdue",
			 plan_task_overdue(t->due_at, t->done_at, now), "order_id",
			 t->order_id ? json_integer(t->order_id) : json_null(), "breach_id",
			 t->breach_id ? json_integer(t->breach_id) : json_null(), "opened_by",
			 t->opened_by ? t->opened_by : "vigil", "opened_at",
			 req_time_json(t->opened_at), "done", t->done_at != 0, "done_at",
			 req_time_json(t->done_at), "done_by", t->done_by, "done_note", t->done_note,
			 "version", (json_int_t)t->version);
}

static int add_task(const struct case_task_row *t, void *arg)
{
	json_array_append_new(arg, task_json(t, clock_now_ms()));
	return 0;
}

static json_t *tasks_json(struct req *r, const struct case_record *c)
{
	json_t *arr = json_array(), *it;
	int open = 0, overdue = 0;
	size_t i;

	req_read(r, case_tasks_each(r->db, c->id, add_task, arr));
	json_array_foreach(arr, i, it) {
		open += !json_is_true(json_object_get(it, "done"));
		overdue += json_is_true(json_object_get(it, "overdue"));
	}
	return json_pack("{s:s, s:i, s:i, s:i, s:o}", "ref", c->ref, "notify_hours",
			 r->v->cfg.notify_hours, "open", open, "overdue", overdue, "tasks", arr);
}

static json_t *tasks_view(struct req *r, const struct case_record *c, int *err)
{
	*err = 0;
	return tasks_json(r, c);
}

void api_tasks_list(struct req *r)
{
	api_case_page(r, tasks_view);
}

/* An operation on victim care, answered with what it changed (the tasks,
 * her care, her referrals) built in its transaction. */
struct care_answer {
	struct api_case_answer a;
	struct case_record c;
};

static void care_call(struct req *r, struct ops_ctx *x, struct care_answer *a, int status,
		      api_page_fn *view)
{
	memset(&a->c, 0, sizeof a->c);
	api_case_call(r, x, &a->a, status, view, &a->c);
}

void api_tasks_create(struct req *r)
{
	static const char *const fields[] = { "event", "occurred_at", "detail", NULL };
	struct care_answer a;
	struct ops_ctx x;
	const char *event, *detail;
	int64_t at = clock_now_ms();

	if (req_body_required(r) < 0 || req_body_only(r, fields) < 0 ||
	    req_body_str(r, "event", true, 32, &event) < 0 ||
	    api_vocab(r, "event", event, plan_notify_events) < 0 ||
	    req_body_time(r, "occurred_at", false, &at, NULL) < 0 ||
	    req_body_str(r, "detail", false, TEXT_MAX, &detail) < 0)
		return;
	care_call(r, &x, &a, 201, tasks_view);
	api_ops_end(r, &x, ops_task_open(&x, req_param(r, "ref"), event, at, detail, &a.c));
	case_record_free(&a.c);
}

void api_task_update(struct req *r)
{
	static const char *const fields[] = { "version", "done", "note", NULL };
	struct care_answer a;
	struct ops_ctx x;
	const char *note;
	int64_t version, id;
	int done = 0;

	if (req_param_id(r, "id", "task", &id) < 0)
		return;
	if (api_body_version(r, fields, &version) < 0 ||
	    req_body_bool(r, "done", true, &done) < 0 ||
	    req_body_str(r, "note", true, TEXT_MAX, &note) < 0)
		return;
	if (!done) {
		req_fail(r, 400, "bad_request", "done",
			 "a task is completed with done: true; a done task is not reopened");
		return;
	}
	care_call(r, &x, &a, 200, tasks_view);
	api_ops_end(r, &x, ops_task_done(&x, req_param(r, "ref"), id, version, note, &a.c));
	case_record_free(&a.c);
}

/* ---- the victim care view ----------------------------------------------------------- */

struct contact_ctx {
	json_t *arr;
	bool withhold;
};

static int add_contact(const struct victim_contact_row *v, void *arg)
{
	struct contact_ctx *cc = arg;
	json_t *o = json_pack("{s:I, s:o, s:s, s:s, s:s, s:o}", "id", (json_int_t)v->id, "at",
			      req_time_json(v->contacted_at), "method", v->method, "by",
			      v->contact_by_name, "recorded_by", v->recorded_by_name, "recorded_at",
			      req_time_json(v->recorded_at));

	if (cc->withhold) {
		json_object_set_new(o, "content_withheld", json_true());
	} else {
		json_object_set_new(o, "told", json_string(v->told));
		json_object_set_new(o, "notes", v->notes ? json_string(v->notes) : json_null());
	}
	json_array_append_new(cc->arr, o);
	return 0;
}

static json_t *referral_json(const struct victim_referral_row *v)
{
	return json_pack("{s:I, s:s, s:s?, s:s?, s:s?, s:s, s:{s:o, s:s?, s:o}, s:s?, s:s, s:o, s:o,"
			 " s:I}",
			 "id", (json_int_t)v->id, "service", v->service, "agency", v->agency,
			 "provider", v->provider, "contact", v->provider_contact, "status", v->status,
			 "consent", "given",
			 v->consent < 0 ? json_null() : json_boolean(v->consent), "note",
			 v->consent_note, "at", req_time_json(v->consent_at), "note", v->note,
			 "offered_by", v->offered_by, "offered_at", req_time_json(v->offered_at),
			 "updated_at", req_time_json(v->updated_at), "version",
			 (json_int_t)v->version);
}

static int add_referral(const struct victim_referral_row *v, void *arg)
{
	json_array_append_new(arg, referral_json(v));
	return 0;
}

static int add_notify_task(const struct case_task_row *t, void *arg)
{
	if (strcmp(t->kind, "notify_victim") == 0)
		json_array_append_new(arg, task_json(t, clock_now_ms()));
	return 0;
}

/* Victim care; NULL with *err when the contact log's sealed notes would not
 * open. */
static json_t *care_json(struct req *r, const struct case_record *c, int *err)
{
	struct contact_ctx cc = { json_array(), !access_sees_victim_location(r->who.role) };
	json_t *refs, *tasks;
	int64_t last = victim_last_contact(r->db, c->id), now = clock_now_ms();
	char spoc[65];

	if (case_spoc_get(r->db, c->id, spoc, sizeof spoc) <= 0)
		spoc[0] = '\0';
	*err = victim_contacts_each(r->db, c->id, add_contact, &cc);
	if (*err == DB_SEALED) {
		json_decref(cc.arr);
		return NULL;
	}
	refs = json_array();
	*err = victim_referrals_each(r->db, c->id, add_referral, refs);
	if (*err == DB_SEALED) {
		json_decref(cc.arr);
		json_decref(refs);
		return NULL;
	}
	tasks = json_array();
	req_read(r, case_tasks_each(r->db, c->id, add_notify_task, tasks));
	if (last < 0)
		last = 0;
	return json_pack("{s:s, s:s?, s:o, s:b, s:i, s:o, s:o, s:o}", "ref", c->ref, "spoc",
			 spoc[0] ? spoc : NULL, "last_contact_at", req_time_json(last),
			 "contact_overdue",
			 c->status != CASE_CLOSED &&
				 plan_contact_overdue(last, c->created_at, r->v->cfg.contact_days, now),
			 "contact_days", r->v->cfg.contact_days, "contacts", cc.arr, "referrals", refs,
			 "notification_tasks", tasks);
}

void api_care_get(struct req *r)
{
	api_case_page(r, care_json);
}

void api_care_spoc(struct req *r)
{
	static const char *const fields[] = { "username", NULL };
	struct care_answer a;
	struct ops_ctx x;
	const char *name;

	if (req_body_required(r) < 0 || req_body_only(r, fields) < 0 ||
	    req_body_str(r, "username", true, 64, &name) < 0)
		return;
	care_call(r, &x, &a, 200, care_json);
	api_ops_end(r, &x, ops_care_spoc(&x, req_param(r, "ref"), name, &a.c));
	case_record_free(&a.c);
}

/* ---- contacts ------------------------------------------------------------------------ */

void api_care_contact(struct req *r)
{
	static const char *const fields[] = { "at", "method", "told", "notes", "by", "tasks", NULL };
	struct ops_contact in = { 0 };
	struct care_answer a;
	struct ops_ctx x;
	int64_t tasks[MAX_TASKS], id;
	json_t *jt;

	if (req_body_required(r) < 0 || req_body_only(r, fields) < 0 ||
	    req_body_time(r, "at", false, &in.at, NULL) < 0 ||
	    req_body_str(r, "method", true, 32, &in.method) < 0 ||
	    api_vocab(r, "method", in.method, victim_contact_methods) < 0 ||
	    req_body_str(r, "told", true, TEXT_MAX, &in.told) < 0 ||
	    req_body_str(r, "notes", false, TEXT_MAX, &in.notes) < 0 ||
	    req_body_str(r, "by", false, 64, &in.by) < 0)
		return;
	jt = json_object_get(r->body, "tasks");
	if (jt && !json_is_null(jt)) {
		size_t i;
		json_t *it;

		if (!json_is_array(jt) || json_array_size(jt) > MAX_TASKS) {
			req_fail(r, 400, "bad_request", "tasks",
				 "tasks must be a list of at most %d notification task ids this contact "
				 "completes",
				 MAX_TASKS);
			return;
		}
		json_array_foreach(jt, i, it) {
			if (!json_is_integer(it) || json_integer_value(it) < 1) {
				char field[32];

				snprintf(field, sizeof field, "tasks[%zu]", i);
				req_fail(r, 400, "bad_request", field, "%s must be a task id", field);
				return;
			}
			tasks[in.ntasks++] = json_integer_value(it);
		}
	}
	in.tasks = tasks;
	care_call(r, &x, &a, 201, care_json);
	api_ops_end(r, &x, ops_care_contact(&x, req_param(r, "ref"), &in, &a.c, &id));
	case_record_free(&a.c);
}

/* ---- referrals ---------------------------------------------------------------------- */

/* {"given": bool, "note": text}: her consent (1/0) and its note. */
static int parse_consent(struct req *r, struct ops_referral *in)
{
	static const char *const keys[] = { "given", "note", NULL };
	json_t *o = json_object_get(r->body, "consent"), *g;

	in->consent_given = false;
	in->consent_note = NULL;
	if (!o || json_is_null(o))
		return 0;
	if (!json_is_object(o)) {
		req_fail(r, 400, "bad_request", "consent",
			 "consent must be {\"given\": true or false, \"note\": how she gave it}");
		return -1;
	}
	if (req_obj_only(r, o, "consent", keys) < 0)
		return -1;
	g = json_object_get(o, "given");
	if (!json_is_boolean(g)) {
		req_fail(r, 400, "bad_request", "consent.given", "consent.given must be true or false");
		return -1;
	}
	if (req_obj_str(r, o, "note", "consent.note", false, TEXT_MAX, &in->consent_note) < 0)
		return -1;
	in->consent = json_is_true(g);
	in->consent_given = true;
	return 0;
}

/* The case's referrals; NULL when a sealed note would not open. */
static json_t *referrals_json(struct req *r, const struct case_record *c, int *err)
{
	json_t *refs = json_array();

	*err = victim_referrals_each(r->db, c->id, add_referral, refs);
	if (*err == DB_SEALED) {
		json_decref(refs);
		return NULL;
	}
	return json_pack("{s:s, s:o}", "ref", c->ref, "referrals", refs);
}

void api_care_referral_create(struct req *r)
{
	static const char *const fields[] = { "service", "agency", "provider", "contact", "status",
					      "consent", "note", NULL };
	struct ops_referral in = { 0 };
	struct care_answer a;
	struct ops_ctx x;

	if (req_body_required(r) < 0 || req_body_only(r, fields) < 0 ||
	    req_body_str(r, "service", true, 32, &in.service) < 0 ||
	    api_vocab(r, "service", in.service, victim_services) < 0 ||
	    req_body_str(r, "agency", false, 32, &in.agency) < 0 ||
	    req_body_str(r, "provider", false, 200, &in.provider) < 0 ||
	    req_body_str(r, "contact", false, 200, &in.provider_contact) < 0 ||
	    req_body_str(r, "status", false, 16, &in.status) < 0 ||
	    parse_consent(r, &in) < 0 || req_body_str(r, "note", false, TEXT_MAX, &in.note) < 0)
		return;
	/* an outside service (no Vigil account) is named, and how to reach it */
	if (in.provider_contact && !in.provider) {
		req_fail(r, 400, "bad_request", "provider",
			 "name the service the contact is for (provider)");
		return;
	}
	if (api_vocab(r, "status", in.status ? in.status : "offered", victim_referral_statuses) < 0)
		return;
	care_call(r, &x, &a, 201, referrals_json);
	api_ops_end(r, &x, ops_referral_make(&x, req_param(r, "ref"), &in, &a.c));
	case_record_free(&a.c);
}

void api_care_referral_update(struct req *r)
{
	static const char *const fields[] = { "version", "status", "consent", "note", NULL };
	struct ops_referral in = { 0 };
	struct care_answer a;
	struct ops_ctx x;
	int64_t id;

	if (req_param_id(r, "id", "referral", &id) < 0)
		return;
	if (api_body_version(r, fields, &in.version) < 0 ||
	    req_body_str(r, "status", false, 16, &in.status) < 0 || parse_consent(r, &in) < 0 ||
	    req_body_str(r, "note", false, TEXT_MAX, &in.note) < 0)
		return;
	care_call(r, &x, &a, 200, referrals_json);
	api_ops_end(r, &x, ops_referral_change(&x, req_param(r, "ref"), id, &in, &a.c));
	case_record_free(&a.c);
}
