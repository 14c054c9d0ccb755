/*
 * ops/plans — the risk management plan: make and change it, take or refuse
 * the suggestion table's actions, add and move actions, review the plan; and
 * its gates on the case workflow.
 *
 * A case has one plan.  Every change to it is made from the version the
 * actor read (ERR_STALE_VERSION otherwise: the version is in the update's
 * WHERE, so of writers that read one version one wins), bumps the version
 * and keeps a snapshot of the whole plan as that version.  Police roles make
 * the plan; a clinician or an advocate may only move the actions she owns.
 * A medium or high risk case cannot leave assessment without a plan, and no
 * case is closed without a closing review that records its outcome.
 */
#ifndef VIGIL_OPS_PLANS_H
#define VIGIL_OPS_PLANS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/casefile.h"
#include "ops/ops.h"
#include "store/cases.h"
#include "store/plans.h"

/* The plan's gates on moving case c to status to: to `assessed` a plan with
 * an action that has an owner and a due date (at high risk an advocacy
 * referral too); to `closed` a closing review with its outcome.  0, or
 * ERR_ILLEGAL_TRANSITION saying exactly what is missing. */
int ops_plan_gate(struct ops_ctx *x, const struct case_record *c, enum case_status to);

/* What the suggestion table suggests for case c now, from its level,
 * typology and newest screen (core/plan.h's plan_suggest; caller owns). */
json_t *ops_plan_suggestions(struct ops_ctx *x, const struct case_record *c);
/* (NULL, with x->err, when the case's assessments could not be read) */

/* A decision on one of the suggestions. */
struct ops_plan_decision {
	const char *id;          /* the suggestion */
	const char *decision;    /* accept, edit or reject */
	const char *reason;      /* a rejection's */
	const char *category;    /* an edit's */
	const char *description; /* an edit's */
	const char *owner;       /* a username, or NULL */
	int64_t due_at;          /* 0: none */
};

/* Make the plan (version 0) or change it: its summary, decisions. */
struct ops_plan_change {
	int64_t version;
	bool set_summary;
	const char *summary;
	const struct ops_plan_decision *decisions;
	int ndecisions;
};
/* Leaves the case in *c and the plan as it now stands in *p; *made when
 * this made it. */
int ops_plan_put(struct ops_ctx *x, const char *ref, const struct ops_plan_change *in,
		 struct case_record *c, struct plan_record *p, bool *made);

/* The fields of an action a request gives (PATCH: which it changes). */
enum {
	OPS_ACTION_CATEGORY = 1 << 0,
	OPS_ACTION_DESCRIPTION = 1 << 1,
	OPS_ACTION_OWNER = 1 << 2,
	OPS_ACTION_DUE = 1 << 3,
	OPS_ACTION_STATUS = 1 << 4,
	OPS_ACTION_REASON = 1 << 5,
};
struct ops_plan_action {
	int64_t version;         /* the plan's */
	unsigned given;          /* OPS_ACTION_*: the fields given (null included) */
	const char *category;
	const char *description;
	const char *owner;       /* a username; NULL with OPS_ACTION_OWNER clears it */
	int64_t due_at;          /* 0 with OPS_ACTION_DUE clears it */
	const char *status;
	const char *reason;
	const char *suggestion;  /* adding: the suggestion it takes, or NULL */
};
/* Add an action (*action its id). */
int ops_plan_action_add(struct ops_ctx *x, const char *ref, const struct ops_plan_action *in,
			struct case_record *c, struct plan_record *p, int64_t *action);
/* Change action id: its status by the workflow of actions; anything else
 * (and others' actions) by police roles only. */
int ops_plan_action_change(struct ops_ctx *x, const char *ref, int64_t id,
			   const struct ops_plan_action *in, struct case_record *c,
			   struct plan_record *p);

/* A review of the plan: periodic ("review", setting the next, given or the
 * level's interval) or the closing one ("closing", with its outcome). */
struct ops_review {
	const char *kind;
	const char *summary;
	const char *outcome;
	bool next_given;         /* else the level's interval */
	int64_t next_review_at;
};
int ops_review_record(struct ops_ctx *x, const char *ref, const struct ops_review *in,
		      struct case_record *c);

#endif
