/*
 * inbox — GET /api/v1/inbox[?scope=mine|team]: "My work", everything due to
 * the caller, overdue first, each item naming the record that completes it.
 *
 * Built from the records themselves (store/inbox.h), limited to the cases
 * the caller may see; a kind is asked for only when the caller's role has
 * the permission its form needs (a clinician gets no review to record, an
 * analyst nothing to change) and may read the part of the case it is on
 * (an operator gets no victim-care task).  Supervisors may ask for their
 * team's work: every item on the agency's cases, each naming whom it is due
 * to.  Items carry case references, never a victim's details.
 */
#include "api/api.h"

#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/mem.h"
#include "core/access.h"
#include "http/request.h"
#include "store/cases.h"
#include "store/inbox.h"
#include "vigil.h"

#define PER_KIND 500
#define CONTACT_SOON_DAYS 2
#define REVIEW_SOON_DAYS 3 /* under the shortest interval (high risk, 7 days): a review just recorded is not due again at once */

/* What a kind needs: the permission of the form that completes it and the
 * part of the case it is on (0: not on a case). */
static const struct {
	enum perm perm;
	unsigned part;
} needs[INBOX_KIND_COUNT] = {
	[INBOX_SCREENING] = { PERM_CASES_WRITE, CASE_PART_FILE },
	[INBOX_ASSESSMENT] = { PERM_ASSESS, CASE_PART_FILE },
	[INBOX_PLAN] = { PERM_PLANS_WRITE, CASE_PART_FILE },
	[INBOX_PLAN_ACTION] = { PERM_PLANS_WRITE, CASE_PART_FILE },
	[INBOX_REVIEW] = { PERM_PLANS_WRITE, CASE_PART_FILE },
	[INBOX_NOTIFY_VICTIM] = { PERM_VICTIMS_WRITE, CASE_PART_VICTIM_CARE },
	[INBOX_CONTACT] = { PERM_VICTIMS_WRITE, CASE_PART_VICTIM_CARE },
	[INBOX_ADVOCACY] = { PERM_VICTIMS_WRITE, CASE_PART_VICTIM_CARE },
	[INBOX_SIGNOFF] = { PERM_CASES_SIGNOFF, CASE_PART_RESPONSE },
	[INBOX_ORDER_SERVICE] = { PERM_ORDERS_WRITE, CASE_PART_RESPONSE },
	[INBOX_DUTY_TO_NOTIFY] = { PERM_ORDERS_WRITE, CASE_PART_RESPONSE },
	[INBOX_CRIME_RECORD] = { PERM_ORDERS_WRITE, CASE_PART_RESPONSE },
	[INBOX_ALERT] = { PERM_ALERTS, CASE_PART_RESPONSE },
	[INBOX_LOCKED_ACCOUNT] = { PERM_USERS_MANAGE, 0 },
	[INBOX_GRANT_OFFER] = { PERM_AGENCIES_MANAGE, 0 },
};

static const char *part_name(unsigned part)
{
	return part == CASE_PART_FILE ? "file" : part == CASE_PART_VICTIM_CARE ? "victim_care"
	       : part == CASE_PART_RESPONSE ? "response" : NULL;
}

struct item {
	json_t *json;
	int64_t due_at;
	bool overdue;
	int kind;
	size_t seq;
};

struct collect {
	struct item *items;
	size_t n, cap;
	int64_t now;
	int64_t per_kind[INBOX_KIND_COUNT];
};

static int add_item(const struct inbox_row *w, void *arg)
{
	struct collect *cl = arg;
	bool overdue = w->due_at && w->due_at < cl->now;
	json_t *o = json_pack("{s:s, s:I, s:s?, s:s?, s:o, s:b, s:s?, s:I}", "kind",
			      inbox_kind_name(w->kind), "id", (json_int_t)w->id, "what", w->what,
			      "detail", w->detail, "due_at",
			      w->due_at ? req_time_json(w->due_at) : json_null(), "overdue", overdue,
			      "due_to", w->due_to, "version", (json_int_t)w->version);

	if (w->ref)
		json_object_set_new(o, "case", json_pack("{s:s, s:s, s:s?}", "ref", w->ref, "status",
							w->status, "risk_level", w->risk_level));
	if (w->other_id)
		json_object_set_new(o, w->kind == INBOX_CRIME_RECORD ? "breach_id" : "order_id",
				    json_integer(w->other_id));
	if (part_name(needs[w->kind].part))
		json_object_set_new(o, "part", json_string(part_name(needs[w->kind].part)));
	if (cl->n == cl->cap) {
		cl->cap = cl->cap ? cl->cap * 2 : 64;
		cl->items = xrealloc(cl->items, cl->cap * sizeof *cl->items);
	}
	cl->items[cl->n] = (struct item){ o, w->due_at, overdue, (int)w->kind, cl->n };
	cl->n++;
	cl->per_kind[w->kind]++;
	return 0;
}

/* Overdue first (the longest overdue first), then by when due, then those
 * with no date (as soon as may be), each group in the order found. */
static int by_urgency(const void *pa, const void *pb)
{
	const struct item *a = pa, *b = pb;
	int ga = a->overdue ? 0 : a->due_at ? 1 : 2, gb = b->overdue ? 0 : b->due_at ? 1 : 2;

	if (ga != gb)
		return ga - gb;
	if (ga < 2 && a->due_at != b->due_at)
		return a->due_at < b->due_at ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

void api_inbox(struct req *r)
{
	const char *scope = req_query(r, "scope");
	struct collect cl = { .now = clock_now_ms() };
	struct inbox_params p = { 0 };
	unsigned parts = access_case_parts(r->who.role);
	int64_t overdue = 0;
	json_t *items, *by_kind;
	struct viewer v;
	int rc = 0;

	if (scope && strcmp(scope, "mine") && strcmp(scope, "team")) {
		req_fail(r, 400, "bad_request", "scope", "scope must be one of: mine, team");
		return;
	}
	p.team = scope && !strcmp(scope, "team");
	if (p.team && !access_role_has(r->who.role, PERM_CASES_SIGNOFF)) {
		req_fail(r, 403, "forbidden", "scope",
			 "only supervisors see their team's work; your own is scope=mine");
		return;
	}
	api_viewer(r, &v);
	p.v = &v;
	p.now = cl.now;
	p.contact_days = r->v->cfg.contact_days;
	p.contact_soon_days = CONTACT_SOON_DAYS;
	p.review_soon_days = REVIEW_SOON_DAYS;
	p.limit = PER_KIND;
	for (int k = 0; k < INBOX_KIND_COUNT && rc >= 0; k++) {
		if (!access_role_has(r->who.role, needs[k].perm))
			continue;
		if (needs[k].part && !access_role_has(r->who.role, PERM_CASES_READ))
			continue;
		if (needs[k].part && !(parts & needs[k].part))
			continue;
		rc = inbox_each(r->db, (enum inbox_kind)k, &p, add_item, &cl);
	}
	if (rc < 0) {
		for (size_t i = 0; i < cl.n; i++)
			json_decref(cl.items[i].json);
		free(cl.items);
		req_fail_db(r, rc);
		return;
	}
	if (cl.n)
		qsort(cl.items, cl.n, sizeof *cl.items, by_urgency);
	items = json_array();
	by_kind = json_object();
	for (size_t i = 0; i < cl.n; i++) {
		overdue += cl.items[i].overdue;
		json_array_append_new(items, cl.items[i].json);
	}
	for (int k = 0; k < INBOX_KIND_COUNT; k++)
		if (cl.per_kind[k])
			json_object_set_new(by_kind, inbox_kind_name((enum inbox_kind)k),
					    json_integer(cl.per_kind[k]));
	free(cl.items);
	req_audit_detail(r, "%s: %zu items", p.team ? "team" : "mine", cl.n);
	req_reply(r, 200,
		  json_pack("{s:s, s:o, s:{s:I, s:I, s:o}, s:o}", "scope", p.team ? "team" : "mine",
			    "at", req_time_json(cl.now), "counts", "total", (json_int_t)cl.n,
			    "overdue", (json_int_t)overdue, "by_kind", by_kind, "items", items));
}
