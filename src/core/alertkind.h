/*
 * core/alertkind — the kinds of alert as one table: for each kind, how
 * severe it is, whom it goes to (the monitoring centre, the police, the
 * victim), what the victim is told, and the response steps the desk
 * follows.  The engine takes an alert's severity from here, the notifier
 * its channels and the victim's words, and the API the desk's steps, so a
 * new kind of alert, or a change to whom one goes, is a change to this
 * table and nothing else.
 *
 * Pure data: no I/O.  tests/unit/test_alertkind.c pins every row.
 */
#ifndef VIGIL_CORE_ALERTKIND_H
#define VIGIL_CORE_ALERTKIND_H

#include <stdbool.h>

/* Whom an alert goes to: a bit each (notify/ maps them to its webhooks). */
enum {
	ALERT_TO_CENTRE = 1u << 0, /* the monitoring centre hears of everything */
	ALERT_TO_VICTIM = 1u << 1, /* she is warned: he is near (never where he is) */
	ALERT_TO_POLICE = 1u << 2, /* the police are sent */
};

#define ALERT_STEPS_MAX 6

struct alert_kind {
	const char *kind;            /* "zone_entry" */
	const char *severity;        /* critical, high, medium or low */
	const char *severity_victim; /* raised by her own device; NULL: severity */
	unsigned to;                 /* ALERT_TO_* */
	const char *victim_text;     /* what she is told (ALERT_TO_VICTIM), else NULL */
	const char *steps[ALERT_STEPS_MAX + 1]; /* what the desk does, in order; NULL-ended */
};

/* Every kind, NULL-kinded at the end. */
extern const struct alert_kind alert_kinds[];

/* The row of kind; an unknown kind (a newer node's, in a database two
 * versions share) gets a row of its own: high, to the centre only. */
const struct alert_kind *alert_kind_find(const char *kind);
/* The severity of an alert of kind raised by an offender's device (offender
 * true, or no device: a timer's) or by the victim's. */
const char *alert_kind_severity(const char *kind, bool offender);

#endif
