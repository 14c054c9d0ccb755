/*
 * compliance — what a supervisor must not miss, and the monthly volumes:
 * GET /api/v1/compliance[?contact_days=N], GET /api/v1/stats?from=&to=.
 *
 * Both are about the caller's agency's cases (the caseload a supervisor and an
 * analyst see).  The compliance view lists cases without a current plan,
 * overdue actions, overdue reviews, victims not contacted within N days,
 * overdue notification tasks, breaches without a crime record, high-risk
 * cases without an advocate referral and orders ending within 30 days, each
 * with its count; its headline is the share of open cases with a current
 * plan, overall, per risk level and per typology (store/compliance.h says
 * what "current" means).  Lists name cases by reference and never carry a
 * victim's details.
 */
#include "api/api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/clock.h"
#include "base/mem.h"
#include "core/casefile.h"
#include "http/request.h"
#include "store/compliance.h"
#include "vigil.h"

#define LIST_LIMIT 500
#define ENDING_DAYS 30
#define MAX_MONTHS 36

static const char *const list_names[COMPLIANCE_LIST_COUNT] = {
	[COMPLIANCE_NO_PLAN] = "cases_without_plan",
	[COMPLIANCE_ACTIONS_OVERDUE] = "actions_overdue",
	[COMPLIANCE_REVIEWS_OVERDUE] = "reviews_overdue",
	[COMPLIANCE_NOT_CONTACTED] = "victims_not_contacted",
	[COMPLIANCE_TASKS_OVERDUE] = "notification_tasks_overdue",
	[COMPLIANCE_BREACHES_NO_CRIME] = "breaches_without_crime_record",
	[COMPLIANCE_HIGH_NO_ADVOCATE] = "high_risk_without_advocate",
	[COMPLIANCE_ORDERS_ENDING] = "orders_ending",
};

struct list_ctx {
	enum compliance_list list;
	json_t *items;
};

static int add_row(const struct compliance_row *w, void *arg)
{
	struct list_ctx *lc = arg;
	json_t *o = json_pack("{s:s, s:s, s:s?, s:s?, s:s}", "ref", w->ref, "status", w->status,
			      "risk_level", w->risk_level, "typology", w->typology, "owner", w->owner);

	switch (lc->list) {
	case COMPLIANCE_NO_PLAN:
	case COMPLIANCE_HIGH_NO_ADVOCATE:
		json_object_set_new(o, "reported_at", req_time_json(w->case_created_at));
		break;
	case COMPLIANCE_ACTIONS_OVERDUE:
		json_object_set_new(o, "action", json_pack("{s:I, s:s, s:s, s:s?, s:o}", "id",
							  (json_int_t)w->id, "category", w->kind,
							  "description", w->text, "owner", w->who,
							  "due_at", req_time_json(w->at)));
		break;
	case COMPLIANCE_REVIEWS_OVERDUE:
		json_object_set_new(o, "review_due_at", req_time_json(w->at));
		break;
	case COMPLIANCE_NOT_CONTACTED:
		json_object_set_new(o, "last_contact_at", req_time_json(w->at));
		json_object_set_new(o, "reported_at", req_time_json(w->case_created_at));
		break;
	case COMPLIANCE_TASKS_OVERDUE:
		json_object_set_new(o, "task", json_pack("{s:I, s:s?, s:s?, s:o}", "id", (json_int_t)w->id,
							"event", w->kind, "detail", w->text, "due_at",
							req_time_json(w->at)));
		break;
	case COMPLIANCE_BREACHES_NO_CRIME:
		json_object_set_new(o, "breach", json_pack("{s:I, s:I, s:o}", "id", (json_int_t)w->id,
							  "order_id", (json_int_t)w->other_id,
							  "occurred_at", req_time_json(w->at)));
		break;
	case COMPLIANCE_ORDERS_ENDING:
		json_object_set_new(o, "order", json_pack("{s:I, s:s, s:o}", "id", (json_int_t)w->id,
							 "kind", w->kind, "ends_at",
							 req_time_json(w->at)));
		break;
	default:
		break;
	}
	json_array_append_new(lc->items, o);
	return 0;
}

static json_t *share_json(int64_t open, int64_t with_plan)
{
	return json_pack("{s:I, s:I, s:o}", "open_cases", (json_int_t)open, "with_plan",
			 (json_int_t)with_plan, "share",
			 open ? json_real((double)with_plan / (double)open) : json_null());
}

struct coverage {
	int64_t open, with_plan;
	int64_t level_open[4], level_plan[4];         /* standard, medium, high, unassessed */
	int64_t type_open[8], type_plan[8];           /* case_typologies, then undecided */
};

static int add_coverage(const char *level, const char *type, int64_t open, int64_t with_plan,
			void *arg)
{
	static const char *const levels[] = { "standard", "medium", "high" };
	struct coverage *cv = arg;
	int l = 3, t = 0;

	for (int i = 0; level && i < 3; i++)
		if (strcmp(levels[i], level) == 0)
			l = i;
	while (case_typologies[t] && !(type && strcmp(case_typologies[t], type) == 0))
		t++;
	cv->open += open;
	cv->with_plan += with_plan;
	cv->level_open[l] += open;
	cv->level_plan[l] += with_plan;
	cv->type_open[t] += open;
	cv->type_plan[t] += with_plan;
	return 0;
}

static json_t *headline_json(const struct coverage *cv)
{
	static const char *const levels[] = { "standard", "medium", "high", "unassessed" };
	json_t *o = share_json(cv->open, cv->with_plan), *bl = json_object(), *bt = json_object();
	int t;

	for (int i = 0; i < 4; i++)
		json_object_set_new(bl, levels[i], share_json(cv->level_open[i], cv->level_plan[i]));
	for (t = 0; case_typologies[t]; t++)
		json_object_set_new(bt, case_typologies[t], share_json(cv->type_open[t], cv->type_plan[t]));
	json_object_set_new(bt, "not_decided", share_json(cv->type_open[t], cv->type_plan[t]));
	json_object_set_new(o, "by_risk_level", bl);
	json_object_set_new(o, "by_typology", bt);
	return o;
}

void api_compliance(struct req *r)
{
	struct compliance_params p = { 0 };
	struct coverage cv = { 0 };
	int64_t days;
	json_t *out;
	int rc;

	if (req_query_int(r, "contact_days", 1, 365, r->v->cfg.contact_days, &days) < 0)
		return;
	p.agency_id = r->who.agency_id;
	p.now = clock_now_ms();
	p.contact_days = (int)days;
	p.ending_days = ENDING_DAYS;
	p.limit = LIST_LIMIT;
	rc = compliance_coverage_each(r->db, &p, add_coverage, &cv);
	if (rc < 0) {
		req_fail_db(r, rc);
		return;
	}
	out = json_pack("{s:s, s:o, s:i, s:i, s:o}", "agency", r->who.agency, "at",
			req_time_json(p.now), "contact_days", (int)days, "ending_days", ENDING_DAYS,
			"headline", headline_json(&cv));
	for (int l = 0; l < COMPLIANCE_LIST_COUNT; l++) {
		struct list_ctx lc = { (enum compliance_list)l, json_array() };
		int64_t n = compliance_list_count(r->db, lc.list, &p);

		rc = n < 0 ? (int)n : compliance_list_each(r->db, lc.list, &p, add_row, &lc);
		if (rc < 0) {
			json_decref(lc.items);
			json_decref(out);
			req_fail_db(r, rc);
			return;
		}
		json_object_set_new(out, list_names[l],
				    json_pack("{s:I, s:b, s:o}", "count", (json_int_t)n, "truncated",
					      n > (int64_t)json_array_size(lc.items), "items", lc.items));
	}
	req_audit_detail(r, "compliance of %s", r->who.agency);
	req_reply(r, 200, out);
}

/* ---- GET /api/v1/stats ------------------------------------------------------------ */

/* The first instant of the month of ms, moved by months. */
static int64_t month_start(int64_t ms, int months)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	gmtime_r(&t, &tm);
	tm.tm_mday = 1;
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	tm.tm_mon += months;
	return (int64_t)timegm(&tm) * 1000;
}

static int add_breakdown(const char *typology, const char *risk_level, int64_t n, void *arg)
{
	json_t **pair = arg, *cur;
	const char *t = typology ? typology : "not_decided", *l = risk_level ? risk_level : "unassessed";

	cur = json_object_get(pair[0], t);
	json_object_set_new(pair[0], t, json_integer((cur ? json_integer_value(cur) : 0) + n));
	cur = json_object_get(pair[1], l);
	json_object_set_new(pair[1], l, json_integer((cur ? json_integer_value(cur) : 0) + n));
	return 0;
}

/* The months' figures as CSV: one row a month, a column per figure and per
 * typology and risk level (the vocabularies' order, then the undecided). */
static char *stats_csv(json_t *months)
{
	static const char *const levels[] = { "standard", "medium", "high", "unassessed", NULL };
	struct buf b = { 0 };
	size_t i;
	json_t *m;

	buf_puts(&b, "month,from,to,reports,open_reports,open_with_plan,plan_share,"
		     "order_applications,order_grants,breaches,first_assessed,"
		     "median_hours_to_assessment,mean_hours_to_assessment");
	for (int t = 0; case_typologies[t]; t++)
		buf_printf(&b, ",typology_%s", case_typologies[t]);
	buf_puts(&b, ",typology_not_decided");
	for (int l = 0; levels[l]; l++)
		buf_printf(&b, ",risk_%s", levels[l]);
	buf_puts(&b, "\r\n");
	json_array_foreach(months, i, m) {
		json_t *pc = json_object_get(m, "plan_coverage"), *ra = json_object_get(m, "report_to_assessment");
		json_t *bt = json_object_get(m, "by_typology"), *bl = json_object_get(m, "by_risk_level");
		json_t *share = json_object_get(pc, "share"), *med = json_object_get(ra, "median_hours"),
		       *mean = json_object_get(ra, "mean_hours");

		buf_printf(&b, "%s,%s,%s,%lld,%lld,%lld,", json_string_value(json_object_get(m, "month")),
			   json_string_value(json_object_get(m, "from")),
			   json_string_value(json_object_get(m, "to")),
			   (long long)json_integer_value(json_object_get(m, "reports")),
			   (long long)json_integer_value(json_object_get(pc, "open_cases")),
			   (long long)json_integer_value(json_object_get(pc, "with_plan")));
		if (json_is_real(share))
			buf_printf(&b, "%.4f", json_real_value(share));
		buf_printf(&b, ",%lld,%lld,%lld,%lld,",
			   (long long)json_integer_value(json_object_get(json_object_get(m, "orders"), "applications")),
			   (long long)json_integer_value(json_object_get(json_object_get(m, "orders"), "grants")),
			   (long long)json_integer_value(json_object_get(m, "breaches")),
			   (long long)json_integer_value(json_object_get(ra, "cases")));
		if (json_is_real(med))
			buf_printf(&b, "%.1f", json_real_value(med));
		buf_puts(&b, ",");
		if (json_is_real(mean))
			buf_printf(&b, "%.1f", json_real_value(mean));
		for (int t = 0; case_typologies[t]; t++)
			buf_printf(&b, ",%lld", (long long)json_integer_value(json_object_get(bt, case_typologies[t])));
		buf_printf(&b, ",%lld", (long long)json_integer_value(json_object_get(bt, "not_decided")));
		for (int l = 0; levels[l]; l++)
			buf_printf(&b, ",%lld", (long long)json_integer_value(json_object_get(bl, levels[l])));
		buf_puts(&b, "\r\n");
	}
	return buf_steal(&b);
}

void api_stats(struct req *r)
{
	int64_t from, to, now = clock_now_ms();
	const char *format = req_query(r, "format");
	json_t *months;
	int n = 0, rc;

	if (req_query_time(r, "from", &from) < 0 || req_query_time(r, "to", &to) < 0)
		return;
	if (format && strcmp(format, "json") && strcmp(format, "csv")) {
		req_fail(r, 400, "bad_request", "format", "format must be one of: json, csv");
		return;
	}
	/* default: the last twelve months, this one included */
	to = to ? to : now;
	from = from ? month_start(from, 0) : month_start(to, -11);
	if (to <= from) {
		req_fail(r, 400, "bad_request", "to", "to must be after from");
		return;
	}
	for (int64_t m = from; m < to && n <= MAX_MONTHS; m = month_start(m, 1))
		n++;
	if (n > MAX_MONTHS) {
		req_fail(r, 400, "bad_request", "from", "at most %d months at a time", MAX_MONTHS);
		return;
	}
	months = json_array();
	for (int64_t m = from; m < to; m = month_start(m, 1)) {
		struct stats_month sm = { 0 };
		json_t *pair[2] = { json_object(), json_object() };
		char label[8];
		time_t t = (time_t)(m / 1000);
		struct tm tm;

		sm.from = m;
		sm.to = month_start(m, 1) < to ? month_start(m, 1) : to;
		rc = stats_month_get(r->db, r->who.agency_id, &sm, add_breakdown, pair);
		if (rc < 0) {
			json_decref(pair[0]);
			json_decref(pair[1]);
			json_decref(months);
			req_fail_db(r, rc);
			return;
		}
		gmtime_r(&t, &tm);
		strftime(label, sizeof label, "%Y-%m", &tm);
		/* plan coverage: of the month's reports still open, those with a
		 * current plan (as the headline counts open cases), so the
		 * months add up to the headline */
		json_array_append_new(
			months,
			json_pack("{s:s, s:o, s:o, s:I, s:o, s:o, s:o, s:{s:I, s:I}, s:I,"
				  " s:{s:I, s:o, s:o, s:I}}",
				  "month", label, "from", req_time_json(sm.from), "to",
				  req_time_json(sm.to), "reports", (json_int_t)sm.reports, "by_typology",
				  pair[0], "by_risk_level", pair[1], "plan_coverage",
				  share_json(sm.reports_open, sm.reports_with_plan), "orders",
				  "applications", (json_int_t)sm.order_applications, "grants",
				  (json_int_t)sm.order_grants, "breaches", (json_int_t)sm.breaches,
				  "report_to_assessment", "cases", (json_int_t)sm.assessed,
				  "median_hours",
				  sm.assessed ? json_real((double)sm.assess_median_ms / 3600000.0)
					      : json_null(),
				  "mean_hours",
				  sm.assessed ? json_real((double)sm.assess_mean_ms / 3600000.0)
					      : json_null(),
				  "assessed_before_report", (json_int_t)sm.assessed_before_report));
	}
	req_audit_detail(r, "stats of %s%s", r->who.agency, format && !strcmp(format, "csv") ? " (csv)" : "");
	if (format && !strcmp(format, "csv")) {
		char *csv = stats_csv(months), name[160], from_s[8], to_s[8];
		time_t tf = (time_t)(from / 1000), tt = (time_t)((to - 1) / 1000);
		struct tm tm;

		gmtime_r(&tf, &tm);
		strftime(from_s, sizeof from_s, "%Y-%m", &tm);
		gmtime_r(&tt, &tm);
		strftime(to_s, sizeof to_s, "%Y-%m", &tm);
		/* agency codes are [a-z0-9-]: safe in a quoted file name */
		snprintf(name, sizeof name, "attachment; filename=\"vigil-stats-%s-%s-to-%s.csv\"",
			 r->who.agency, from_s, to_s);
		req_add_header(r, "Content-Disposition", name);
		req_reply_text(r, 200, "text/csv; charset=utf-8", csv);
		free(csv);
		json_decref(months);
		return;
	}
	req_reply(r, 200, json_pack("{s:s, s:o, s:o, s:o}", "agency", r->who.agency, "from",
				    req_time_json(from), "to", req_time_json(to), "months", months));
}
