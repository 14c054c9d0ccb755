/*
 * store/compliance — the queries behind the compliance view and the monthly
 * statistics of one agency's caseload.
 *
 * A case "has a current plan" when its plan has at least one action not
 * marked not_done (an empty plan, or one whose every action was abandoned,
 * protects no one).  The lists about cases (without a plan, reviews overdue,
 * victims not contacted, high risk without an advocate) and overdue actions
 * cover open cases (not closed); overdue notification tasks, breaches without
 * a crime record and orders ending cover every case of the agency, since a
 * victim is still owed those after a case closes.
 *
 * Functions return 0 or a negative DB_* code; rows passed to callbacks are
 * valid during the call only.
 */
#ifndef VIGIL_STORE_COMPLIANCE_H
#define VIGIL_STORE_COMPLIANCE_H

#include <stdint.h>

#include "db/db.h"

enum compliance_list {
	COMPLIANCE_NO_PLAN,            /* open cases without a current plan */
	COMPLIANCE_ACTIONS_OVERDUE,    /* plan actions past their due date, not done */
	COMPLIANCE_REVIEWS_OVERDUE,    /* open cases whose review date has passed */
	COMPLIANCE_NOT_CONTACTED,      /* victims not contacted within contact_days */
	COMPLIANCE_TASKS_OVERDUE,      /* notification tasks past their due time */
	COMPLIANCE_BREACHES_NO_CRIME,  /* breaches without a crime reference */
	COMPLIANCE_HIGH_NO_ADVOCATE,   /* high-risk open cases without an advocate referral */
	COMPLIANCE_ORDERS_ENDING,      /* orders in force ending within ending_days */
	COMPLIANCE_LIST_COUNT,
};

struct compliance_params {
	int64_t agency_id;
	int64_t now;
	int contact_days;
	int ending_days;
	int limit; /* rows per list */
};

/* One row of a list: the case, and the record it is about. */
struct compliance_row {
	const char *ref, *status, *risk_level, *typology, *owner;
	int64_t case_created_at;
	int64_t id;          /* the action, task, breach or order (0 for a case) */
	const char *kind;    /* action category, task event, order kind */
	const char *text;    /* action description, task detail */
	const char *who;     /* action owner */
	int64_t at;          /* due, review due, last contact (0: never), occurred, ends */
	int64_t other_id;    /* a breach's order */
};

int compliance_list_each(db *d, enum compliance_list list, const struct compliance_params *p,
			 int (*fn)(const struct compliance_row *r, void *arg), void *arg) DB_CHECKED;
/* How many rows a list has (not bounded by limit). */
int64_t compliance_list_count(db *d, enum compliance_list list,
			      const struct compliance_params *p) DB_CHECKED;

/* Open cases and those with a current plan, by (risk level, typology); NULL
 * for a case not assessed or without a decided typology. */
int compliance_coverage_each(db *d, const struct compliance_params *p,
			     int (*fn)(const char *risk_level, const char *typology, int64_t open,
				       int64_t with_plan, void *arg),
			     void *arg) DB_CHECKED;

/* ---- monthly statistics ---------------------------------------------------------- */

struct stats_month {
	int64_t from, to;            /* [from, to) in ms */
	int64_t reports;             /* cases reported */
	int64_t reports_open;        /* of those, open now (not closed) */
	int64_t reports_with_plan;   /* of the open ones, with a current plan now: the
				      * months' figures add up to the compliance view's
				      * headline */
	int64_t order_applications;  /* orders applied for (not PINs) */
	int64_t order_grants;        /* orders granted (not PINs) */
	int64_t breaches;            /* breaches that happened */
	int64_t assessed;            /* cases first assessed in the month */
	int64_t assess_median_ms;    /* their time from report to first assessment */
	int64_t assess_mean_ms;
	int64_t assessed_before_report; /* first assessed before their report (data
					 * imported or made by an older demo): left
					 * out of the figures above, counted here */
};

/*
 * Fill m (from and to set by the caller) for the agency; fn is called with
 * the month's reports by current typology and risk level (NULL: none yet).
 */
int stats_month_get(db *d, int64_t agency_id, struct stats_month *m,
		    int (*fn)(const char *typology, const char *risk_level, int64_t n, void *arg),
		    void *arg) DB_CHECKED;

#endif
