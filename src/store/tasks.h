/*
 * store/tasks — tasks on a case: telling the victim about an event
 * (notify_victim), chasing an SPO subject who missed his three days to notify
 * his name and address (duty_to_notify), recording a breach as a crime
 * (crime_record).  A task is open until done; whether it is overdue is
 * derived from its due time (core/plan.h), never stored.
 *
 * Lookups return 1 found, 0 not, negative DB_* codes on failure; writes 0 (or
 * an id) or negative, inside the caller's transaction.
 */
#ifndef VIGIL_STORE_TASKS_H
#define VIGIL_STORE_TASKS_H

#include <stdint.h>

#include "db/db.h"

struct case_task_new {
	int64_t case_id;
	const char *kind;   /* plan_task_kinds */
	const char *event;  /* notify_victim: plan_notify_events; else NULL */
	const char *detail;
	int64_t event_at;   /* when the event happened */
	int64_t due_at;
	int64_t order_id;   /* 0: none */
	int64_t breach_id;  /* 0: none */
	const char *dedupe; /* a task Vigil raises once only ("duty:12"), or NULL */
	int64_t opened_by;  /* 0: Vigil itself */
};

/* Open a task: its id, or 0 when one with the same dedupe key exists. */
int64_t case_task_open(db *d, const struct case_task_new *t) DB_CHECKED;

struct case_task_row {
	int64_t id;
	int64_t case_id;
	const char *kind, *event, *detail;
	int64_t event_at, due_at, order_id, breach_id;
	const char *opened_by; /* NULL: Vigil */
	int64_t opened_at;
	int64_t done_at;
	const char *done_by, *done_note;
	int64_t version;
};
/* Open tasks first (by due time), then done ones (newest first). */
int case_tasks_each(db *d, int64_t case_id,
		    int (*fn)(const struct case_task_row *t, void *arg), void *arg) DB_CHECKED;
int case_task_get(db *d, int64_t case_id, int64_t id,
		  int (*fn)(const struct case_task_row *t, void *arg), void *arg) DB_CHECKED;
/* Mark done from expected_version: 1 applied, 0 stale or already done. */
int case_task_done(db *d, int64_t id, int64_t expected_version, int64_t by,
		   const char *note) DB_CHECKED;
/* Close the open task with this dedupe key (a fact made it done). */
int case_task_done_by_key(db *d, const char *dedupe, int64_t by, const char *note) DB_CHECKED;

#endif
