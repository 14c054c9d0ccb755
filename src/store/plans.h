/*
 * store/plans — a case's risk management plan in the database: the plan and
 * its version, its actions, a snapshot of every version, what the assessor
 * decided about each suggestion, and the case's reviews (periodic and
 * closing).
 *
 * One plan per case.  Every change to the plan or an action bumps the plan's
 * version (plan_bump(), refused when the version the caller read is stale)
 * and the caller then keeps a snapshot of the whole plan as that version, so
 * every change is kept.  Lookups return 1 found, 0 not, negative DB_* codes
 * on failure; writes 0 (or an id) or negative, inside the caller's
 * transaction.  Records passed to callbacks are valid during the call only.
 */
#ifndef VIGIL_STORE_PLANS_H
#define VIGIL_STORE_PLANS_H

#include <stdbool.h>
#include <stdint.h>

#include "core/plan.h"
#include "db/db.h"

struct plan_record {
	int64_t id;
	int64_t case_id;
	char *summary; /* owned; may be NULL */
	char created_by[65];
	int64_t created_at;
	char updated_by[65];
	int64_t updated_at;
	int64_t version;
};
void plan_record_free(struct plan_record *p);

int plan_get(db *d, int64_t case_id, struct plan_record *out) DB_CHECKED;
/* A new plan at version 1; returns its id. */
int64_t plan_insert(db *d, int64_t case_id, const char *summary, int64_t by) DB_CHECKED;
/* Bump the version from expected_version (and set the summary when
 * set_summary).  1 applied, 0 stale. */
int plan_bump(db *d, int64_t plan_id, int64_t expected_version, bool set_summary,
	      const char *summary, int64_t by) DB_CHECKED;

struct plan_action_row {
	int64_t id;
	int64_t plan_id;
	int64_t case_id;
	const char *category;
	const char *description;
	int64_t owner_id;     /* 0: none */
	const char *owner;    /* username, or NULL */
	int64_t agency_id;    /* 0: none */
	const char *agency;   /* code, or NULL */
	int64_t due_at;       /* 0: none */
	const char *status;
	const char *reason;
	const char *suggestion; /* the suggestion it came from, or NULL */
	const char *created_by;
	int64_t created_at;
	int64_t updated_at;
	int64_t done_at;
};

/* Insert (id, created_by, created_at, updated_at ignored); returns the id. */
int64_t plan_action_insert(db *d, const struct plan_action_row *a, int64_t by) DB_CHECKED;
/* Write category, description, owner, agency, due, status, reason, done_at. */
int plan_action_update(db *d, const struct plan_action_row *a) DB_CHECKED;
int plan_action_get(db *d, int64_t plan_id, int64_t id,
		    int (*fn)(const struct plan_action_row *a, void *arg), void *arg) DB_CHECKED;
int plan_actions_each(db *d, int64_t plan_id,
		      int (*fn)(const struct plan_action_row *a, void *arg), void *arg) DB_CHECKED;

/* Versions: the snapshot (JSON text) of the plan as each version left it. */
int plan_version_add(db *d, int64_t plan_id, int64_t version, int64_t by, const char *change,
		     const char *snapshot) DB_CHECKED;
/* Newest first. */
int plan_versions_each(db *d, int64_t plan_id,
		       int (*fn)(int64_t version, const char *by, int64_t at, const char *change,
				 void *arg),
		       void *arg) DB_CHECKED;
/* Keep the plan as it stands now as `version` (its summary and actions, as
 * JSON), with what changed. */
int plan_version_keep(db *d, int64_t plan_id, int64_t version, int64_t by,
		      const char *change) DB_CHECKED;
/* 1 and *snapshot (caller frees) when the version exists. */
int plan_version_get(db *d, int64_t plan_id, int64_t version, char **snapshot) DB_CHECKED;

/* Suggestion decisions: accepted, edited (accepted with changes) or rejected. */
int plan_decision_add(db *d, int64_t plan_id, const char *suggestion, const char *decision,
		      const char *reason, int64_t action_id, int table_version, int64_t by) DB_CHECKED;
int plan_decisions_each(db *d, int64_t plan_id,
			int (*fn)(const char *suggestion, const char *decision, const char *reason,
				  int64_t action_id, const char *by, int64_t at, void *arg),
			void *arg) DB_CHECKED;
/* 1 when a decision on this suggestion exists for the plan. */
int plan_decision_exists(db *d, int64_t plan_id, const char *suggestion) DB_CHECKED;

/* What the `assessed` gate needs from the database (high_risk is the
 * caller's). */
int plan_gate_facts_load(db *d, int64_t case_id, struct plan_gate_facts *f) DB_CHECKED;

/* ---- reviews ------------------------------------------------------------------ */

struct case_review_row {
	int64_t id;
	const char *kind;      /* review or closing */
	const char *outcome;   /* closing only */
	const char *summary;
	int64_t next_review_at;
	int64_t superseded_at; /* a closing review superseded by a reopening */
	const char *reviewed_by;
	int64_t reviewed_at;
};
int64_t case_review_insert(db *d, int64_t case_id, const char *kind, const char *outcome,
			   const char *summary, int64_t next_review_at, int64_t by) DB_CHECKED;
/* Newest first. */
int case_reviews_each(db *d, int64_t case_id,
		      int (*fn)(const struct case_review_row *r, void *arg), void *arg) DB_CHECKED;
/* 1 when the case has a closing review not superseded by a reopening. */
int case_review_closing_current(db *d, int64_t case_id) DB_CHECKED;
/* The case reopened: its closing reviews no longer stand. */
int case_reviews_supersede_closing(db *d, int64_t case_id) DB_CHECKED;
/* Set the case's next review (0: none). */
int case_set_review_due(db *d, int64_t case_id, int64_t at) DB_CHECKED;

#endif
