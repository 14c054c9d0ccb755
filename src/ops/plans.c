/*
 * ops/plans — the plan's operations and gates (ops/plans.h).
 */
#include "ops/plans.h"

#include <string.h>

#include "core/plan.h"
#include "store/plans.h"

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
