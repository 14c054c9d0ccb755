/*
 * ops/orders — orders and breaches (ops/orders.h).
 */
#include "ops/orders.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "core/order.h"
#include "ops/victims.h"
#include "store/incidents.h"
#include "store/tasks.h"

#define SKEW_MS (5 * 60 * 1000) /* a client clock a little ahead is not "the future" */

static bool granted(const char *status)
{
	return strcmp(status, "granted") == 0;
}

/* What the victim is told of when an order is granted. */
static const char *grant_event(const char *kind)
{
	return strcmp(kind, "bail_conditions") == 0 ? "bail_conditions" : "order_granted";
}

/* The rules beyond core's terms: the notification, and dates not in the future. */
static int check_order(struct ops_ctx *x, const struct case_record *c, struct order_row *o)
{
	struct order_terms t = { 0 };
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
	t.now = x->now + SKEW_MS;
	if (order_terms_check(&t, field, sizeof field, why, sizeof why) < 0)
		return ops_fail(x, ERR_BAD_REQUEST, field, "%s", why);
	if (o->notified_at) {
		if (!order_kind_is_spo(o->kind) || !o->served_at)
			return ops_fail(x, ERR_BAD_REQUEST, "notified_at",
					"notified_at records a served Stalking Protection Order's "
					"subject notifying his name and address");
		if (o->notified_at < o->served_at || o->notified_at > x->now + SKEW_MS)
			return ops_fail(x, ERR_BAD_REQUEST, "notified_at",
					"notified_at is between the service of the order and now");
	}
	o->notify_deadline = order_kind_is_spo(o->kind) ? order_notify_deadline(o->served_at) : 0;
	return 0;
}

/* A Police Information Notice is history: it has no conditions. */
static int pin_rule(struct ops_ctx *x, const char *kind, const struct ops_order *in)
{
	if ((in->given & OPS_ORDER_CONDITIONS) && in->nconditions &&
	    strcmp(kind, "pin_historic") == 0)
		return ops_fail(x, ERR_BAD_REQUEST, "conditions",
				"a Police Information Notice has no conditions");
	return 0;
}

/* After writing an order: the duty to notify, if its deadline has passed. */
static int duty_rule(struct ops_ctx *x, const struct order_row *o)
{
	int64_t id;

	if (!granted(o->status) || !order_notify_missed(o->notify_deadline, o->notified_at, x->now))
		return 0;
	id = order_duty_raise(x->db, o->case_id, o->id, o->notify_deadline);
	return id < 0 ? (int)id : 0;
}

static int write_conditions(struct ops_ctx *x, int64_t order_id, const struct ops_order *in)
{
	int rc = 0;

	for (int i = 0; rc >= 0 && i < in->nconditions; i++) {
		struct order_condition_row c = in->conditions[i];

		c.order_id = order_id;
		rc = (int)order_condition_insert(x->db, &c);
	}
	return rc;
}

int ops_order_record(struct ops_ctx *x, const char *ref, const struct ops_order *in,
		     struct case_record *c, int64_t *id)
{
	struct order_row o = in->o;
	char detail[200];
	int rc;

	memset(c, 0, sizeof *c);
	if (!o.status)
		o.status = strcmp(o.kind, "pin_historic") == 0 ? "granted" : "applied";
	if (strcmp(o.status, "discharged") == 0)
		return ops_fail(x, ERR_BAD_REQUEST, "status",
				"record the order as granted, then discharge it");
	rc = pin_rule(x, o.kind, in);
	if (rc >= 0)
		rc = ops_begin_case(x, ref, c);
	if (rc < 0)
		return rc;
	rc = check_order(x, c, &o);
	if (rc < 0)
		goto out;
	o.case_id = c->id;
	o.id = order_insert(x->db, &o, x->who.user_id);
	rc = o.id < 0 ? (int)o.id : write_conditions(x, o.id, in);
	snprintf(detail, sizeof detail, "order %lld: %s, %s", (long long)o.id, o.kind, o.status);
	if (rc >= 0)
		rc = ops_event(x, c->id, "order", "%s", detail);
	if (rc >= 0 && granted(o.status) && strcmp(o.kind, "pin_historic") != 0)
		rc = ops_notify_task_open(x, c->id, grant_event(o.kind), o.granted_at,
					  order_kind_title(o.kind), o.id);
	if (rc >= 0)
		rc = duty_rule(x, &o);
	if (rc >= 0) {
		*id = o.id;
		ops_detail(x, "%s", detail);
	}
out:
	return ops_end(x, rc);
}

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
	memset(k, 0, sizeof *k);
}

/* The case's order id into k: 1, or a refusal (ERR_NOT_FOUND). */
static int load_order(struct ops_ctx *x, const struct case_record *c, int64_t id,
		      struct order_keep *k)
{
	return ops_found(x, order_get(x->db, c->id, id, keep_order, k), c->ref, "order", id);
}

int ops_order_change(struct ops_ctx *x, const char *ref, int64_t id, const struct ops_order *in,
		     struct case_record *c)
{
	struct order_keep k = { 0 }, now = { 0 };
	const struct order_row *g = &in->o;
	struct order_row o;
	int64_t was_notified, was_served;
	bool terms_changed = false, newly_granted;
	char why[300], detail[200];
	int rc = ops_begin_case(x, ref, c);

	if (rc < 0)
		return rc;
	rc = load_order(x, c, id, &k);
	if (rc < 0)
		goto out;
	if (in->version != k.o.version) {
		rc = ops_stale(x, "order", in->version, k.o.version);
		goto out;
	}
	o = k.o;
	was_notified = o.notified_at;
	was_served = o.served_at;
	if ((in->given & OPS_ORDER_STATUS) &&
	    order_status_move(o.status, g->status, why, sizeof why) < 0) {
		rc = ops_fail(x, ERR_ILLEGAL_TRANSITION, "status", "%s", why);
		goto out;
	}
	newly_granted = (in->given & OPS_ORDER_STATUS) && granted(g->status) && !granted(o.status);
	if (in->given & OPS_ORDER_STATUS) {
		terms_changed = strcmp(g->status, o.status) != 0;
		o.status = g->status;
	}
	if (in->given & OPS_ORDER_REFERENCE)
		o.reference = g->reference;
	if (in->given & OPS_ORDER_COURT)
		o.court = g->court;
	if (in->given & OPS_ORDER_NOTES)
		o.notes = g->notes;
	{
		int64_t before[] = { o.starts_at, o.ends_at };

		if (in->given & OPS_ORDER_APPLIED)
			o.applied_at = g->applied_at;
		if (in->given & OPS_ORDER_GRANTED)
			o.granted_at = g->granted_at;
		if (in->given & OPS_ORDER_SERVED)
			o.served_at = g->served_at;
		if (in->given & OPS_ORDER_STARTS)
			o.starts_at = g->starts_at;
		if (in->given & OPS_ORDER_ENDS)
			o.ends_at = g->ends_at;
		if (in->given & OPS_ORDER_NOTIFIED)
			o.notified_at = g->notified_at;
		terms_changed = terms_changed || before[0] != o.starts_at || before[1] != o.ends_at;
	}
	if (in->given & OPS_ORDER_UFO) {
		terms_changed = terms_changed || o.until_further_order != g->until_further_order;
		o.until_further_order = g->until_further_order;
	}
	if (in->given & OPS_ORDER_CONDITIONS) {
		rc = pin_rule(x, o.kind, in);
		if (rc < 0)
			goto out;
		terms_changed = true;
	}
	rc = check_order(x, c, &o);
	if (rc < 0)
		goto out;
	rc = order_update(x->db, &o, in->version);
	if (rc == 0) {
		/* another changed it since this transaction read it */
		rc = load_order(x, c, id, &now);
		if (rc >= 0)
			rc = ops_stale(x, "order", in->version, now.o.version);
		goto out;
	}
	if (rc >= 0 && (in->given & OPS_ORDER_CONDITIONS)) {
		rc = order_conditions_clear(x->db, o.id);
		if (rc >= 0)
			rc = write_conditions(x, o.id, in);
	}
	snprintf(detail, sizeof detail, "order %lld: %s%s%s%s", (long long)o.id, o.status,
		 terms_changed ? ", terms changed" : "",
		 o.served_at && !was_served ? ", served" : "",
		 o.notified_at && !was_notified ? ", subject notified" : "");
	if (rc >= 0)
		rc = ops_event(x, c->id, "order", "%s", detail);
	/* she is told when an order is granted, varied or discharged */
	if (rc >= 0 && strcmp(o.kind, "pin_historic") != 0) {
		if (newly_granted)
			rc = ops_notify_task_open(x, c->id, grant_event(o.kind), o.granted_at,
						  order_kind_title(o.kind), o.id);
		else if (terms_changed && (granted(k.status) || strcmp(o.status, "discharged") == 0))
			rc = ops_notify_task_open(x, c->id, "order_changed", x->now,
						  order_kind_title(o.kind), o.id);
	}
	if (rc >= 0 && o.notified_at && !was_notified) {
		char key[40];

		snprintf(key, sizeof key, "duty:%lld", (long long)o.id);
		rc = case_task_done_by_key(x->db, key, x->who.user_id,
					   "the subject notified his name and address");
	}
	if (rc >= 0)
		rc = duty_rule(x, &o);
	if (rc >= 0)
		ops_detail(x, "%s", detail);
out:
	order_keep_free(&k);
	order_keep_free(&now);
	return ops_end(x, rc);
}

/* ---- breaches ------------------------------------------------------------------- */

int ops_breach_record(struct ops_ctx *x, const char *ref, int64_t order_id,
		      const struct ops_breach *in, struct case_record *c, int64_t *breach)
{
	struct order_keep k = { 0 };
	struct breach_new b = { 0 };
	int64_t bid;
	int rc;

	memset(c, 0, sizeof *c);
	if (in->occurred_at > x->now + SKEW_MS)
		return ops_fail(x, ERR_BAD_REQUEST, "occurred_at", "occurred_at is in the future");
	rc = ops_begin_case(x, ref, c);
	if (rc < 0)
		return rc;
	rc = load_order(x, c, order_id, &k);
	if (rc < 0)
		goto out;
	if (strcmp(k.o.kind, "pin_historic") == 0) {
		rc = ops_fail(x, ERR_CONFLICT, NULL,
			      "a Police Information Notice is not an order: it cannot be breached "
			      "(record the conduct as an incident)");
		goto out;
	}
	if (!granted(k.o.status) && strcmp(k.o.status, "discharged") != 0) {
		rc = ops_fail(x, ERR_CONFLICT, NULL, "order %lld was never granted (it is %s)",
			      (long long)order_id, k.o.status);
		goto out;
	}
	if (in->occurred_at < k.o.starts_at || (k.o.ends_at && in->occurred_at >= k.o.ends_at)) {
		rc = ops_fail(x, ERR_BAD_REQUEST, "occurred_at",
			      "order %lld was not in force at occurred_at", (long long)order_id);
		goto out;
	}
	for (int i = 0; i < in->nincidents; i++) {
		rc = incident_exists(x->db, c->id, in->incidents[i]);
		if (rc == 0) {
			char field[60];

			snprintf(field, sizeof field, "evidence.incidents[%d]", i);
			rc = ops_fail(x, ERR_BAD_REQUEST, field, "%s: the case has no incident %lld",
				      field, (long long)in->incidents[i]);
		}
		if (rc < 0)
			goto out;
	}
	b.case_id = c->id;
	b.order_id = order_id;
	b.occurred_at = in->occurred_at;
	b.description = in->description;
	b.evidence = in->evidence;
	b.by = x->who.user_id;
	b.by_name = x->who.username;
	bid = breach_record(x->db, &b);
	rc = bid < 0 ? (int)bid : 0;
	if (rc >= 0) {
		*breach = bid;
		ops_detail(x, "breach %lld of order %lld", (long long)bid, (long long)order_id);
	}
out:
	order_keep_free(&k);
	return ops_end(x, rc);
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

int ops_breach_change(struct ops_ctx *x, const char *ref, int64_t id, int64_t version,
		      const char *crime_reference, const char *outcome, struct case_record *c,
		      int64_t *order_id)
{
	struct breach_keep k = { 0 };
	int rc = ops_begin_case(x, ref, c);

	if (rc < 0)
		return rc;
	rc = ops_found(x, breach_get(x->db, c->id, id, keep_breach, &k), c->ref, "breach", id);
	if (rc < 0)
		goto out;
	if (version != k.version) {
		rc = ops_stale(x, "breach", version, k.version);
		goto out;
	}
	if (crime_reference && k.recorded) {
		rc = ops_fail(x, ERR_CONFLICT, "crime_reference",
			      "breach %lld is recorded as a crime already", (long long)id);
		goto out;
	}
	rc = breach_update(x->db, id, version, crime_reference, outcome);
	if (rc == 0) {
		/* another changed it since this transaction read it */
		rc = breach_get(x->db, c->id, id, keep_breach, &k);
		rc = rc < 0 ? rc : ops_stale(x, "breach", version, k.version);
		goto out;
	}
	if (rc >= 0 && crime_reference) {
		char key[40];

		snprintf(key, sizeof key, "crime:%lld", (long long)id);
		rc = case_task_done_by_key(x->db, key, x->who.user_id, crime_reference);
		if (rc >= 0)
			rc = ops_event(x, c->id, "crime_recorded", "%s", crime_reference);
	}
	if (rc >= 0 && outcome)
		rc = ops_event(x, c->id, "breach_outcome", "%s", outcome);
	if (rc >= 0) {
		*order_id = k.order_id;
		ops_detail(x, "breach %lld:%s%s", (long long)id,
			   crime_reference ? " crime recorded" : "", outcome ? " outcome" : "");
	}
out:
	return ops_end(x, rc);
}
