/*
 * ops/orders — protective orders and their breaches: record an order, change
 * it (grant, vary, serve, discharge; the subject's notification), record a
 * breach, and its crime reference and outcome.
 *
 * The terms each kind may have are core/order.c's (a fixed-term full SPO
 * lasts at least two years; a Police Information Notice is only history).
 * Granting an order, or changing a granted one, opens a task to tell the
 * victim.  A served SPO carries the subject's three days to notify his name
 * and address: when they pass with no notification a task is raised (at once
 * if the order is recorded late, else by the housekeeping sweep), and
 * recording the notification closes it.  A breach creates its linked
 * incident, a crime-record task and a review due now (store/orders.c);
 * recording the crime reference closes the task.
 */
#ifndef VIGIL_OPS_ORDERS_H
#define VIGIL_OPS_ORDERS_H

#include <stdbool.h>
#include <stdint.h>

#include "ops/ops.h"
#include "store/cases.h"
#include "store/orders.h"

/* The fields of an order a request gives (a change sets those). */
enum {
	OPS_ORDER_STATUS = 1 << 0,
	OPS_ORDER_REFERENCE = 1 << 1,
	OPS_ORDER_COURT = 1 << 2,
	OPS_ORDER_NOTES = 1 << 3,
	OPS_ORDER_APPLIED = 1 << 4,
	OPS_ORDER_GRANTED = 1 << 5,
	OPS_ORDER_SERVED = 1 << 6,
	OPS_ORDER_STARTS = 1 << 7,
	OPS_ORDER_ENDS = 1 << 8,     /* with ends_at 0: no end (until further order) */
	OPS_ORDER_NOTIFIED = 1 << 9,
	OPS_ORDER_UFO = 1 << 10,
	OPS_ORDER_CONDITIONS = 1 << 11,
};

struct ops_order {
	int64_t version;          /* a change's */
	unsigned given;           /* OPS_ORDER_* */
	struct order_row o;       /* kind (a new one's), status, reference, court, notes,
				   * the times, until_further_order: as given */
	const struct order_condition_row *conditions; /* well formed (zones checked) */
	int nconditions;
};

/* Record an order (*id its id). */
int ops_order_record(struct ops_ctx *x, const char *ref, const struct ops_order *in,
		     struct case_record *c, int64_t *id);
/* Change order id, made on its version. */
int ops_order_change(struct ops_ctx *x, const char *ref, int64_t id, const struct ops_order *in,
		     struct case_record *c);

/* A breach of order_id: when, what, and its evidence (JSON text of
 * {"incidents": [seq], "alerts": [id], "trail": ...}; the incidents, listed
 * again in incidents, must be the case's).  *breach its id. */
struct ops_breach {
	int64_t occurred_at;
	const char *description;
	const char *evidence;
	const int64_t *incidents;
	int nincidents;
};
int ops_breach_record(struct ops_ctx *x, const char *ref, int64_t order_id,
		      const struct ops_breach *in, struct case_record *c, int64_t *breach);
/* Record a breach's crime reference and/or outcome (NULL: leave), made on
 * its version; *order_id is the order it breached. */
int ops_breach_change(struct ops_ctx *x, const char *ref, int64_t id, int64_t version,
		      const char *crime_reference, const char *outcome, struct case_record *c,
		      int64_t *order_id);

#endif
