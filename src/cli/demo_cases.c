/*
 * demo_cases — the demo caseload: seven cases of the Metropolitan Police's
 * stalking unit, one or more in every state of the workflow, each consistent
 * with the rules the API enforces (a case is assessed only with a plan whose
 * action has an owner and a due date, and an advocate referral at high risk;
 * it is closed only after a closing review), so that the compliance view has
 * something true in every list:
 *
 *   1  intake     a former colleague's messages, not yet screened
 *   2  screened   an ex-partner; no plan yet; an arrest she has not been told of
 *   3  assessed   high risk, rejected ex-partner: plan from the suggestions,
 *                 advocate, interim SPO with an exclusion zone, served five
 *                 days ago and not notified (a duty-to-notify task)
 *   4  managed    medium, intimacy seeker: full SPO breached two days ago with
 *                 no crime record yet (review due now), an overdue action, a
 *                 victim last contacted twelve days ago, a historic PIN
 *   5  managed    reassessed high yesterday with no advocate referral, her
 *                 risk change not yet told, a non-molestation order ending soon
 *   6  closed     convicted; restraining order on conviction
 *   7  assessed   standard risk, unknown suspect
 *
 * Everything goes through the store functions the API uses; assessments are
 * scored by the instruments and plans take the suggestion table's actions.
 * The content is fixed; times are relative to the moment of loading.
 */
#include "cli/cli.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/clock.h"
#include "base/mem.h"
#include "core/casefile.h"
#include "core/identifier.h"
#include "core/instrument.h"
#include "core/order.h"
#include "core/plan.h"
#include "store/account.h"
#include "store/assessments.h"
#include "store/cases.h"
#include "store/orders.h"
#include "store/people.h"
#include "store/plans.h"
#include "store/tasks.h"
#include "store/victims.h"

#define DAY (24LL * 3600 * 1000)
#define HOUR (3600LL * 1000)

struct demo {
	db *d;
	const instrument_set *instruments;
	const plan_suggestions *suggestions;
	int64_t now;
	char *err;
	size_t errlen;
};

static int fail(struct demo *dm, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(struct demo *dm, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(dm->err, dm->errlen, fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n < dm->errlen)
		snprintf(dm->err + n, dm->errlen - (size_t)n, ": %s", db_errmsg(dm->d));
	return -1;
}

static int64_t user(struct demo *dm, const char *username)
{
	struct user u;

	return user_get_by_name(dm->d, username, &u) == 1 ? u.id : 0;
}

static int event(struct demo *dm, int64_t case_id, const char *by, const char *kind,
		 const char *detail)
{
	return case_event_add(dm->d, case_id, user(dm, by), by, kind, detail);
}

/* ---- cases --------------------------------------------------------------------- */

struct person_spec {
	const char *name;
	enum identifier_kind kind;
	const char *identifier; /* NULL: none */
};

static int add_person(struct demo *dm, int64_t case_id, const char *role,
		      const struct person_spec *p)
{
	char norm[IDENTIFIER_MAX + 1], why[200];
	struct person_identifier id;
	struct person_in in = { 0 };
	int64_t pid;

	in.full_name = p->name;
	in.sealed = strcmp(role, "victim") == 0;
	if (p->identifier) {
		if (identifier_normalise(p->kind, p->identifier, norm, sizeof norm, why, sizeof why) < 0)
			return fail(dm, "demo identifier %s: %s", p->identifier, why);
		id.kind = p->kind;
		id.value = p->kind == IDENT_ADDRESS ? p->identifier : norm;
		id.match_key = norm;
		in.ids = &id;
		in.nids = 1;
	}
	pid = person_insert(dm->d, &in);
	if (pid < 0 || case_person_add(dm->d, case_id, pid, role) < 0)
		return fail(dm, "demo person %s", p->name);
	return event(dm, case_id, "officer",
		     strcmp(role, "suspect") == 0 ? "suspect_recorded" : "victim_recorded", p->name);
}

static int64_t add_case(struct demo *dm, const char *relationship, const char *channel,
			const char *summary, const struct person_spec *victim,
			const struct person_spec *suspect)
{
	struct case_new n = { 0 };
	time_t t = (time_t)(dm->now / 1000);
	struct tm tm;
	char ref[24], detail[120];
	int64_t id;

	gmtime_r(&t, &tm);
	n.relationship = relationship;
	n.channel = channel;
	n.summary = summary;
	n.owner_id = n.created_by = user(dm, "officer");
	{
		struct user u;

		if (user_get_by_name(dm->d, "officer", &u) != 1)
			return fail(dm, "demo: no officer");
		n.agency_id = u.agency_id;
	}
	n.year = tm.tm_year + 1900;
	id = case_insert(dm->d, &n, ref);
	if (id < 0)
		return fail(dm, "demo case");
	snprintf(detail, sizeof detail, "reported by %s; %s", channel, relationship);
	if (event(dm, id, "officer", "created", detail) < 0 ||
	    add_person(dm, id, "victim", victim) < 0 ||
	    (suspect && add_person(dm, id, "suspect", suspect) < 0))
		return -1;
	return id;
}

static int set_status(struct demo *dm, int64_t id, const char *status)
{
	struct case_change ch = { 0 };
	struct case_record c;
	char detail[64];
	int rc;

	if (case_get_by_id(dm->d, id, &c) != 1)
		return fail(dm, "demo case %lld", (long long)id);
	ch.status = status;
	snprintf(detail, sizeof detail, "%s -> %s", case_status_name(c.status), status);
	rc = case_update(dm->d, id, c.version, &ch);
	case_record_free(&c);
	if (rc != 1)
		return fail(dm, "demo status %s", status);
	return event(dm, id, "officer", "status", detail);
}

static int screen_case(struct demo *dm, int64_t id)
{
	static const char *const notes[4] = {
		"his messages are all about her", "he will not let it go",
		"she has told him to stop, and blocked him", "for weeks, most days",
	};
	const struct four f = { FOUR_YES, FOUR_YES, FOUR_YES, FOUR_YES };

	if (case_set_screening(dm->d, id, 0, &f, notes, user(dm, "officer")) < 0 ||
	    case_classification_add(dm->d, id, "stalking") < 0 ||
	    event(dm, id, "officer", "screened", "FOUR: stalking") < 0)
		return fail(dm, "demo screening");
	return set_status(dm, id, "screened");
}

/* Score an instrument: the first `yes` items yes (the checklist), or the
 * named items yes (the screen), the rest no; set the level at `at`. */
static int assess(struct demo *dm, int64_t id, const char *iname, int yes,
		  const char *const *yes_items, int64_t at)
{
	const instrument *in = instrument_set_find(dm->instruments, iname);
	struct score sc = { 0 };
	struct assessment a = { 0 };
	json_t *answers = json_object(), *reasons = json_array();
	char *answers_text = NULL, *yes_text = NULL, *reasons_text = NULL;
	char field[64], why[300];
	int rc = -1;
	bool marac = false;

	if (!in) {
		fail(dm, "demo: no instrument %s", iname);
		goto out;
	}
	for (size_t i = 0; i < instrument_item_count(in); i++) {
		const char *item = instrument_item_id(in, i);
		bool y = (int)i < yes;

		for (const char *const *p = yes_items; p && *p; p++)
			y = y || strcmp(*p, item) == 0;
		json_object_set_new(answers, item, json_string(y ? "yes" : "no"));
	}
	if (instrument_score(in, answers, &sc, field, sizeof field, why, sizeof why) < 0) {
		fail(dm, "demo assessment %s: %s", field, why);
		goto out;
	}
	if (sc.computed != RISK_NONE) {
		struct marac_facts mf = { .computed = sc.computed };

		marac = marac_due(&mf, reasons);
	}
	answers_text = json_dumps(answers, JSON_COMPACT | JSON_SORT_KEYS);
	yes_text = json_dumps(sc.yes_items, JSON_COMPACT);
	reasons_text = json_dumps(reasons, JSON_COMPACT);
	a.case_id = id;
	a.instrument = instrument_id(in);
	a.instrument_version = instrument_version(in);
	a.answers = answers_text;
	a.yes = sc.yes;
	a.no = sc.no;
	a.unknown = sc.unknown;
	a.yes_items = yes_text;
	a.computed = risk_level_name(sc.computed);
	a.visible_high = sc.visible_high;
	a.final = risk_level_name(sc.computed);
	a.marac = marac;
	a.marac_reasons = reasons_text;
	a.assessed_by = user(dm, "officer");
	a.assessed_at = at;
	if (assessment_insert(dm->d, &a) < 0) {
		fail(dm, "demo assessment");
		goto out;
	}
	if (sc.computed != RISK_NONE) {
		int64_t review = at + (int64_t)review_days(NULL, sc.computed) * DAY;

		if (case_set_risk(dm->d, id, risk_level_name(sc.computed),
				  risk_level_name(sc.computed), a.assessed_by, at, review,
				  marac ? at : 0) < 0 ||
		    (marac && case_flag_raise(dm->d, id, "marac_referral", reasons_text) < 0)) {
			fail(dm, "demo risk level");
			goto out;
		}
	}
	if (event(dm, id, "officer", "assessed",
		  sc.computed != RISK_NONE ? risk_level_name(sc.computed) : iname) < 0) {
		fail(dm, "demo event");
		goto out;
	}
	rc = 0;
out:
	score_free(&sc);
	json_decref(answers);
	json_decref(reasons);
	free(answers_text);
	free(yes_text);
	free(reasons_text);
	return rc;
}

static int decide_typology(struct demo *dm, int64_t id, const char *type, const char *rationale)
{
	if (typology_decision_insert(dm->d, id, type, rationale, NULL, user(dm, "officer")) < 0 ||
	    event(dm, id, "officer", "typology", type) < 0)
		return fail(dm, "demo typology");
	return 0;
}

/* ---- plans ------------------------------------------------------------------------- */

struct action_spec {
	const char *suggestion;  /* taken from the table (NULL: the assessor's own) */
	const char *category;    /* own actions */
	const char *description; /* own actions, or an edit of the suggestion's */
	const char *owner;
	int due_days;            /* from now; negative: in the past */
	const char *status;
	const char *reason;
};

/* A plan made from specs: version 1 made, version 2 its actions (and the
 * suggestions decided), as the API would keep them. */
static int64_t make_plan(struct demo *dm, int64_t case_id, const char *summary,
			 const struct action_spec *a, int n, const char *rejected,
			 const char *rejected_reason)
{
	int64_t by = user(dm, "officer"), plan;
	char change[200];

	plan = plan_insert(dm->d, case_id, summary, by);
	if (plan < 0 || plan_version_keep(dm->d, plan, 1, by, "plan made") < 0 ||
	    event(dm, case_id, "officer", "plan", "version 1: plan made") < 0)
		return fail(dm, "demo plan");
	for (int i = 0; i < n; i++) {
		struct plan_action_row r = { 0 };
		const char *cat = a[i].category, *desc = a[i].description;
		struct user owner;
		int64_t aid;

		if (a[i].suggestion &&
		    plan_suggestion_get(dm->suggestions, a[i].suggestion, &cat, &desc) < 0)
			return fail(dm, "demo: no suggestion %s", a[i].suggestion);
		if (a[i].suggestion && a[i].description)
			desc = a[i].description;
		if (user_get_by_name(dm->d, a[i].owner, &owner) != 1)
			return fail(dm, "demo: no user %s", a[i].owner);
		r.plan_id = plan;
		r.case_id = case_id;
		r.category = cat;
		r.description = desc;
		r.owner_id = owner.id;
		r.agency_id = owner.agency_id;
		r.due_at = dm->now + a[i].due_days * DAY;
		r.status = a[i].status;
		r.reason = a[i].reason;
		r.suggestion = a[i].suggestion;
		r.done_at = strcmp(a[i].status, "done") == 0 ? dm->now - DAY : 0;
		aid = plan_action_insert(dm->d, &r, by);
		if (aid < 0 || (a[i].suggestion &&
				plan_decision_add(dm->d, plan, a[i].suggestion,
						  a[i].description ? "edited" : "accepted", NULL, aid,
						  plan_suggestions_version(dm->suggestions), by) < 0))
			return fail(dm, "demo action");
	}
	if (rejected && plan_decision_add(dm->d, plan, rejected, "rejected", rejected_reason, 0,
					  plan_suggestions_version(dm->suggestions), by) < 0)
		return fail(dm, "demo decision");
	snprintf(change, sizeof change, "%d actions added, from the suggestions and the assessor", n);
	if (plan_bump(dm->d, plan, 1, false, NULL, by) != 1 ||
	    plan_version_keep(dm->d, plan, 2, by, change) < 0 ||
	    event(dm, case_id, "officer", "plan", "version 2: actions added") < 0)
		return fail(dm, "demo plan version");
	return plan;
}

/* ---- victim care ------------------------------------------------------------------- */

static int contact(struct demo *dm, int64_t case_id, int64_t at, const char *by,
		   const char *method, const char *told)
{
	struct victim_contact_row c = { 0 };

	c.case_id = case_id;
	c.contacted_at = at;
	c.method = method;
	c.told = told;
	c.contact_by = user(dm, by);
	if (victim_contact_insert(dm->d, &c, c.contact_by) < 0 ||
	    event(dm, case_id, by, "victim_contact", method) < 0)
		return fail(dm, "demo contact");
	return 0;
}

static int advocacy(struct demo *dm, int64_t case_id, const char *status)
{
	struct victim_referral_row r = { 0 };
	struct agency a;

	if (agency_get_by_code(dm->d, "sas", &a) != 1)
		return fail(dm, "demo: no agency sas");
	r.case_id = case_id;
	r.service = "advocacy";
	r.agency_id = a.id;
	r.status = status;
	r.consent = strcmp(status, "accepted") == 0 ? 1 : -1;
	r.consent_note = r.consent == 1 ? "agreed at the first visit to share her details" : NULL;
	r.consent_at = r.consent == 1 ? dm->now - 6 * DAY : 0;
	if (victim_referral_insert(dm->d, &r, user(dm, "officer")) < 0 ||
	    event(dm, case_id, "officer", "victim_referral", "advocacy") < 0)
		return fail(dm, "demo referral");
	/* with her consent, the charity's advocates see the case */
	if (r.consent == 1 && (case_refer_consented(dm->d, case_id, a.id, user(dm, "officer")) < 0 ||
			       event(dm, case_id, "officer", "referred", "sas") < 0))
		return fail(dm, "demo referral");
	return 0;
}

/* A notification task for an event at event_at, done at done_at (0: open). */
static int notify(struct demo *dm, int64_t case_id, const char *event_name, int64_t event_at,
		  const char *detail, int64_t order_id, int64_t done_at, const char *done_by)
{
	struct case_task_new t = { 0 };
	int64_t id;

	t.case_id = case_id;
	t.kind = "notify_victim";
	t.event = event_name;
	t.detail = detail;
	t.event_at = event_at;
	t.due_at = plan_notify_due(event_at, 24);
	t.order_id = order_id;
	t.opened_by = user(dm, "officer");
	id = case_task_open(dm->d, &t);
	if (id <= 0 || event(dm, case_id, "officer", "task_opened", event_name) < 0)
		return fail(dm, "demo task");
	if (done_at) {
		struct user u;

		if (user_get_by_name(dm->d, done_by, &u) != 1 ||
		    case_task_done(dm->d, id, 1, u.id, "told her by phone") != 1)
			return fail(dm, "demo task done");
	}
	return 0;
}

/* ---- orders ------------------------------------------------------------------------ */

static int64_t add_order(struct demo *dm, int64_t case_id, struct order_row *o,
			 const struct order_condition_row *conds, int n)
{
	char detail[120];

	o->case_id = case_id;
	if (o->granted_at && !o->starts_at)
		o->starts_at = o->granted_at;
	o->notify_deadline = order_kind_is_spo(o->kind) ? order_notify_deadline(o->served_at) : 0;
	o->id = order_insert(dm->d, o, user(dm, "officer"));
	if (o->id < 0)
		return fail(dm, "demo order");
	for (int i = 0; i < n; i++) {
		struct order_condition_row c = conds[i];

		c.order_id = o->id;
		if (order_condition_insert(dm->d, &c) < 0)
			return fail(dm, "demo condition");
	}
	snprintf(detail, sizeof detail, "order %lld: %s, %s", (long long)o->id, o->kind, o->status);
	if (event(dm, case_id, "officer", "order", detail) < 0)
		return fail(dm, "demo event");
	if (strcmp(o->status, "granted") == 0 && order_notify_missed(o->notify_deadline, o->notified_at, dm->now) &&
	    order_duty_raise(dm->d, case_id, o->id, o->notify_deadline) < 0)
		return fail(dm, "demo duty to notify");
	return o->id;
}

static const struct order_condition_row NO_CONTACT = {
	.kind = "no_contact", .detail = "directly or through anyone else, by any means",
	.radius_m = -1, .warning_m = -1, .distance_m = -1,
};

/* ---- the caseload -------------------------------------------------------------------- */

static int case_intake(struct demo *dm)
{
	const struct person_spec v = { "Priya Shah", IDENT_ADDRESS, "4 Canonbury Place, London N1 2NQ" };
	const struct person_spec s = { "Daniel Price", IDENT_EMAIL, "d.price@example.com" };

	return add_case(dm, "work", "non_emergency_call",
			"A former colleague e-mails her several times a day since she left the firm",
			&v, &s) < 0 ? -1 : 0;
}

static int case_screened(struct demo *dm)
{
	const struct person_spec v = { "Emma Clarke", IDENT_ADDRESS, "17 Highbury Hill, London N5 1SU" };
	const struct person_spec s = { "Ryan Clarke", IDENT_PHONE, "07700 900418" };
	int64_t id = add_case(dm, "ex_partner", "online",
			      "Her former husband follows her home from work and messages her at night",
			      &v, &s);

	if (id < 0 || screen_case(dm, id) < 0)
		return -1;
	/* arrested two days ago; nobody has told her yet */
	return notify(dm, id, "arrest", dm->now - 2 * DAY, "arrested for stalking, in custody", 0, 0,
		      NULL);
}

static int case_assessed_high(struct demo *dm)
{
	static const char *const screen_yes[] = { "very_frightened", "visits_home_work", "loitering",
						  "threats_violence", NULL };
	const struct person_spec v = { "Sarah Mitchell", IDENT_ADDRESS, "22 Albion Road, London N16 9PH" };
	const struct person_spec s = { "Mark Mitchell", IDENT_PHONE, "07700 900123" };
	const struct action_spec actions[] = {
		{ "target-hardening-home", NULL, NULL, "officer", 3, "in_progress", NULL },
		{ "spo-application", NULL, "Apply for an interim SPO at Highbury Corner magistrates",
		  "officer", -5, "done", NULL },
		{ "consider-tag", NULL, NULL, "supervisor", 7, "planned", NULL },
		{ "marac-referral", NULL, NULL, "supervisor", 5, "planned", NULL },
		{ "advocate-referral", NULL, NULL, "advocate", -6, "done", NULL },
	};
	struct order_condition_row zone = {
		.kind = "exclusion_zone", .zone = "{\"type\":\"Point\",\"coordinates\":[-0.0812,51.5523]}",
		.radius_m = 500, .warning_m = 250, .distance_m = -1,
	};
	const struct order_condition_row conds[] = { NO_CONTACT, zone };
	struct order_row o = { 0 };
	int64_t id = add_case(dm, "ex_partner", "emergency_call",
			      "Her ex-partner waits outside her flat and her office, and has "
			      "threatened to kill himself and her",
			      &v, &s);

	if (id < 0 || screen_case(dm, id) < 0 ||
	    assess(dm, id, "ric", 15, NULL, dm->now - 6 * DAY) < 0 ||
	    assess(dm, id, "stalking-screen", 0, screen_yes, dm->now - 6 * DAY) < 0 ||
	    decide_typology(dm, id, "rejected",
			    "former partner who cannot accept the end of the relationship") < 0 ||
	    make_plan(dm, id, "Keep her safe at home and at work; an SPO; MARAC", actions,
		      (int)(sizeof actions / sizeof actions[0]), "victim-alert-device",
		      "she does not want an app that tracks her phone") < 0 ||
	    advocacy(dm, id, "accepted") < 0 || case_spoc_set(dm->d, id, user(dm, "advocate")) < 0 ||
	    contact(dm, id, dm->now - 6 * DAY, "officer", "in_person",
		    "What an SPO is; that we will apply; the advocate's number") < 0)
		return -1;
	o.kind = "spo_interim";
	o.status = "granted";
	o.reference = "HCMC/2026/0142";
	o.court = "Highbury Corner Magistrates' Court";
	o.applied_at = dm->now - 5 * DAY - 12 * HOUR;
	o.granted_at = o.served_at = dm->now - 5 * DAY;
	if (add_order(dm, id, &o, conds, 2) < 0 ||
	    notify(dm, id, "order_granted", o.granted_at, "interim SPO granted", o.id,
		   dm->now - 4 * DAY, "advocate") < 0 ||
	    contact(dm, id, dm->now - 4 * DAY, "advocate", "phone",
		    "The interim SPO was granted: he may not come within 500 m of her flat") < 0 ||
	    contact(dm, id, dm->now - 1 * DAY, "advocate", "video", "Safety plan reviewed with her") < 0)
		return -1;
	return set_status(dm, id, "assessed");
}

static int case_managed_breach(struct demo *dm)
{
	const struct person_spec v = { "Olivia Bennett", IDENT_ADDRESS, "3 Regent's Park Road, London NW1 7TX" };
	const struct person_spec s = { "Thomas Reed", IDENT_HANDLE, "instagram:t_reed_photo" };
	const struct action_spec actions[] = {
		{ "mental-health-assessment", NULL, NULL, "clinician", -3, "planned", NULL },
		{ "spo-application", NULL, NULL, "officer", -62, "done", NULL },
		{ "safety-plan", NULL, NULL, "officer", 10, "in_progress", NULL },
	};
	struct order_condition_row away = { .kind = "keep_away", .radius_m = -1, .warning_m = -1,
					    .distance_m = 100 };
	struct order_condition_row prog = { .kind = "attend_programme",
					    .detail = "the behaviour-change programme",
					    .radius_m = -1, .warning_m = -1, .distance_m = -1 };
	const struct order_condition_row conds[] = { NO_CONTACT, away, prog };
	struct order_row o = { 0 }, pin = { 0 };
	struct breach_new b = { 0 };
	int64_t id = add_case(dm, "online_only", "online",
			      "A man she has never met believes they are in a relationship; flowers "
			      "and letters to her work",
			      &v, &s);

	if (id < 0 || screen_case(dm, id) < 0 ||
	    assess(dm, id, "ric", 11, NULL, dm->now - 70 * DAY) < 0 ||
	    decide_typology(dm, id, "intimacy_seeker",
			    "believes in a relationship that does not exist") < 0 ||
	    make_plan(dm, id, "An SPO; a clinical assessment of his fixation", actions,
		      (int)(sizeof actions / sizeof actions[0]), NULL, NULL) < 0 ||
	    set_status(dm, id, "assessed") < 0 || set_status(dm, id, "managed") < 0 ||
	    contact(dm, id, dm->now - 12 * DAY, "officer", "phone",
		    "He has enrolled in the programme the order requires") < 0)
		return -1;
	o.kind = "spo_full";
	o.status = "granted";
	o.reference = "WMC/2026/0077";
	o.court = "Westminster Magistrates' Court";
	o.applied_at = dm->now - 62 * DAY;
	o.granted_at = o.served_at = dm->now - 60 * DAY;
	o.notified_at = dm->now - 59 * DAY;
	o.until_further_order = true;
	if (add_order(dm, id, &o, conds, 3) < 0 ||
	    notify(dm, id, "order_granted", o.granted_at, "SPO granted until further order", o.id,
		   dm->now - 59 * DAY, "officer") < 0)
		return -1;
	/* a Police Information Notice another force gave him, years before */
	pin.kind = "pin_historic";
	pin.status = "granted";
	pin.granted_at = dm->now - 3 * 365 * DAY;
	pin.notes = "issued by Thames Valley Police to another woman";
	if (add_order(dm, id, &pin, NULL, 0) < 0)
		return -1;
	b.case_id = id;
	b.order_id = o.id;
	b.occurred_at = dm->now - 2 * DAY;
	b.description = "Sent flowers and a letter to her workplace";
	b.evidence = "{\"incidents\":[],\"alerts\":[],\"trail\":null}";
	b.by = user(dm, "officer");
	b.by_name = "officer";
	if (breach_record(dm->d, &b) < 0)
		return fail(dm, "demo breach");
	return 0;
}

static int case_managed_raised(struct demo *dm)
{
	const struct person_spec v = { "Grace Turner", IDENT_ADDRESS, "9 Belsize Avenue, London NW3 4BL" };
	const struct person_spec s = { "Liam Turner", IDENT_VEHICLE, "LT19 KQP" };
	const struct action_spec actions[] = {
		{ "safety-plan", NULL, NULL, "officer", 5, "in_progress", NULL },
		{ "target-hardening-home", NULL, NULL, "officer", -20, "done", NULL },
	};
	struct order_row o = { 0 };
	int64_t id = add_case(dm, "ex_partner", "in_person",
			      "Her ex-husband drives past her house; it has got worse since he lost "
			      "his job",
			      &v, &s);

	if (id < 0 || screen_case(dm, id) < 0 ||
	    assess(dm, id, "ric", 10, NULL, dm->now - 40 * DAY) < 0 ||
	    decide_typology(dm, id, "rejected", "former partner, grievance over the separation") < 0 ||
	    make_plan(dm, id, "Target hardening; bail conditions", actions,
		      (int)(sizeof actions / sizeof actions[0]), NULL, NULL) < 0 ||
	    set_status(dm, id, "assessed") < 0 || set_status(dm, id, "managed") < 0 ||
	    contact(dm, id, dm->now - 3 * DAY, "officer", "phone", "Checked the new locks work") < 0)
		return -1;
	o.kind = "non_molestation";
	o.status = "granted";
	o.court = "Central Family Court";
	o.granted_at = dm->now - 170 * DAY;
	o.ends_at = dm->now + 12 * DAY;
	if (add_order(dm, id, &o, &NO_CONTACT, 1) < 0 ||
	    notify(dm, id, "order_granted", o.granted_at, "non-molestation order", o.id,
		   dm->now - 169 * DAY, "officer") < 0)
		return -1;
	/* reassessed high yesterday: no advocate yet, and she has not been told */
	if (assess(dm, id, "ric", 16, NULL, dm->now - 30 * HOUR) < 0 ||
	    notify(dm, id, "risk_level_changed", dm->now - 30 * HOUR,
		   "risk level from medium to high", 0, 0, NULL) < 0)
		return -1;
	return 0;
}

static int case_closed(struct demo *dm)
{
	const struct person_spec v = { "Hannah Lewis", IDENT_ADDRESS, "41 Camden Square, London NW1 9XA" };
	const struct person_spec s = { "Craig Foster", IDENT_PHONE, "07700 900777" };
	const struct action_spec actions[] = {
		{ "safety-plan", NULL, NULL, "officer", -40, "done", NULL },
		{ NULL, "perpetrator_management", "Charge him with stalking", "officer", -30, "done",
		  NULL },
	};
	struct order_row o = { 0 };
	int64_t id = add_case(dm, "friend_acquaintance", "non_emergency_call",
			      "A friend of her brother would not accept she did not want to see him",
			      &v, &s);

	if (id < 0 || screen_case(dm, id) < 0 ||
	    assess(dm, id, "ric", 10, NULL, dm->now - 90 * DAY) < 0 ||
	    decide_typology(dm, id, "incompetent_suitor", "sought a relationship, would not take no") < 0 ||
	    make_plan(dm, id, "Charge; a restraining order on conviction", actions,
		      (int)(sizeof actions / sizeof actions[0]), NULL, NULL) < 0 ||
	    set_status(dm, id, "assessed") < 0 || set_status(dm, id, "managed") < 0)
		return -1;
	o.kind = "restraining_conviction";
	o.status = "granted";
	o.court = "Snaresbrook Crown Court";
	o.granted_at = dm->now - 20 * DAY;
	o.until_further_order = true;
	if (add_order(dm, id, &o, &NO_CONTACT, 1) < 0 ||
	    notify(dm, id, "order_granted", o.granted_at, "restraining order on conviction", o.id,
		   dm->now - 20 * DAY + 2 * HOUR, "officer") < 0 ||
	    contact(dm, id, dm->now - 20 * DAY + 2 * HOUR, "officer", "in_person",
		    "He was convicted; the restraining order has no end date") < 0 ||
	    case_review_insert(dm->d, id, "closing", "convicted",
			       "Convicted of stalking; restraining order until further order",
			       0, user(dm, "supervisor")) < 0 ||
	    event(dm, id, "supervisor", "closing_review", "convicted") < 0)
		return fail(dm, "demo closing review");
	return set_status(dm, id, "closed");
}

static int case_assessed_standard(struct demo *dm)
{
	const struct person_spec v = { "Chloe Evans", IDENT_ADDRESS, "88 Stroud Green Road, London N4 3EN" };
	const struct action_spec actions[] = {
		{ "safety-plan", NULL, NULL, "officer", 14, "planned", NULL },
		{ "evidence-diary", NULL, NULL, "officer", 7, "in_progress", NULL },
		{ "digital-safety", NULL, NULL, "officer", 7, "planned", NULL },
	};
	int64_t id = add_case(dm, "unknown", "online",
			      "Anonymous accounts comment on every post she makes", &v, NULL);

	if (id < 0 || screen_case(dm, id) < 0 ||
	    assess(dm, id, "ric", 3, NULL, dm->now - 2 * DAY) < 0 ||
	    make_plan(dm, id, "Evidence, and lock down her accounts", actions,
		      (int)(sizeof actions / sizeof actions[0]), NULL, NULL) < 0 ||
	    contact(dm, id, dm->now - 1 * DAY, "officer", "email",
		    "How to keep screenshots and report each account") < 0)
		return -1;
	return set_status(dm, id, "assessed");
}

int demo_cases_load(db *d, const struct instrument_set *instruments,
		    const struct plan_suggestions *suggestions, char *err, size_t errlen)
{
	struct demo dm = { d, instruments, suggestions, clock_now_ms(), err, errlen };

	if (!instruments || !suggestions) {
		snprintf(err, errlen, "the demo caseload needs the instruments and suggestions");
		return -1;
	}
	if (case_intake(&dm) < 0 || case_screened(&dm) < 0 || case_assessed_high(&dm) < 0 ||
	    case_managed_breach(&dm) < 0 || case_managed_raised(&dm) < 0 || case_closed(&dm) < 0 ||
	    case_assessed_standard(&dm) < 0)
		return -1;
	return 0;
}
