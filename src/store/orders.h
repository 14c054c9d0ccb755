/*
 * store/orders — protective orders on a case, their conditions (no contact,
 * exclusion zones, keep-away distances, programmes, tags), and breaches.
 *
 * A breach is never only a row: breach_record() also appends a linked
 * "breach_of_order" incident to the case's hash-chained log, opens a task to
 * record it as a crime, makes a plan review due at once and notes it on the
 * case's timeline, all in the caller's transaction.  The monitoring engine
 * calls breach_record_from_alert() when an alert is resolved as
 * breach_confirmed.  The duty-to-notify sweep raises a task when an SPO's
 * subject lets his three days to notify name and address pass.
 *
 * Lookups return 1 found, 0 not, negative DB_* codes on failure; writes 0 (or
 * an id) or negative.  Records passed to callbacks are valid during the call
 * only.
 */
#ifndef VIGIL_STORE_ORDERS_H
#define VIGIL_STORE_ORDERS_H

#include <stdbool.h>
#include <stdint.h>

#include "db/db.h"

struct order_row {
	int64_t id;
	int64_t case_id;
	const char *kind, *status, *reference, *court, *notes;
	int64_t applied_at, granted_at, served_at, starts_at, ends_at; /* 0: none */
	bool until_further_order;
	int64_t notify_deadline, notified_at; /* 0: none */
	const char *created_by; /* on reads */
	int64_t created_at, updated_at, version;
};

/* Insert (id, created_*, updated_at, version ignored); returns the id. */
int64_t order_insert(db *d, const struct order_row *o, int64_t by) DB_CHECKED;
/* Write every field from expected_version: 1 applied, 0 stale. */
int order_update(db *d, const struct order_row *o, int64_t expected_version) DB_CHECKED;
int order_get(db *d, int64_t case_id, int64_t id,
	      int (*fn)(const struct order_row *o, void *arg), void *arg) DB_CHECKED;
/* The case's orders, newest first. */
int orders_each(db *d, int64_t case_id, int (*fn)(const struct order_row *o, void *arg),
		void *arg) DB_CHECKED;

struct order_condition_row {
	int64_t id;
	int64_t order_id;
	const char *kind;
	const char *detail;
	const char *zone;      /* GeoJSON geometry text, or NULL */
	int64_t radius_m;      /* -1: none */
	int64_t warning_m;     /* -1: none */
	int64_t distance_m;    /* -1: none */
	int64_t starts_at, ends_at; /* 0: the order's own */
};
int64_t order_condition_insert(db *d, const struct order_condition_row *c) DB_CHECKED;
/* Remove an order's conditions (before writing its new list). */
int order_conditions_clear(db *d, int64_t order_id) DB_CHECKED;
int order_conditions_each(db *d, int64_t order_id,
			  int (*fn)(const struct order_condition_row *c, void *arg), void *arg) DB_CHECKED;

/* ---- breaches ---------------------------------------------------------------- */

struct breach_row {
	int64_t id;
	int64_t case_id;
	int64_t order_id;
	int64_t occurred_at;
	const char *description;
	const char *evidence;        /* JSON {"incidents": [seq], "alerts": [id], "trail": ...} */
	int64_t alert_id;            /* 0: none */
	int64_t incident_id;
	int64_t incident_seq;        /* on reads: the linked incident's place in the log */
	const char *crime_reference; /* NULL until recorded */
	int64_t crime_recorded_at;
	const char *outcome;
	const char *recorded_by;     /* on reads */
	int64_t recorded_at, updated_at, version;
};

struct breach_new {
	int64_t case_id;
	int64_t order_id;
	int64_t occurred_at;
	const char *description;
	const char *evidence; /* JSON text */
	int64_t alert_id;     /* 0: none */
	int64_t by;           /* the user recording it */
	const char *by_name;
};

/*
 * Record a breach with everything it sets off, in the caller's write
 * transaction: the breach row, a linked incident (behaviour breach_of_order)
 * appended to the case's incident chain, a crime_record task (due within 24
 * hours, the crime recording standard's limit), the case's review made due
 * now, and a "breach" event on the timeline.  Returns the breach id.
 */
int64_t breach_record(db *d, const struct breach_new *b) DB_CHECKED;

/* No order of the case is in force, so an alert cannot become a breach. */
#define BREACH_NO_ORDER (-20)

/*
 * For the monitoring engine: alert_id on case_id was resolved as
 * breach_confirmed by user `by` (> 0, an account: the operator who confirmed
 * it), with an optional note.  Records the breach (as breach_record() does)
 * against the case's order in force now, preferring the newest one with an
 * exclusion zone or a tag condition, with the alert as its evidence and the
 * time of the call as when it happened.  Call inside the write transaction
 * that resolves the alert, so that both stand or fall together; audit it
 * there too.
 *
 * Returns 0 when the breach was recorded, 1 when this alert's breach already
 * exists (nothing written: safe to call again), BREACH_NO_ORDER when the case
 * has no order in force (nothing written), or a negative DB_* code.
 */
int breach_record_from_alert(db *d, int64_t case_id, int64_t alert_id, const char *note,
			     int64_t by) DB_CHECKED;

/* The case's breaches (order_id 0: of every order), newest first. */
int breaches_each(db *d, int64_t case_id, int64_t order_id,
		  int (*fn)(const struct breach_row *b, void *arg), void *arg) DB_CHECKED;
int breach_get(db *d, int64_t case_id, int64_t id,
	       int (*fn)(const struct breach_row *b, void *arg), void *arg) DB_CHECKED;
/* Set the crime reference (NULL: leave) and outcome (NULL: leave) from
 * expected_version; a reference given for the first time sets
 * crime_recorded_at.  1 applied, 0 stale. */
int breach_update(db *d, int64_t id, int64_t expected_version, const char *crime_reference,
		  const char *outcome) DB_CHECKED;

/* ---- the duty to notify ------------------------------------------------------ */

/* Raise the duty_to_notify task of one order whose deadline passed, in the
 * caller's transaction; Vigil raises it, not a user.  The task id, or 0 when
 * the order already has one. */
int64_t order_duty_raise(db *d, int64_t case_id, int64_t order_id, int64_t deadline) DB_CHECKED;

/*
 * Raise a duty_to_notify task for every granted SPO whose subject has not
 * notified his name and address by its deadline (once per order), in a write
 * transaction of its own that also writes one audit entry per task (user
 * "vigil").  *raised counts the tasks.  0 or negative.
 */
int order_duty_sweep(db *d, int64_t now, int *raised) DB_CHECKED;

#endif
