/*
 * ops/alerts — the monitoring desk's work on an alert: acknowledge it,
 * dispatch the police, resolve it with an outcome, and record the steps of
 * the response protocol (calling her, calling him).
 *
 * An alert's life is open -> acknowledged -> dispatched -> resolved (any
 * unresolved alert may be resolved, an open one dispatched at once).  The
 * move is made in the UPDATE's WHERE on the state read and, when the desk
 * sends it, the version (store/monitor.h alert_transition): of two operators
 * working one alert at once, one moves it and the other is told it changed
 * (a version sent that is not the alert's is answered ERR_STALE_VERSION
 * before the move is judged; tests/api/concurrency-alerts.test.mjs).
 * A confirmed breach is recorded against the case's order in force in the
 * same transaction.  Every move and step is an event of the alert, which the
 * live streams of every node hear of when it commits.
 */
#ifndef VIGIL_OPS_ALERTS_H
#define VIGIL_OPS_ALERTS_H

#include <stdint.h>

#include "ops/ops.h"
#include "store/monitor.h"

/* Alert id, if the actor may see its case: ERR_NOT_FOUND, ERR_FORBIDDEN.
 * Names it as the audit object.  The caller frees a with alert_free(). */
int ops_alert_open(struct ops_ctx *x, int64_t id, struct alert *a);

struct ops_alert_move {
	const char *to;      /* acknowledged, dispatched or resolved */
	int64_t version;     /* the version the desk saw; 0: as it is now */
	const char *note;    /* resolving: required (api/ checks) */
	const char *outcome; /* resolving: breach_confirmed, false_alarm, technical */
};
/* Move alert id.  *a is the alert as moved (the caller frees it with
 * alert_free()); *breach, for a confirmed breach, what became of it:
 * "recorded", "already recorded" or "no order in force" (else NULL).
 * ERR_ILLEGAL_TRANSITION, ERR_STALE_VERSION. */
int ops_alert_move(struct ops_ctx *x, int64_t id, const struct ops_alert_move *in,
		   struct alert *a, const char **breach);

/* A step of the response protocol (api/'s alert steps) at x->now on an
 * unresolved alert: the event's id, or ERR_ILLEGAL_TRANSITION when it is
 * resolved. */
int64_t ops_alert_step(struct ops_ctx *x, int64_t id, const char *step);

#endif
