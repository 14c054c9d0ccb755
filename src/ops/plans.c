/*
 * ops/plans — the plan's operations and gates (ops/plans.h).
 */
#include "ops/plans.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "core/instrument.h"
#include "core/plan.h"
#include "store/account.h"
#include "store/assessments.h"
#include "vigil.h"

#define DAY_MS (24LL * 3600 * 1000)

static bool police(enum role r)
{
	return r == ROLE_OFFICER || r == ROLE_SUPERVISOR;
}

int ops_plan_gate(struct ops_ctx *x, const struct case_record *c, enum case_status to)
{
	struct plan_gate_facts f;
	char why[600];
	int rc;

	if (to == CASE_ASSESSED) {
		rc = plan_gate_facts_load(x->db, c->id, &f);
		if (rc < 0)
			return ops_fail_db(x, rc);
		f.high_risk = strcmp(c->risk_level, "high") == 0;
		if (plan_gate_assessed(&f, why, sizeof why) < 0)
			return ops_fail(x, ERR_ILLEGAL_TRANSITION, "status",
					"case %s cannot move to assessed: %s", c->ref, why);
	} else if (to == CASE_CLOSED) {
		rc = case_review_closing_current(x->db, c->id);
		if (rc < 0)
			return ops_fail_db(x, rc);
		if (rc == 0)
			return ops_fail(x, ERR_ILLEGAL_TRANSITION, "status",
					"case %s cannot be closed: it needs a closing review that "
					"records the outcome (POST /api/v1/cases/%s/reviews with kind "
					"\"closing\"), and has none",
					c->ref, c->ref);
	}
	return 0;
}

/* ---- suggestions ------------------------------------------------------------ */

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

json_t *ops_plan_suggestions(struct ops_ctx *x, const struct case_record *c)
{
	struct screen_ctx sc = { plan_suggestions_screen(x->v->suggestions), NULL };
	struct plan_facts f;
	json_t *out;
	int rc;

	rc = assessment_each(x->db, c->id, newest_screen, &sc);
	if (rc < 0) {
		json_decref(sc.yes);
		ops_fail_db(x, rc);
		return NULL;
	}
	f.risk_level = c->risk_level;
	f.typology = c->typology;
	f.screen_yes = sc.yes;
	out = plan_suggest(x->v->suggestions, &f);
	json_decref(sc.yes);
	return out;
}

/* ---- shared -------------------------------------------------------------------- */

/* An action's owner, named by username: an active account that works the
 * case (not an administrator or an operator). */
static int owner_resolve(struct ops_ctx *x, const char *field, const char *name, int64_t *owner,
			 int64_t *agency)
{
	struct user u;
	int rc = user_get_by_name(x->db, name, &u);

	if (rc < 0)
		return ops_fail_db(x, rc);
	if (rc == 0 || u.disabled)
		return ops_fail(x, ERR_BAD_REQUEST, field, "%s: '%.64s' is not an active account",
				field, name);
	if (u.role == ROLE_ADMIN || u.role == ROLE_OPERATOR)
		return ops_fail(x, ERR_BAD_REQUEST, field,
				"%s: '%s' is an %s; an action's owner works the case (officer, "
				"supervisor, clinician, advocate or analyst)",
				field, name, access_role_name(u.role));
	*owner = u.id;
	*agency = u.agency_id;
	return 0;
}

static int refuse_closed(struct ops_ctx *x, const struct case_record *c)
{
	if (c->status != CASE_CLOSED)
		return 0;
	return ops_fail(x, ERR_ILLEGAL_TRANSITION, NULL,
			"case %s is closed; its plan is kept as it was (reopen the case to change "
			"it)",
			c->ref);
}

static int refuse_not_police(struct ops_ctx *x)
{
	if (police(x->who.role))
		return 0;
	return ops_fail(x, ERR_FORBIDDEN, NULL,
			"a %s may only update the plan actions she owns (their status); the plan "
			"is made by the police",
			access_role_name(x->who.role));
}

/* The case of ref, opened for a change the police make to its plan: not
 * closed, and the actor police. */
static int open_for_police(struct ops_ctx *x, const char *ref, struct case_record *c)
{
	int rc = ops_case_open(x, ref, c);

	if (rc >= 0)
		rc = refuse_closed(x, c);
	if (rc >= 0)
		rc = refuse_not_police(x);
	return rc;
}

/* The case's plan into *p: 1, 0 when there is none, or a failure. */
static int load_plan(struct ops_ctx *x, int64_t case_id, struct plan_record *p)
{
	int rc = plan_get(x->db, case_id, p);

	return rc < 0 ? ops_fail_db(x, rc) : rc;
}

/* ERR_STALE_VERSION for a change made on version sent of the case's plan,
 * which the update found moved: with the version it has now. */
static int stale_plan(struct ops_ctx *x, int64_t case_id, int64_t sent)
{
	struct plan_record now = { 0 };
	int64_t v = 0;

	if (plan_get(x->db, case_id, &now) == 1)
		v = now.version;
	plan_record_free(&now);
	return ops_stale(x, "plan", sent, v);
}

/* A plan write on version (bumping it): 1, or a refusal. */
static int bump(struct ops_ctx *x, const struct plan_record *p, int64_t version, bool set_summary,
		const char *summary)
{
	int rc = plan_bump(x->db, p->id, version, set_summary, summary, x->who.user_id);

	if (rc == 0)
		return stale_plan(x, p->case_id, version);
	return rc;
}

/* Keep the plan as `version` now stands, with what changed, and put the
 * change on the case's timeline. */
static int keep_version(struct ops_ctx *x, int64_t plan_id, int64_t case_id, int64_t version,
			const char *change)
{
	int rc = plan_version_keep(x->db, plan_id, version, x->who.user_id, change);

	if (rc >= 0)
		rc = ops_event(x, case_id, "plan", "version %lld: %s", (long long)version, change);
	return rc;
}

/* Read the plan again as the transaction leaves it. */
static int reread(struct ops_ctx *x, int64_t case_id, struct plan_record *p)
{
	plan_record_free(p);
	return plan_get(x->db, case_id, p) == 1 ? 0 : DB_ERROR;
}

/* ---- make or change the plan ----------------------------------------------------- */

static const char *decided(const char *decision)
{
	return strcmp(decision, "accept") == 0 ? "accepted"
	       : strcmp(decision, "edit") == 0 ? "edited"
					       : "rejected";
}

int ops_plan_put(struct ops_ctx *x, const char *ref, const struct ops_plan_change *in,
		 struct case_record *c, struct plan_record *p, bool *made)
{
	int64_t *owner = xcalloc((size_t)in->ndecisions + 1, sizeof *owner);
	int64_t *agency = xcalloc((size_t)in->ndecisions + 1, sizeof *agency);
	int64_t plan_id, newv;
	json_t *current = NULL;
	struct buf change;
	char field[64];
	int rc, have;

	buf_init(&change);
	memset(p, 0, sizeof *p);
	*made = false;
	rc = ops_begin(x);
	for (int i = 0; rc >= 0 && i < in->ndecisions; i++)
		if (in->decisions[i].owner) {
			snprintf(field, sizeof field, "suggestions[%d].owner", i);
			rc = owner_resolve(x, field, in->decisions[i].owner, &owner[i], &agency[i]);
		}
	if (rc >= 0)
		rc = open_for_police(x, ref, c);
	if (rc < 0)
		goto out;
	have = rc = load_plan(x, c->id, p);
	if (rc < 0)
		goto out;
	if (!have && in->version != 0) {
		rc = ops_fail(x, ERR_STALE_VERSION, "version",
			      "case %s has no plan yet: send version 0 to make it", c->ref);
		goto out;
	}
	if (have && in->version != p->version) {
		rc = ops_stale(x, "plan", in->version, p->version);
		goto out;
	}
	if (have && !in->set_summary && in->ndecisions == 0) {
		rc = ops_fail(x, ERR_BAD_REQUEST, NULL,
			      "nothing to change: give a summary or decisions on suggestions");
		goto out;
	}
	/* each decision is on a suggestion the case brings now, not decided before */
	current = ops_plan_suggestions(x, c);
	if (!current) {
		rc = x->err.code;
		goto out;
	}
	for (int i = 0; i < in->ndecisions; i++) {
		snprintf(field, sizeof field, "suggestions[%d].id", i);
		if (!plan_suggestion_in(current, in->decisions[i].id)) {
			rc = ops_fail(x, ERR_BAD_REQUEST, field,
				      "%s: '%.64s' is not a suggestion for case %s (GET its plan for "
				      "the suggestions)",
				      field, in->decisions[i].id, c->ref);
			goto out;
		}
		rc = have ? plan_decision_exists(x->db, p->id, in->decisions[i].id) : 0;
		if (rc != 0) {
			if (rc > 0)
				rc = ops_fail(x, ERR_CONFLICT, field,
					      "%s: suggestion '%s' was decided already", field,
					      in->decisions[i].id);
			goto out;
		}
	}
	if (!have) {
		plan_id = plan_insert(x->db, c->id, in->summary, x->who.user_id);
		/* another made the plan since this transaction looked: a plan is
		 * made once, and this one was made from version 0 */
		if (plan_id == DB_CONSTRAINT) {
			rc = stale_plan(x, c->id, 0);
			goto out;
		}
		rc = plan_id < 0 ? (int)plan_id : 0;
		newv = 1;
		*made = true;
		buf_puts(&change, "plan made");
	} else {
		plan_id = p->id;
		rc = bump(x, p, in->version, in->set_summary, in->summary);
		newv = in->version + 1;
		if (in->set_summary)
			buf_puts(&change, "summary changed");
	}
	for (int i = 0; rc >= 0 && i < in->ndecisions; i++) {
		const struct ops_plan_decision *d = &in->decisions[i];
		const char *cat, *desc;
		int64_t action = 0;

		if (strcmp(d->decision, "reject") != 0) {
			struct plan_action_row a = { 0 };

			plan_suggestion_get(x->v->suggestions, d->id, &cat, &desc);
			a.plan_id = plan_id;
			a.case_id = c->id;
			a.category = d->category ? d->category : cat;
			a.description = d->description ? d->description : desc;
			a.owner_id = owner[i];
			a.agency_id = agency[i];
			a.due_at = d->due_at;
			a.status = "planned";
			a.suggestion = d->id;
			action = plan_action_insert(x->db, &a, x->who.user_id);
			rc = action < 0 ? (int)action : 0;
		}
		if (rc >= 0)
			rc = plan_decision_add(x->db, plan_id, d->id, decided(d->decision), d->reason,
					       action, plan_suggestions_version(x->v->suggestions),
					       x->who.user_id);
		buf_printf(&change, "%ssuggestion %s %s", change.len ? "; " : "", d->id,
			   strcmp(d->decision, "accept") == 0	? "accepted"
			   : strcmp(d->decision, "edit") == 0 ? "accepted with changes"
							      : "rejected");
		if (action)
			buf_printf(&change, " as action %lld", (long long)action);
	}
	if (rc >= 0)
		rc = keep_version(x, plan_id, c->id, newv, change.len ? change.data : "no change");
	if (rc >= 0)
		rc = reread(x, c->id, p);
	if (rc >= 0)
		ops_detail(x, "plan v%lld: %s", (long long)newv, change.len ? change.data : "no change");
out:
	json_decref(current);
	buf_free(&change);
	free(owner);
	free(agency);
	return ops_end(x, rc);
}

/* ---- actions ----------------------------------------------------------------------- */

int ops_plan_action_add(struct ops_ctx *x, const char *ref, const struct ops_plan_action *in,
			struct case_record *c, struct plan_record *p, int64_t *action)
{
	struct plan_action_row a = { 0 };
	enum plan_action_status st = PLAN_PLANNED;
	const char *scat = NULL, *sdesc = NULL, *decision = NULL;
	json_t *current = NULL;
	char why[300], change[200];
	int64_t id = 0;
	int rc, have;

	memset(p, 0, sizeof *p);
	rc = ops_begin(x);
	if (rc >= 0 && in->owner)
		rc = owner_resolve(x, "owner", in->owner, &a.owner_id, &a.agency_id);
	if (rc >= 0 && in->status) {
		st = plan_action_status_parse(in->status);
		if (plan_action_move(PLAN_PLANNED, st, in->reason, why, sizeof why) < 0)
			rc = ops_fail(x, ERR_BAD_REQUEST, st == PLAN_STATUS_NONE ? "status" : "reason",
				      "%s", why);
	}
	if (rc >= 0)
		rc = open_for_police(x, ref, c);
	if (rc < 0)
		goto out;
	have = rc = load_plan(x, c->id, p);
	if (rc <= 0) {
		if (have == 0)
			rc = ops_fail(x, ERR_NO_PLAN, NULL,
				      "case %s has no plan yet: make it first (PUT /api/v1/cases/%s/plan "
				      "with version 0)",
				      c->ref, c->ref);
		goto out;
	}
	if (in->version != p->version) {
		rc = ops_stale(x, "plan", in->version, p->version);
		goto out;
	}
	if (in->suggestion) {
		current = ops_plan_suggestions(x, c);
		rc = current ? plan_decision_exists(x->db, p->id, in->suggestion) : x->err.code;
		if (rc < 0)
			goto out;
		if (!plan_suggestion_in(current, in->suggestion) || rc == 1) {
			rc = ops_fail(x, rc == 1 ? ERR_CONFLICT : ERR_BAD_REQUEST, "suggestion",
				      "'%.64s' is %s", in->suggestion,
				      rc == 1 ? "decided already" : "not a suggestion for this case");
			goto out;
		}
		plan_suggestion_get(x->v->suggestions, in->suggestion, &scat, &sdesc);
		decision = strcmp(scat, in->category) == 0 && strcmp(sdesc, in->description) == 0
				   ? "accepted"
				   : "edited";
	}
	a.plan_id = p->id;
	a.case_id = c->id;
	a.category = in->category;
	a.description = in->description;
	a.due_at = in->due_at;
	a.status = plan_action_status_name(st);
	a.reason = in->reason;
	a.suggestion = in->suggestion;
	a.done_at = st == PLAN_DONE ? x->now : 0;
	rc = bump(x, p, in->version, false, NULL);
	if (rc >= 0) {
		id = plan_action_insert(x->db, &a, x->who.user_id);
		rc = id < 0 ? (int)id : 0;
	}
	if (rc >= 0 && decision)
		rc = plan_decision_add(x->db, p->id, in->suggestion, decision, NULL, id,
				       plan_suggestions_version(x->v->suggestions), x->who.user_id);
	snprintf(change, sizeof change, "action %lld added (%s)%s%s%s", (long long)id, in->category,
		 decision ? ": suggestion " : "", decision ? in->suggestion : "",
		 decision ? (strcmp(decision, "accepted") == 0 ? " accepted" : " accepted with changes")
			  : "");
	if (rc >= 0)
		rc = keep_version(x, p->id, c->id, in->version + 1, change);
	if (rc >= 0)
		rc = reread(x, c->id, p);
	if (rc >= 0) {
		*action = id;
		ops_detail(x, "plan v%lld: %s", (long long)p->version, change);
	}
out:
	json_decref(current);
	return ops_end(x, rc);
}

struct action_keep {
	struct plan_action_row a;
	char category[40], status[16], *description, *reason;
};

static int keep_action(const struct plan_action_row *a, void *arg)
{
	struct action_keep *k = arg;

	k->a = *a;
	snprintf(k->category, sizeof k->category, "%s", a->category);
	snprintf(k->status, sizeof k->status, "%s", a->status);
	k->description = xstrdup(a->description);
	k->reason = a->reason ? xstrdup(a->reason) : NULL;
	k->a.category = k->category;
	k->a.status = k->status;
	k->a.description = k->description;
	k->a.reason = k->reason;
	k->a.owner = k->a.agency = k->a.suggestion = k->a.created_by = NULL;
	return 1;
}

/* What a clinician or an advocate may change of an action she owns. */
static const struct {
	unsigned field;
	const char *name;
} police_only[] = {
	{ OPS_ACTION_CATEGORY, "category" },
	{ OPS_ACTION_DESCRIPTION, "description" },
	{ OPS_ACTION_OWNER, "owner" },
	{ OPS_ACTION_DUE, "due_at" },
};

int ops_plan_action_change(struct ops_ctx *x, const char *ref, int64_t id,
			   const struct ops_plan_action *in, struct case_record *c,
			   struct plan_record *p)
{
	struct action_keep k = { 0 };
	enum plan_action_status from, to;
	int64_t owner = 0, agency = 0;
	struct buf change;
	char why[300];
	int rc, have;

	buf_init(&change);
	memset(p, 0, sizeof *p);
	rc = ops_begin(x);
	if (rc >= 0 && in->owner)
		rc = owner_resolve(x, "owner", in->owner, &owner, &agency);
	if (rc >= 0)
		rc = ops_case_open(x, ref, c);
	if (rc >= 0)
		rc = refuse_closed(x, c);
	if (rc < 0)
		goto out;
	have = rc = load_plan(x, c->id, p);
	if (rc < 0)
		goto out;
	rc = have ? plan_action_get(x->db, p->id, id, keep_action, &k) : 0;
	if (rc <= 0) {
		if (rc == 0)
			rc = ops_fail(x, ERR_NOT_FOUND, NULL, "the plan of case %s has no action %lld",
				      c->ref, (long long)id);
		goto out;
	}
	if (!police(x->who.role)) {
		if (k.a.owner_id != x->who.user_id) {
			rc = ops_fail(x, ERR_FORBIDDEN, NULL,
				      "a %s may only update the plan actions she owns; action %lld is "
				      "not yours",
				      access_role_name(x->who.role), (long long)id);
			goto out;
		}
		for (size_t i = 0; i < sizeof police_only / sizeof police_only[0]; i++)
			if (in->given & police_only[i].field) {
				rc = ops_fail(x, ERR_FORBIDDEN, police_only[i].name,
					      "a %s updates the status (and reason) of her own "
					      "actions only, not their %s",
					      access_role_name(x->who.role), police_only[i].name);
				goto out;
			}
	}
	if (in->version != p->version) {
		rc = ops_stale(x, "plan", in->version, p->version);
		goto out;
	}
	from = plan_action_status_parse(k.a.status);
	to = in->status ? plan_action_status_parse(in->status) : from;
	if (plan_action_move(from, to, in->reason, why, sizeof why) < 0) {
		rc = ops_fail(x, ERR_BAD_REQUEST,
			      to == PLAN_STATUS_NONE || !in->reason ? "status" : "reason", "%s", why);
		goto out;
	}
	if (to != from) {
		buf_printf(&change, "action %lld: %s -> %s", (long long)id, k.a.status,
			   plan_action_status_name(to));
		k.a.status = plan_action_status_name(to);
		k.a.done_at = to == PLAN_DONE ? x->now : 0;
	}
	if (in->reason)
		k.a.reason = in->reason;
	if (in->category && strcmp(in->category, k.a.category) != 0) {
		buf_printf(&change, "%saction %lld: category %s", change.len ? "; " : "",
			   (long long)id, in->category);
		k.a.category = in->category;
	}
	if (in->description && strcmp(in->description, k.a.description) != 0) {
		buf_printf(&change, "%saction %lld: description changed", change.len ? "; " : "",
			   (long long)id);
		k.a.description = in->description;
	}
	if (in->given & OPS_ACTION_OWNER) {
		buf_printf(&change, "%saction %lld: owner %s", change.len ? "; " : "", (long long)id,
			   in->owner ? "set" : "removed");
		k.a.owner_id = owner;
		k.a.agency_id = agency;
	}
	if (in->given & OPS_ACTION_DUE) {
		buf_printf(&change, "%saction %lld: due date %s", change.len ? "; " : "",
			   (long long)id, in->due_at ? "set" : "removed");
		k.a.due_at = in->due_at;
	}
	if (!change.len)
		buf_printf(&change, "action %lld: %s", (long long)id,
			   in->reason ? "reason noted" : "unchanged");
	rc = bump(x, p, in->version, false, NULL);
	if (rc >= 0)
		rc = plan_action_update(x->db, &k.a);
	if (rc >= 0)
		rc = keep_version(x, p->id, c->id, in->version + 1, change.data);
	if (rc >= 0)
		rc = reread(x, c->id, p);
	if (rc >= 0)
		ops_detail(x, "plan v%lld: %s", (long long)p->version, change.data);
out:
	buf_free(&change);
	free(k.description);
	free(k.reason);
	return ops_end(x, rc);
}

/* ---- reviews ------------------------------------------------------------------------ */

int ops_review_record(struct ops_ctx *x, const char *ref, const struct ops_review *in,
		      struct case_record *c)
{
	const struct vigil_config *cfg = &x->v->cfg;
	const struct review_policy policy = { cfg->review_days[2], cfg->review_days[1],
					      cfg->review_days[0] };
	bool closing = strcmp(in->kind, "closing") == 0;
	struct plan_record p = { 0 };
	int64_t next = in->next_review_at, id;
	char why[600];
	int rc, have;

	rc = ops_begin(x);
	if (rc < 0)
		return rc;
	if (closing) {
		if (!in->outcome)
			rc = ops_fail(x, ERR_BAD_REQUEST, "outcome",
				      "a closing review records the outcome");
		else if (plan_closing_outcome_check(in->outcome, why, sizeof why) < 0)
			rc = ops_fail(x, ERR_BAD_REQUEST, "outcome", "%s", why);
		else if (in->next_given)
			rc = ops_fail(x, ERR_BAD_REQUEST, "next_review_at",
				      "a closing review sets no next review");
	} else {
		if (in->outcome)
			rc = ops_fail(x, ERR_BAD_REQUEST, "outcome",
				      "only a closing review records an outcome");
		else if (in->next_given && in->next_review_at <= x->now)
			rc = ops_fail(x, ERR_BAD_REQUEST, "next_review_at",
				      "next_review_at must be in the future");
	}
	if (rc >= 0)
		rc = open_for_police(x, ref, c);
	if (rc < 0)
		goto out;
	have = rc = load_plan(x, c->id, &p);
	if (rc <= 0) {
		if (have == 0)
			rc = ops_fail(x, ERR_NO_PLAN, NULL,
				      "case %s has no plan to review: make it first (PUT "
				      "/api/v1/cases/%s/plan)",
				      c->ref, c->ref);
		goto out;
	}
	if (!closing && !in->next_given) {
		enum risk_level l = risk_level_parse(c->risk_level[0] ? c->risk_level : NULL);
		int days = review_days(&policy, l == RISK_NONE ? RISK_MEDIUM : l);

		next = x->now + (int64_t)days * DAY_MS;
	}
	id = case_review_insert(x->db, c->id, in->kind, in->outcome, in->summary,
				closing ? 0 : next, x->who.user_id);
	rc = id < 0 ? (int)id : 0;
	/* a closing review leaves the review date: a case that is not closed after
	 * all still has its review to do */
	if (rc >= 0 && !closing)
		rc = case_set_review_due(x->db, c->id, next);
	if (rc >= 0)
		rc = ops_event(x, c->id, closing ? "closing_review" : "review", "%s",
			       closing ? in->outcome : "plan reviewed");
	if (rc >= 0)
		rc = case_touch(x->db, c->id);
	if (rc >= 0) {
		int64_t cid = c->id;

		case_record_free(c);
		rc = case_get_by_id(x->db, cid, c) == 1 ? 0 : DB_ERROR;
	}
	if (rc >= 0)
		ops_detail(x, "%s review%s%s", in->kind, closing ? ": " : "",
			   closing ? in->outcome : "");
out:
	plan_record_free(&p);
	return ops_end(x, rc);
}
