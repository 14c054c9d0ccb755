/*
 * ops/victims — victim care and tasks (ops/victims.h).
 */
#include "ops/victims.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "core/plan.h"
#include "core/victim.h"
#include "store/account.h"
#include "store/tasks.h"
#include "store/victims.h"
#include "vigil.h"

#define SKEW_MS (5 * 60 * 1000) /* a client clock a little ahead is not "the future" */

int ops_notify_task_open(struct ops_ctx *x, int64_t case_id, const char *event, int64_t event_at,
			 const char *detail, int64_t order_id)
{
	struct case_task_new t = { 0 };
	int64_t id;

	t.case_id = case_id;
	t.kind = "notify_victim";
	t.event = event;
	t.detail = detail;
	t.event_at = event_at;
	t.due_at = plan_notify_due(event_at, x->v->cfg.notify_hours);
	t.order_id = order_id;
	t.opened_by = x->who.user_id;
	id = case_task_open(x->db, &t);
	if (id < 0)
		return (int)id;
	return ops_event(x, case_id, "task_opened", "%s", event);
}

/* ---- tasks ------------------------------------------------------------------------ */

int ops_task_open(struct ops_ctx *x, const char *ref, const char *event, int64_t at,
		  const char *detail, struct case_record *c)
{
	int rc;

	memset(c, 0, sizeof *c);
	if (at > x->now + SKEW_MS)
		return ops_fail(x, ERR_BAD_REQUEST, "occurred_at", "occurred_at is in the future");
	rc = ops_begin_case(x, ref, c);
	if (rc < 0)
		return rc;
	rc = ops_notify_task_open(x, c->id, event, at, detail, 0);
	if (rc >= 0)
		ops_detail(x, "notify_victim: %s", event);
	return ops_end(x, rc);
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

int ops_task_done(struct ops_ctx *x, const char *ref, int64_t id, int64_t version,
		  const char *note, struct case_record *c)
{
	struct task_keep k = { 0 };
	int rc = ops_begin_case(x, ref, c);

	if (rc < 0)
		return rc;
	rc = ops_found(x, case_task_get(x->db, c->id, id, keep_task, &k), c->ref, "task", id);
	if (rc < 0)
		goto out;
	if (strcmp(k.kind, "notify_victim") != 0) {
		rc = ops_fail(x, ERR_CONFLICT, NULL, "a %s task is done when its facts are recorded: %s",
			      k.kind,
			      strcmp(k.kind, "crime_record") == 0
				      ? "the breach's crime reference (PATCH .../breaches/{id})"
				      : "the subject's notification on the order (PATCH .../orders/{id})");
		goto out;
	}
	if (version != k.version) {
		rc = ops_stale(x, "task", version, k.version);
		goto out;
	}
	if (k.done_at) {
		rc = ops_fail(x, ERR_CONFLICT, NULL, "task %lld is done already", (long long)id);
		goto out;
	}
	rc = case_task_done(x->db, id, version, x->who.user_id, note);
	if (rc == 0) {
		/* another completed it since this transaction read it */
		rc = case_task_get(x->db, c->id, id, keep_task, &k);
		rc = rc < 0 ? rc : ops_stale(x, "task", version, k.version);
		goto out;
	}
	if (rc >= 0)
		rc = ops_event(x, c->id, "task_done", "%s", note);
	if (rc >= 0)
		ops_detail(x, "task %lld done", (long long)id);
out:
	return ops_end(x, rc);
}

/* ---- her point of contact and the contact log --------------------------------------- */

/* The account username, active: 0 with *u, or a refusal naming field. */
static int active_user(struct ops_ctx *x, const char *field, const char *username, struct user *u)
{
	int rc = user_get_by_name(x->db, username, u);

	if (rc < 0)
		return ops_fail_db(x, rc);
	if (rc == 0 || u->disabled)
		return ops_fail(x, ERR_BAD_REQUEST, field, "%s: '%.64s' is not an active account",
				field, username);
	return 0;
}

/* 0 when the account u may see case c (it is shared with her agency and she
 * is among those who see it); else a refusal naming field. */
static int user_sees_case(struct ops_ctx *x, const char *field, const struct user *u,
			  const struct case_record *c)
{
	struct viewer v = { .user_id = u->id, .role = u->role, .agency_id = u->agency_id };
	int rc = case_visible(x->db, c->id, &v);

	if (rc < 0)
		return ops_fail_db(x, rc);
	if (rc == 0)
		return ops_fail(x, ERR_BAD_REQUEST, field,
				"%s: '%s' cannot see case %s: a case is shared with its own agency "
				"and the agencies it is referred to, and within them with those who "
				"work it; refer it to her agency or assign her first",
				field, u->username, c->ref);
	return 0;
}

int ops_care_spoc(struct ops_ctx *x, const char *ref, const char *username,
		  struct case_record *c)
{
	struct user u = { 0 };
	int rc = ops_begin(x);

	memset(c, 0, sizeof *c);
	if (rc >= 0)
		rc = active_user(x, "username", username, &u);
	if (rc >= 0 && u.role != ROLE_OFFICER && u.role != ROLE_SUPERVISOR &&
	    u.role != ROLE_ADVOCATE)
		rc = ops_fail(x, ERR_BAD_REQUEST, "username",
			      "the single point of contact is an officer, a supervisor or an "
			      "advocate; '%s' is a%s %s",
			      username,
			      u.role == ROLE_ADMIN || u.role == ROLE_ANALYST || u.role == ROLE_OPERATOR
				      ? "n"
				      : "",
			      access_role_name(u.role));
	if (rc >= 0)
		rc = ops_case_open(x, ref, c);
	/* her point of contact must be able to see her case: of an agency it is
	 * shared with, and one who works it there */
	if (rc >= 0)
		rc = user_sees_case(x, "username", &u, c);
	if (rc >= 0)
		rc = case_spoc_set(x->db, c->id, u.id);
	if (rc >= 0)
		rc = ops_event(x, c->id, "spoc", "%s", u.username);
	if (rc >= 0)
		rc = case_touch(x->db, c->id);
	if (rc >= 0)
		ops_detail(x, "single point of contact %s", u.username);
	return ops_end(x, rc);
}

int ops_care_contact(struct ops_ctx *x, const char *ref, const struct ops_contact *in,
		     struct case_record *c, int64_t *id)
{
	struct victim_contact_row v = { 0 };
	struct user u = { 0 };
	char note[80];
	int rc;

	memset(c, 0, sizeof *c);
	v.contacted_at = in->at ? in->at : x->now;
	if (v.contacted_at > x->now + SKEW_MS)
		return ops_fail(x, ERR_BAD_REQUEST, "at",
				"at is in the future: log a contact once made");
	rc = ops_begin(x);
	if (rc >= 0 && in->by)
		rc = active_user(x, "by", in->by, &u);
	v.contact_by = in->by ? u.id : x->who.user_id;
	if (rc >= 0)
		rc = ops_case_open(x, ref, c);
	if (rc >= 0 && in->by)
		rc = user_sees_case(x, "by", &u, c);
	for (int i = 0; rc >= 0 && i < in->ntasks; i++) {
		struct task_keep k = { 0 };

		rc = case_task_get(x->db, c->id, in->tasks[i], keep_task, &k);
		if (rc == 0 || (rc > 0 && (strcmp(k.kind, "notify_victim") != 0 || k.done_at))) {
			snprintf(note, sizeof note, "tasks[%d]", i);
			rc = ops_fail(x, ERR_BAD_REQUEST, note,
				      "%s: %lld is not an open notification task of case %s", note,
				      (long long)in->tasks[i], c->ref);
		}
	}
	if (rc < 0)
		goto out;
	v.case_id = c->id;
	v.method = in->method;
	v.told = in->told;
	v.notes = in->notes;
	*id = victim_contact_insert(x->db, &v, x->who.user_id);
	rc = *id < 0 ? (int)*id : 0;
	snprintf(note, sizeof note, "told in contact %lld", (long long)*id);
	for (int i = 0; rc >= 0 && i < in->ntasks; i++) {
		struct task_keep k = { 0 };

		rc = case_task_get(x->db, c->id, in->tasks[i], keep_task, &k);
		if (rc > 0)
			rc = case_task_done(x->db, in->tasks[i], k.version, x->who.user_id, note);
		if (rc == 0)
			rc = DB_ERROR;
	}
	if (rc >= 0)
		rc = ops_event(x, c->id, "victim_contact", "%s", in->method);
	if (rc >= 0)
		ops_detail(x, "contact %lld by %s%s", (long long)*id, in->method,
			   in->ntasks ? ", completing tasks" : "");
out:
	return ops_end(x, rc);
}

/* ---- referrals ---------------------------------------------------------------------- */

/* Accepted (or completed) needs her consent to share her details. */
static int consent_rule(struct ops_ctx *x, const char *status, int consent)
{
	if ((strcmp(status, "accepted") == 0 || strcmp(status, "completed") == 0) && consent != 1)
		return ops_fail(x, ERR_BAD_REQUEST, "consent",
				"an %s referral shares her details: record her consent "
				"(consent.given true)",
				status);
	return 0;
}

/* With her consent, an accepted referral to an agency in Vigil lets it see the case. */
static int share(struct ops_ctx *x, int64_t case_id, const struct victim_referral_row *v)
{
	int rc;

	if (!v->agency_id || v->consent != 1 || strcmp(v->status, "accepted") != 0)
		return 0;
	rc = case_refer_consented(x->db, case_id, v->agency_id, x->who.user_id);
	if (rc >= 0)
		rc = ops_event(x, case_id, "referred", "%s", v->agency ? v->agency : v->service);
	return rc;
}

/* Declined or consent withdrawn after it was shared: the agency stops seeing
 * the case, unless another referral or an officer shared it. */
static int unshare(struct ops_ctx *x, int64_t case_id, const struct victim_referral_row *v)
{
	int rc;

	if (!v->agency_id || (v->consent == 1 && strcmp(v->status, "declined") != 0))
		return 0;
	rc = case_unrefer_consented(x->db, case_id, v->agency_id);
	if (rc == 1)
		rc = ops_event(x, case_id, "referral_withdrawn", "%s",
			       v->agency ? v->agency : v->service);
	return rc;
}

int ops_referral_make(struct ops_ctx *x, const char *ref, const struct ops_referral *in,
		      struct case_record *c)
{
	struct victim_referral_row v = { 0 };
	struct agency a;
	int64_t id;
	int rc;

	memset(c, 0, sizeof *c);
	v.service = in->service;
	v.provider = in->provider;
	v.provider_contact = in->provider_contact;
	v.status = in->status ? in->status : "offered";
	v.consent = in->consent_given ? in->consent : -1;
	v.consent_note = in->consent_note;
	v.note = in->note;
	rc = consent_rule(x, v.status, v.consent);
	if (rc >= 0)
		rc = ops_begin(x);
	if (rc < 0)
		return rc;
	if (in->agency) {
		rc = agency_get_by_code(x->db, in->agency, &a);
		if (rc <= 0) {
			if (rc == 0)
				rc = ops_fail(x, ERR_BAD_REQUEST, "agency", "unknown agency '%.32s'",
					      in->agency);
			goto out;
		}
		v.agency_id = a.id;
		v.agency = a.code;
	}
	if (in->consent_given)
		v.consent_at = x->now;
	rc = ops_case_open(x, ref, c);
	if (rc < 0)
		goto out;
	v.case_id = c->id;
	id = victim_referral_insert(x->db, &v, x->who.user_id);
	rc = id < 0 ? (int)id : 0;
	if (rc >= 0)
		rc = ops_event(x, c->id, "victim_referral", "%s", v.service);
	if (rc >= 0)
		rc = share(x, c->id, &v);
	if (rc >= 0)
		ops_detail(x, "referral %lld: %s %s", (long long)id, v.service, v.status);
out:
	return ops_end(x, rc);
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
	free(k->consent_note);
	free(k->note);
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

int ops_referral_change(struct ops_ctx *x, const char *ref, int64_t id,
			const struct ops_referral *in, struct case_record *c)
{
	struct referral_keep k = { 0 };
	bool was_shared; /* accepted with consent: the agency sees the case */
	char why[300];
	int rc = ops_begin_case(x, ref, c);

	if (rc < 0)
		return rc;
	rc = ops_found(x, victim_referral_get(x->db, c->id, id, keep_referral, &k), c->ref,
		       "referral", id);
	if (rc < 0)
		goto out;
	if (in->version != k.v.version) {
		rc = ops_stale(x, "referral", in->version, k.v.version);
		goto out;
	}
	was_shared = k.v.agency_id && k.v.consent == 1 && strcmp(k.v.status, "accepted") == 0;
	if (in->status && victim_referral_move(k.v.status, in->status, why, sizeof why) < 0) {
		rc = ops_fail(x, ERR_BAD_REQUEST, "status", "%s", why);
		goto out;
	}
	if (in->status)
		k.v.status = in->status;
	if (in->consent_given) {
		k.v.consent = in->consent;
		k.v.consent_note = in->consent_note;
		k.v.consent_at = x->now;
	}
	if (in->note)
		k.v.note = in->note;
	rc = consent_rule(x, k.v.status, k.v.consent);
	if (rc < 0)
		goto out;
	rc = victim_referral_update(x->db, &k.v, in->version);
	if (rc == 0) {
		/* another changed it since this transaction read it */
		int64_t sent = in->version;

		rc = victim_referral_get(x->db, c->id, id, keep_referral, &k);
		rc = rc < 0 ? rc : ops_stale(x, "referral", sent, k.v.version);
		goto out;
	}
	if (rc >= 0)
		rc = ops_event(x, c->id, "victim_referral", "%s", k.v.status);
	if (rc >= 0 && !was_shared)
		rc = share(x, c->id, &k.v);
	else if (rc >= 0)
		rc = unshare(x, c->id, &k.v);
	if (rc >= 0)
		ops_detail(x, "referral %lld: %s", (long long)id, k.v.status);
out:
	free(k.consent_note);
	free(k.note);
	return ops_end(x, rc);
}
