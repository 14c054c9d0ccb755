/*
 * ops/plans — the risk management plan: its gates on the case workflow.
 *
 * A medium or high risk case cannot leave assessment without a plan, and no
 * case is closed without a closing review that records its outcome.
 */
#ifndef VIGIL_OPS_PLANS_H
#define VIGIL_OPS_PLANS_H

#include "core/casefile.h"
#include "ops/ops.h"
#include "store/cases.h"

/* The plan's gates on moving case c to status to: to `assessed` a plan with
 * an action that has an owner and a due date (at high risk an advocacy
 * referral too); to `closed` a closing review with its outcome.  0, or
 * ERR_ILLEGAL_TRANSITION saying exactly what is missing. */
int ops_plan_gate(struct ops_ctx *x, const struct case_record *c, enum case_status to);

#endif
