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
#include "store/account.h"
#include "store/cases.h"
#include "store/tasks.h"
#include "store/victims.h"
#include "vigil.h"

#define TEXT_MAX 4000
#define SKEW_MS (5 * 60 * 1000) /* a client clock a little ahead is not "the future" */
#define MAX_TASKS 20

static int64_t parse_id(const char *s)
{
	char *end;
	long long v = strtoll(s, &end, 10);

	return *end || v <= 0 ? 0 : (int64_t)v;
}

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

	case_tasks_each(r->db, c->id, add_task, arr);
	json_array_foreach(arr, i, it) {
		open += !json_is_true(json_object_get(it, "done"));
		overdue += json_is_true(json_object_get(it, "overdue"));
	}
	return json_pack("{s:s, s:i, s:i, s:i, s:o}", "ref", c->ref, "notify_hours",
			 r->v->cfg.notify_hours, "open", open, "overdue", overdue, "tasks", arr);
}

void api_tasks_list(struct req *r)
{
	struct case_record c;

	if (api_case_load(r, &c) < 0)
		return;
	req_reply(r, 200, tasks_json(r, &c));
	case_record_free(&c);
}

int api_notify_task_open(struct req *r, int64_t case_id, const char *event, int64_t event_at,
			 const char *detail, int64_t order_id)
{
	struct case_task_new t = { 0 };
	int64_t id;

	t.case_id = case_id;
	t.kind = "notify_victim";
	t.event = event;
	t.detail = detail;
	t.event_at = event_at;
	t.due_at = plan_notify_due(event_at, r->v->cfg.notify_hours);
	t.order_id = order_id;
	t.opened_by = r->who.user_id;
	id = case_task_open(r->db, &t);
	if (id < 0)
		return (int)id;
	return case_event_add(r->db, case_id, r->who.user_id, r->who.username, "task_opened", event);
}

void api_tasks_create(struct req *r)
{
	static const char *const fields[] = { "event", "occurred_at", "detail", NULL };
	struct case_record c = { 0 };
	const char *event, *detail;
	int64_t at = clock_now_ms(), now = at;
	int rc;

	if (req_body_required(r) < 0 || req_body_only(r, fields) < 0 ||
	    req_body_str(r, "event", true, 32, &event) < 0 ||
	    api_vocab(r, "event", event, plan_notify_events) < 0 ||
	    req_body_time(r, "occurred_at", false, &at, NULL) < 0 ||
	    req_body_str(r, "detail", false, TEXT_MAX, &detail) < 0)
		return;
	if (at > now + SKEW_MS) {
		req_fail(r, 400, "bad_request", "occurred_at", "occurred_at is in the future");
		return;
	}
	if (api_case_load(r, &c) < 0)
		return;
	if (req_tx_begin(r) < 0)
		goto out;
	rc = api_notify_task_open(r, c.id, event, at, detail, 0);
	if (rc < 0) {
		req_tx_rollback(r);
		req_fail_db(r, rc);
		goto out;
	}
	req_audit_detail(r, "notify_victim: %s", event);
	req_reply(r, 201, tasks_json(r, &c));
	req_tx_commit(r);
out:
	case_record_free(&c);
}

struct task_keep {
	char kind[24];
	int64_t done_at, version;
};

static int keep_task(const struct case_task_row *t, void *arg)
{
	struct task_keep *k = arg;

	snprintf(k->kind, sizeof k->kind, "%s", t->kind);
	k->done_at = t->done_at;
	k->version = t->version;
	return 1;
}

void api_task_update(struct req *r)
{
	static const char *const fields[] = { "version", "done", "note", NULL };
	struct case_record c = { 0 };
	struct task_keep k = { 0 };
	const char *note;
	int64_t version, id = parse_id(req_param(r, "id"));
	int done = 0, rc;

	if (!id) {
		req_fail(r, 404, "not_found", NULL, "there is no task '%s'", req_param(r, "id"));
		return;
	}
	if (req_body_required(r) < 0 || req_body_only(r, fields) < 0 ||
	    req_body_int(r, "version", true, 1, INT64_MAX, &version, NULL) < 0 ||
	    req_body_bool(r, "done", true, &done) < 0 ||
	    req_body_str(r, "note", true, TEXT_MAX, &note) < 0)
		return;
	if (!done) {
		req_fail(r, 400, "bad_request", "done",
			 "a task is completed with done: true; a done task is not reopened");
		return;
	}
	if (api_case_load(r, &c) < 0)
		return;
	rc = case_task_get(r->db, c.id, id, keep_task, &k);
	if (rc <= 0) {
		if (rc < 0)
			req_fail_db(r, rc);
		else
			req_fail(r, 404, "not_found", NULL, "case %s has no task %lld", c.ref,
				 (long long)id);
		goto out;
	}
	if (strcmp(k.kind, "notify_victim") != 0) {
		req_fail(r, 409, "conflict", NULL,
			 "a %s task is done when its facts are recorded: %s", k.kind,
			 strcmp(k.kind, "crime_record") == 0
				 ? "the breach's crime reference (PATCH .../breaches/{id})"
				 : "the subject's notification on the order (PATCH .../orders/{id})");
		goto out;
	}
	if (version != k.version) {
		api_stale(r, "task", version, k.version);
		goto out;
	}
	if (k.done_at) {
		req_fail(r, 409, "conflict", NULL, "task %lld is done already", (long long)id);
		goto out;
	}
	if (req_tx_begin(r) < 0)
		goto out;
	rc = case_task_done(r->db, id, version, r->who.user_id, note);
	if (rc == 0) {
		req_tx_rollback(r);
		api_stale(r, "task", version, version + 1);
		goto out;
	}
	if (rc >= 0)
		rc = case_event_add(r->db, c.id, r->who.user_id, r->who.username, "task_done", note);
	if (rc < 0) {
		req_tx_rollback(r);
		req_fail_db(r, rc);
		goto out;
	}
	req_audit_detail(r, "task %lld done", (long long)id);
	req_reply(r, 200, tasks_json(r, &c));
	req_tx_commit(r);
out:
	case_record_free(&c);
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
			 "provider", v->provider, "contact", v->provider_contact, "status", v->status, "consent", "given",
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
	case_tasks_each(r->db, c->id, add_notify_task, tasks);
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

/* Answer with victim care and commit the request's transaction, if any. */
static void reply_care(struct req *r, int status, const struct case_record *c)
{
	int rc;
	json_t *o = care_json(r, c, &rc);

	if (!o) {
		req_tx_rollback(r);
		req_fail_db(r, rc);
		return;
	}
	req_reply(r, status, o);
	if (r->in_tx)
		req_tx_commit(r);
}

void api_care_get(struct req *r)
{
	struct case_record c;

	if (api_case_load(r, &c) < 0)
		return;
	reply_care(r, 200, &c);
	case_record_free(&c);
}

void api_care_spoc(struct req *r)
{
	static const char *const fields[] = { "username", NULL };
	struct case_record c = { 0 };
	const char *name;
	struct user u;
	int rc;

	if (req_body_required(r) < 0 || req_body_only(r, fields) < 0 ||
	    req_body_str(r, "username", true, 64, &name) < 0)
		return;
	if (api_user_active(r, "username", name, &u) < 0)
		return;
	if (u.role != ROLE_OFFICER && u.role != ROLE_SUPERVISOR && u.role != ROLE_ADVOCATE) {
		req_fail(r, 400, "bad_request", "username",
			 "the single point of contact is an officer, a supervisor or an advocate; "
			 "'%s' is a%s %s",
			 name, u.role == ROLE_ADMIN || u.role == ROLE_ANALYST || u.role == ROLE_OPERATOR ? "n" : "",
			 access_role_name(u.role));
		return;
	}
	if (api_case_load(r, &c) < 0)
		return;
	/* her point of contact must be able to see her case: of an agency it is
	 * shared with, and one who works it there */
	if (api_user_sees_case(r, "username", &u, &c) < 0)
		goto out;
	if (req_tx_begin(r) < 0)
		goto out;
	rc = case_spoc_set(r->db, c.id, u.id);
	if (rc >= 0)
		rc = case_event_add(r->db, c.id, r->who.user_id, r->who.username, "spoc", u.username);
	if (rc >= 0)
		rc = case_touch(r->db, c.id);
	if (rc < 0) {
		req_tx_rollback(r);
		req_fail_db(r, rc);
		goto out;
	}
	req_audit_detail(r, "single point of contact %s", u.username);
	reply_care(r, 200, &c);
out:
	case_record_free(&c);
}

/* ---- contacts ------------------------------------------------------------------------ */

void api_care_contact(struct req *r)
{
	static const char *const fields[] = { "at", "method", "told", "notes", "by", "tasks", NULL };
	struct victim_contact_row v = { 0 };
	struct case_record c = { 0 };
	const char *method, *told, *notes, *by;
	int64_t tasks[MAX_TASKS], now = clock_now_ms(), id;
	json_t *jt;
	size_t ntasks = 0;
	struct user u;
	char note[80];
	int rc;

	v.contacted_at = now;
	if (req_body_required(r) < 0 || req_body_only(r, fields) < 0 ||
	    req_body_time(r, "at", false, &v.contacted_at, NULL) < 0 ||
	    req_body_str(r, "method", true, 32, &method) < 0 ||
	    api_vocab(r, "method", method, victim_contact_methods) < 0 ||
	    req_body_str(r, "told", true, TEXT_MAX, &told) < 0 ||
	    req_body_str(r, "notes", false, TEXT_MAX, &notes) < 0 ||
	    req_body_str(r, "by", false, 64, &by) < 0)
		return;
	if (v.contacted_at > now + SKEW_MS) {
		req_fail(r, 400, "bad_request", "at", "at is in the future: log a contact once made");
		return;
	}
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
				snprintf(note, sizeof note, "tasks[%zu]", i);
				req_fail(r, 400, "bad_request", note, "%s must be a task id", note);
				return;
			}
			tasks[ntasks++] = json_integer_value(it);
		}
	}
	if (by) {
		if (api_user_active(r, "by", by, &u) < 0)
			return;
		v.contact_by = u.id;
	} else {
		v.contact_by = r->who.user_id;
	}
	if (api_case_load(r, &c) < 0)
		return;
	if (by && api_user_sees_case(r, "by", &u, &c) < 0)
		goto out;
	for (size_t i = 0; i < ntasks; i++) {
		struct task_keep k = { 0 };

		rc = case_task_get(r->db, c.id, tasks[i], keep_task, &k);
		if (rc < 0) {
			req_fail_db(r, rc);
			goto out;
		}
		if (rc == 0 || strcmp(k.kind, "notify_victim") != 0 || k.done_at) {
			snprintf(note, sizeof note, "tasks[%zu]", i);
			req_fail(r, 400, "bad_request", note,
				 "%s: %lld is not an open notification task of case %s", note,
				 (long long)tasks[i], c.ref);
			goto out;
		}
	}
	v.case_id = c.id;
	v.method = method;
	v.told = told;
	v.notes = notes;
	if (req_tx_begin(r) < 0)
		goto out;
	id = victim_contact_insert(r->db, &v, r->who.user_id);
	rc = id < 0 ? (int)id : 0;
	snprintf(note, sizeof note, "told in contact %lld", (long long)id);
	for (size_t i = 0; rc >= 0 && i < ntasks; i++) {
		struct task_keep k = { 0 };

		rc = case_task_get(r->db, c.id, tasks[i], keep_task, &k);
		if (rc > 0)
			rc = case_task_done(r->db, tasks[i], k.version, r->who.user_id, note);
		if (rc == 0)
			rc = DB_ERROR;
	}
	if (rc >= 0)
		rc = case_event_add(r->db, c.id, r->who.user_id, r->who.username, "victim_contact",
				    method);
	if (rc < 0) {
		req_tx_rollback(r);
		req_fail_db(r, rc);
		goto out;
	}
	req_audit_detail(r, "contact %lld by %s%s", (long long)id, method,
			 ntasks ? ", completing tasks" : "");
	reply_care(r, 201, &c);
out:
	case_record_free(&c);
}

/* ---- referrals ---------------------------------------------------------------------- */

/* {"given": bool, "note": text}: consent 1/0 and its note. */
static int parse_consent(struct req *r, int *consent, const char **note, bool *present)
{
	static const char *const keys[] = { "given", "note", NULL };
	json_t *o = json_object_get(r->body, "consent"), *g;

	*present = false;
	*note = NULL;
	if (!o || json_is_null(o))
		return 0;
	if (!json_is_object(o)) {
		req_fail(r, 400, "bad_request", "consent",
			 "consent must be {\"given\": true or false, \"note\": how she gave it}");
		return -1;
	}
	if (api_obj_only(r, o, "consent", keys) < 0)
		return -1;
	g = json_object_get(o, "given");
	if (!json_is_boolean(g)) {
		req_fail(r, 400, "bad_request", "consent.given", "consent.given must be true or false");
		return -1;
	}
	if (api_obj_str(r, o, "note", "consent.note", false, TEXT_MAX, note) < 0)
		return -1;
	*consent = json_is_true(g);
	*present = true;
	return 0;
}

/* Accepted (or completed) needs her consent to share her details. */
static int consent_rule(struct req *r, const char *status, int consent)
{
	if ((strcmp(status, "accepted") == 0 || strcmp(status, "completed") == 0) && consent != 1) {
		req_fail(r, 400, "bad_request", "consent",
			 "an %s referral shares her details: record her consent (consent.given "
			 "true)",
			 status);
		return -1;
	}
	return 0;
}

/* With her consent, an accepted referral to an agency in Vigil lets it see the case. */
static int share(struct req *r, int64_t case_id, const struct victim_referral_row *v)
{
	int rc;

	if (!v->agency_id || v->consent != 1 || strcmp(v->status, "accepted") != 0)
		return 0;
	rc = case_refer_consented(r->db, case_id, v->agency_id, r->who.user_id);
	if (rc >= 0)
		rc = case_event_add(r->db, case_id, r->who.user_id, r->who.username, "referred",
				    v->agency ? v->agency : v->service);
	return rc;
}

/* Declined or consent withdrawn after it was shared: the agency stops seeing
 * the case, unless another referral or an officer shared it. */
static int unshare(struct req *r, int64_t case_id, const struct victim_referral_row *v)
{
	int rc;

	if (!v->agency_id || (v->consent == 1 && strcmp(v->status, "declined") != 0))
		return 0;
	rc = case_unrefer_consented(r->db, case_id, v->agency_id);
	if (rc == 1)
		rc = case_event_add(r->db, case_id, r->who.user_id, r->who.username,
				    "referral_withdrawn", v->agency ? v->agency : v->service);
	return rc;
}

/* The case's referrals; NULL when a sealed note would not open. */
static json_t *referrals_json(struct req *r, const struct case_record *c);

/* Answer with the referrals and commit the request's transaction. */
static void reply_referrals(struct req *r, int status, const struct case_record *c)
{
	json_t *o = referrals_json(r, c);

	if (!o) {
		req_tx_rollback(r);
		req_fail_db(r, DB_SEALED);
		return;
	}
	req_reply(r, status, o);
	req_tx_commit(r);
}

static json_t *referrals_json(struct req *r, const struct case_record *c)
{
	json_t *refs = json_array();

	if (victim_referrals_each(r->db, c->id, add_referral, refs) == DB_SEALED) {
		json_decref(refs);
		return NULL;
	}
	return json_pack("{s:s, s:o}", "ref", c->ref, "referrals", refs);
}

void api_care_referral_create(struct req *r)
{
	static const char *const fields[] = { "service", "agency", "provider", "contact", "status",
					      "consent", "note", NULL };
	struct victim_referral_row v = { 0 };
	struct case_record c = { 0 };
	const char *code = NULL;
	struct agency a;
	bool has_consent;
	int64_t id;
	int rc;

	v.status = "offered";
	v.consent = -1;
	if (req_body_required(r) < 0 || req_body_only(r, fields) < 0 ||
	    req_body_str(r, "service", true, 32, &v.service) < 0 ||
	    api_vocab(r, "service", v.service, victim_services) < 0 ||
	    req_body_str(r, "agency", false, 32, &code) < 0 ||
	    req_body_str(r, "provider", false, 200, &v.provider) < 0 ||
	    req_body_str(r, "contact", false, 200, &v.provider_contact) < 0 ||
	    req_body_str(r, "status", false, 16, &v.status) < 0 ||
	    parse_consent(r, &v.consent, &v.consent_note, &has_consent) < 0 ||
	    req_body_str(r, "note", false, TEXT_MAX, &v.note) < 0)
		return;
	if (!v.status)
		v.status = "offered";
	/* an outside service (no Vigil account) is named, and how to reach it */
	if (v.provider_contact && !v.provider) {
		req_fail(r, 400, "bad_request", "provider",
			 "name the service the contact is for (provider)");
		return;
	}
	if (api_vocab(r, "status", v.status, victim_referral_statuses) < 0 ||
	    consent_rule(r, v.status, v.consent) < 0)
		return;
	if (code) {
		rc = agency_get_by_code(r->db, code, &a);
		if (rc <= 0) {
			if (rc < 0)
				req_fail_db(r, rc);
			else
				req_fail(r, 400, "bad_request", "agency", "unknown agency '%.32s'", code);
			return;
		}
		v.agency_id = a.id;
		v.agency = a.code;
	}
	if (has_consent)
		v.consent_at = clock_now_ms();
	if (api_case_load(r, &c) < 0)
		return;
	v.case_id = c.id;
	if (req_tx_begin(r) < 0)
		goto out;
	id = victim_referral_insert(r->db, &v, r->who.user_id);
	rc = id < 0 ? (int)id : 0;
	if (rc >= 0)
		rc = case_event_add(r->db, c.id, r->who.user_id, r->who.username, "victim_referral",
				    v.service);
	if (rc >= 0)
		rc = share(r, c.id, &v);
	if (rc < 0) {
		req_tx_rollback(r);
		req_fail_db(r, rc);
		goto out;
	}
	req_audit_detail(r, "referral %lld: %s %s", (long long)id, v.service, v.status);
	reply_referrals(r, 201, &c);
out:
	case_record_free(&c);
}

struct referral_keep {
	struct victim_referral_row v;
	char service[32], status[16], agency[33];
	char *consent_note, *note;
};

static int keep_referral(const struct victim_referral_row *v, void *arg)
{
	struct referral_keep *k = arg;

	k->v = *v;
	snprintf(k->service, sizeof k->service, "%s", v->service);
	snprintf(k->status, sizeof k->status, "%s", v->status);
	snprintf(k->agency, sizeof k->agency, "%s", v->agency ? v->agency : "");
	k->consent_note = v->consent_note ? xstrdup(v->consent_note) : NULL;
	k->note = v->note ? xstrdup(v->note) : NULL;
	k->v.service = k->service;
	k->v.status = k->status;
	k->v.agency = v->agency ? k->agency : NULL;
	k->v.consent_note = k->consent_note;
	k->v.note = k->note;
	k->v.provider = k->v.provider_contact = k->v.offered_by = NULL;
	return 1;
}

void api_care_referral_update(struct req *r)
{
	static const char *const fields[] = { "version", "status", "consent", "note", NULL };
	struct referral_keep k = { 0 };
	struct case_record c = { 0 };
	const char *status, *note, *cnote;
	int64_t version, id = parse_id(req_param(r, "id"));
	int consent = -1, rc;
	bool has_consent, was_shared; /* accepted with consent: the agency sees the case */
	char why[300];

	if (!id) {
		req_fail(r, 404, "not_found", NULL, "there is no referral '%s'", req_param(r, "id"));
		return;
	}
	if (req_body_required(r) < 0 || req_body_only(r, fields) < 0 ||
	    req_body_int(r, "version", true, 1, INT64_MAX, &version, NULL) < 0 ||
	    req_body_str(r, "status", false, 16, &status) < 0 ||
	    parse_consent(r, &consent, &cnote, &has_consent) < 0 ||
	    req_body_str(r, "note", false, TEXT_MAX, &note) < 0)
		return;
	if (api_case_load(r, &c) < 0)
		return;
	rc = victim_referral_get(r->db, c.id, id, keep_referral, &k);
	if (rc <= 0) {
		if (rc < 0)
			req_fail_db(r, rc);
		else
			req_fail(r, 404, "not_found", NULL, "case %s has no referral %lld", c.ref,
				 (long long)id);
		goto out;
	}
	if (version != k.v.version) {
		api_stale(r, "referral", version, k.v.version);
		goto out;
	}
	was_shared = k.v.agency_id && k.v.consent == 1 && strcmp(k.v.status, "accepted") == 0;
	if (status && victim_referral_move(k.v.status, status, why, sizeof why) < 0) {
		req_fail(r, 400, "bad_request", "status", "%s", why);
		goto out;
	}
	if (status)
		k.v.status = status;
	if (has_consent) {
		k.v.consent = consent;
		k.v.consent_note = cnote;
		k.v.consent_at = clock_now_ms();
	}
	if (note)
		k.v.note = note;
	if (consent_rule(r, k.v.status, k.v.consent) < 0)
		goto out;
	if (req_tx_begin(r) < 0)
		goto out;
	rc = victim_referral_update(r->db, &k.v, version);
	if (rc == 0) {
		req_tx_rollback(r);
		api_stale(r, "referral", version, version + 1);
		goto out;
	}
	if (rc >= 0)
		rc = case_event_add(r->db, c.id, r->who.user_id, r->who.username, "victim_referral",
				    k.v.status);
	if (rc >= 0 && !was_shared)
		rc = share(r, c.id, &k.v);
	else if (rc >= 0)
		rc = unshare(r, c.id, &k.v);
	if (rc < 0) {
		req_tx_rollback(r);
		req_fail_db(r, rc);
		goto out;
	}
	req_audit_detail(r, "referral %lld: %s", (long long)id, k.v.status);
	reply_referrals(r, 200, &c);
out:
	free(k.consent_note);
	free(k.note);
	case_record_free(&c);
}
