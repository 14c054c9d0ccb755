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
 * Everything goes through the centre's operations (ops/), the functions the
 * API's handlers call, so the caseload obeys the rules the API enforces and
 * nothing here re-implements one: each operation runs in the loader's one
 * transaction as the member of staff who would have made it, at the time it
 * would have been made (ctx.now).  Assessments are scored by the instruments
 * and plans take the suggestion table's actions.  The content is fixed; times
 * are relative to the moment of loading.  Each case is reported before
 * anything was done on it, and first assessed a known time after its report
 * (3: 24 h, 4: 48 h, 5: 48 h, 6: 72 h, 7: 12 h), so the statistics of the
 * demo can be worked out by hand (tests/api/demo.test.mjs does).
 */
#include "cli/cli.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "core/identifier.h"
#include "core/instrument.h"
#include "core/order.h"
#include "ops/assessments.h"
#include "ops/cases.h"
#include "ops/orders.h"
#include "ops/plans.h"
#include "ops/victims.h"
#include "store/account.h"
#include "store/cases.h"
#include "store/people.h"
#include "store/programme.h"
#include "store/sharing.h"
#include "store/tasks.h"
#include "vigil.h"

#define DAY (24LL * 3600 * 1000)
#define HOUR (3600LL * 1000)

struct demo {
	struct vigil *v;
	db *d;
	int64_t now;
	struct ops_ctx x;   /* the operation under way */
	struct case_record c; /* the case it left */
	char ref[24];       /* the case being loaded */
	char *err;
	size_t errlen;
};

/* Begin an operation by username at `at`, inside the loader's transaction. */
static struct ops_ctx *as(struct demo *dm, const char *username, int64_t at)
{
	struct ops_actor who = { 0 };
	struct user u;

	if (user_get_by_name(dm->d, username, &u) == 1) {
		who.user_id = u.id;
		who.role = u.role;
		who.agency_id = u.agency_id;
		snprintf(who.agency, sizeof who.agency, "%s", u.agency_code);
	}
	snprintf(who.username, sizeof who.username, "%s", username);
	ops_init(&dm->x, dm->v, dm->d, &who);
	dm->x.caller_tx = true;
	dm->x.now = at;
	dm->x.parts = CASE_PART_FILE | CASE_PART_VICTIM_CARE;
	case_record_free(&dm->c);
	return &dm->x;
}

/* End the operation that returned rc: 0, or -1 with the reason in err. */
static int done(struct demo *dm, int rc, const char *what)
{
	if (rc < 0)
		snprintf(dm->err, dm->errlen, "demo %s (%s): %s%s%s", what, dm->ref,
			 err_name(dm->x.err.code), dm->x.err.field[0] ? " " : "", dm->x.err.message);
	else if (dm->c.ref[0])
		snprintf(dm->ref, sizeof dm->ref, "%s", dm->c.ref);
	ops_done(&dm->x);
	return rc < 0 ? -1 : 0;
}

/* The case's version now (for an operation made on it). */
static int64_t version(struct demo *dm)
{
	struct case_record c;
	int64_t v = 0;

	if (case_get(dm->d, dm->ref, &c) == 1)
		v = c.version;
	case_record_free(&c);
	return v;
}

/* ---- cases --------------------------------------------------------------------- */

struct person_spec {
	const char *name;
	enum identifier_kind kind;
	const char *identifier; /* NULL: none */
};

struct person_buf {
	struct person_in in;
	struct person_identifier id;
	char norm[IDENTIFIER_MAX + 1];
};

static int person(struct demo *dm, const struct person_spec *p, struct person_buf *b)
{
	char why[200];

	memset(b, 0, sizeof *b);
	b->in.full_name = p->name;
	if (!p->identifier)
		return 0;
	if (identifier_normalise(p->kind, p->identifier, b->norm, sizeof b->norm, why,
				 sizeof why) < 0) {
		snprintf(dm->err, dm->errlen, "demo identifier %s: %s", p->identifier, why);
		return -1;
	}
	b->id.kind = p->kind;
	b->id.value = p->kind == IDENT_ADDRESS ? p->identifier : b->norm;
	b->id.match_key = b->norm;
	b->in.ids = &b->id;
	b->in.nids = 1;
	return 0;
}

/* Report a case at intake, hours_ago hours before the load (before anything
 * that was done on it: a case is never assessed before it is reported); it
 * is then the case being loaded. */
static int report(struct demo *dm, int64_t hours_ago, const char *relationship,
		  const char *channel, const char *summary, const struct person_spec *victim,
		  const struct person_spec *suspect)
{
	struct ops_report in = { 0 };
	struct person_buf v, s;

	if (person(dm, victim, &v) < 0 || (suspect && person(dm, suspect, &s) < 0))
		return -1;
	in.relationship = relationship;
	in.channel = channel;
	in.summary = summary;
	in.victims = &v.in;
	in.nvictims = 1;
	in.suspect = suspect ? &s.in : NULL;
	dm->ref[0] = '\0';
	return done(dm, ops_case_report(as(dm, "officer", dm->now - hours_ago * HOUR), &in, &dm->c),
		    "report");
}

static int set_status(struct demo *dm, const char *status)
{
	struct ops_case_change in = { .version = version(dm), .status = status };

	return done(dm, ops_case_change(as(dm, "officer", dm->now), dm->ref, &in, &dm->c),
		    status);
}

/* FOUR, all yes: an intake case becomes screened, classified stalking. */
static int screen_case(struct demo *dm)
{
	struct ops_screening in = {
		.version = version(dm),
		.four = { FOUR_YES, FOUR_YES, FOUR_YES, FOUR_YES },
		.notes = { "his messages are all about her", "he will not let it go",
			   "she has told him to stop, and blocked him", "for weeks, most days" },
	};

	return done(dm, ops_case_screen(as(dm, "officer", dm->now), dm->ref, &in, &dm->c),
		    "screening");
}

/* Score an instrument at `at`: the first `yes` items yes (the checklist), or
 * the named items yes (the screen), the rest no. */
static int assess(struct demo *dm, const char *iname, int yes, const char *const *yes_items,
		  int64_t at)
{
	const instrument *in = instrument_set_find(dm->v->instruments, iname);
	struct ops_assessment a = { .instrument = iname };
	struct ops_assessed out;
	int rc;

	a.answers = json_object();
	for (size_t i = 0; in && i < instrument_item_count(in); i++) {
		const char *item = instrument_item_id(in, i);
		bool y = (int)i < yes;

		for (const char *const *p = yes_items; p && *p; p++)
			y = y || strcmp(*p, item) == 0;
		json_object_set_new(a.answers, item, json_string(y ? "yes" : "no"));
	}
	rc = ops_assess(as(dm, "officer", at), dm->ref, &a, &out);
	if (rc >= 0)
		ops_assessed_free(&out);
	json_decref(a.answers);
	return done(dm, rc, iname);
}

static int decide_typology(struct demo *dm, const char *type, const char *rationale)
{
	return done(dm,
		    ops_typology_decide(as(dm, "officer", dm->now), dm->ref, type, rationale, NULL,
					&dm->c),
		    "typology");
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

/* A plan: made (with a suggestion rejected, if any), then its actions, as the
 * assessor would add them; those done were done a day ago. */
static int make_plan(struct demo *dm, const char *summary, const struct action_spec *a, int n,
		     const char *rejected, const char *rejected_reason)
{
	struct ops_plan_decision reject = { .id = rejected, .decision = "reject",
					    .reason = rejected_reason };
	struct ops_plan_change in = { 0, true, summary, &reject, rejected ? 1 : 0 };
	struct plan_record p = { 0 };
	bool made;
	int64_t plan_version;

	if (done(dm, ops_plan_put(as(dm, "officer", dm->now), dm->ref, &in, &dm->c, &p, &made),
		 "plan") < 0)
		goto fail;
	plan_version = p.version;
	for (int i = 0; i < n; i++) {
		struct ops_plan_action act = { 0 };
		const char *cat = a[i].category, *desc = a[i].description;
		int64_t id;

		if (a[i].suggestion &&
		    plan_suggestion_get(dm->v->suggestions, a[i].suggestion, &cat, &desc) < 0) {
			snprintf(dm->err, dm->errlen, "demo: no suggestion %s", a[i].suggestion);
			goto fail;
		}
		if (a[i].suggestion && a[i].description)
			desc = a[i].description;
		act.version = plan_version;
		act.category = cat;
		act.description = desc;
		act.owner = a[i].owner;
		act.due_at = dm->now + a[i].due_days * DAY;
		act.status = a[i].status;
		act.reason = a[i].reason;
		act.suggestion = a[i].suggestion;
		plan_record_free(&p);
		if (done(dm,
			 ops_plan_action_add(as(dm, "officer",
						strcmp(a[i].status, "done") == 0 ? dm->now - DAY
										  : dm->now),
					     dm->ref, &act, &dm->c, &p, &id),
			 "plan action") < 0)
			goto fail;
		plan_version = p.version;
	}
	plan_record_free(&p);
	return 0;
fail:
	plan_record_free(&p);
	return -1;
}

/* ---- victim care ------------------------------------------------------------------- */

static int contact(struct demo *dm, int64_t at, const char *by, const char *method,
		   const char *told)
{
	struct ops_contact in = { .at = at, .method = method, .told = told };
	int64_t id;

	return done(dm, ops_care_contact(as(dm, by, dm->now), dm->ref, &in, &dm->c, &id),
		    "contact");
}

/* Her advocacy referral; accepted with her consent (six days ago), the
 * charity's advocates see the case. */
static int advocacy(struct demo *dm, const char *status)
{
	struct ops_referral in = { .service = "advocacy", .agency = "sas", .status = status };

	if (strcmp(status, "accepted") == 0) {
		in.consent_given = true;
		in.consent = 1;
		in.consent_note = "agreed at the first visit to share her details";
	}
	return done(dm, ops_referral_make(as(dm, "officer", dm->now - 6 * DAY), dm->ref, &in, &dm->c),
		    "referral");
}

static int spoc(struct demo *dm, const char *username)
{
	return done(dm, ops_care_spoc(as(dm, "officer", dm->now), dm->ref, username, &dm->c),
		    "point of contact");
}

struct task_find {
	const char *event;
	int64_t order_id;
	int64_t id, version;
};

static int find_task(const struct case_task_row *t, void *arg)
{
	struct task_find *f = arg;

	if (t->event && strcmp(t->event, f->event) == 0 && t->order_id == f->order_id && !t->done_at) {
		f->id = t->id;
		f->version = t->version;
		return 1;
	}
	return 0;
}

/* Tell her of the event the case's open notification task (of order_id, 0:
 * none) is about: done by done_by. */
static int told(struct demo *dm, const char *event_name, int64_t order_id, const char *done_by)
{
	struct task_find f = { event_name, order_id, 0, 0 };
	struct case_record c;

	if (case_get(dm->d, dm->ref, &c) != 1 ||
	    case_tasks_each(dm->d, c.id, find_task, &f) < 0 || !f.id) {
		case_record_free(&c);
		snprintf(dm->err, dm->errlen, "demo: no open %s task on %s", event_name, dm->ref);
		return -1;
	}
	case_record_free(&c);
	return done(dm,
		    ops_task_done(as(dm, done_by, dm->now), dm->ref, f.id, f.version,
				  "told her by phone", &dm->c),
		    "task done");
}

/* A task to tell her of an event outside Vigil at event_at. */
static int notify(struct demo *dm, const char *event_name, int64_t event_at, const char *detail)
{
	return done(dm,
		    ops_task_open(as(dm, "officer", dm->now), dm->ref, event_name, event_at, detail,
				  &dm->c),
		    "task");
}

/* ---- orders ------------------------------------------------------------------------ */

static int64_t add_order(struct demo *dm, struct order_row *o,
			 const struct order_condition_row *conds, int n)
{
	struct ops_order in = { 0 };
	int64_t id = 0;

	in.o = *o;
	in.conditions = conds;
	in.nconditions = n;
	in.given = n ? OPS_ORDER_CONDITIONS : 0;
	if (done(dm, ops_order_record(as(dm, "officer", dm->now), dm->ref, &in, &dm->c, &id),
		 o->kind) < 0)
		return -1;
	o->id = id;
	return id;
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

	return report(dm, 12, "work", "non_emergency_call",
		      "A former colleague e-mails her several times a day since she left the firm",
		      &v, &s);
}

static int case_screened(struct demo *dm)
{
	const struct person_spec v = { "Emma Clarke", IDENT_ADDRESS, "17 Highbury Hill, London N5 1SU" };
	const struct person_spec s = { "Ryan Clarke", IDENT_PHONE, "07700 900418" };

	if (report(dm, 3 * 24, "ex_partner", "online",
		   "Her former husband follows her home from work and messages her at night", &v,
		   &s) < 0 ||
	    screen_case(dm) < 0)
		return -1;
	/* arrested two days ago; nobody has told her yet */
	return notify(dm, "arrest", dm->now - 2 * DAY, "arrested for stalking, in custody");
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

	if (report(dm, 7 * 24, "ex_partner", "emergency_call",
		   "Her ex-partner waits outside her flat and her office, and has threatened to "
		   "kill himself and her",
		   &v, &s) < 0 ||
	    screen_case(dm) < 0 || assess(dm, "ric", 15, NULL, dm->now - 6 * DAY) < 0 ||
	    assess(dm, "stalking-screen", 0, screen_yes, dm->now - 6 * DAY) < 0 ||
	    decide_typology(dm, "rejected",
			    "former partner who cannot accept the end of the relationship") < 0 ||
	    make_plan(dm, "Keep her safe at home and at work; an SPO; MARAC", actions,
		      (int)(sizeof actions / sizeof actions[0]), "victim-alert-device",
		      "she does not want an app that tracks her phone") < 0 ||
	    advocacy(dm, "accepted") < 0 || spoc(dm, "advocate") < 0 ||
	    contact(dm, dm->now - 6 * DAY, "officer", "in_person",
		    "What an SPO is; that we will apply; the advocate's number") < 0)
		return -1;
	o.kind = "spo_interim";
	o.status = "granted";
	o.reference = "HCMC/2026/0142";
	o.court = "Highbury Corner Magistrates' Court";
	o.applied_at = dm->now - 5 * DAY - 12 * HOUR;
	o.granted_at = o.served_at = dm->now - 5 * DAY;
	if (add_order(dm, &o, conds, 2) < 0 || told(dm, "order_granted", o.id, "advocate") < 0 ||
	    contact(dm, dm->now - 4 * DAY, "advocate", "phone",
		    "The interim SPO was granted: he may not come within 500 m of her flat") < 0 ||
	    contact(dm, dm->now - 1 * DAY, "advocate", "video", "Safety plan reviewed with her") < 0)
		return -1;
	return set_status(dm, "assessed");
}

/* ---- the programme's records, made by the store as its own API does --------------- */

static int fail(struct demo *dm, const char *what)
{
	snprintf(dm->err, dm->errlen, "%s: %s", what, db_errmsg(dm->d));
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

/*
 * The suspect of case id in the trust's programme, as the order requires:
 * enrolled 55 days ago on his consent (the case shared with the trust for
 * treatment), sessions every eight days — four attended, the fifth missed and not yet
 * followed up (in the clinician's inbox), the next planned — and a note.
 */
static int programme(struct demo *dm, int64_t id)
{
	static const char *const held[] = { "attended", "attended", "attended", "attended",
					    "missed" };
	int64_t suspect = case_suspect(dm->d, id), clin = user(dm, "clinician"), enrolment;
	struct share_row share = { 0 };
	struct agency trust;

	if (suspect <= 0 || agency_get_by_code(dm->d, "nlft", &trust) != 1)
		return fail(dm, "demo programme: no suspect or no trust");
	enrolment = programme_enrolment_insert(dm->d, suspect, id, trust.id, clin,
					       dm->now - 55 * DAY,
					       "Signed the consent form with Dr Hughes; the order "
					       "requires him to attend",
					       false, clin);
	share.case_id = id;
	share.agency_id = trust.id;
	share.purpose = "treatment";
	share.basis = "consent";
	share.consent_of = "offender";
	share.note = "consent form signed at enrolment";
	share.origin = "programme";
	share.starts_at = dm->now - 55 * DAY;
	if (enrolment < 0 || sharing_insert(dm->d, &share, clin) < 0 ||
	    event(dm, id, "clinician", "programme_enrolled", "with his consent") < 0)
		return fail(dm, "demo programme enrolment");
	for (int w = 0; w < 6; w++) {
		int64_t s = programme_session_insert(dm->d, enrolment, dm->now - (38 - 8 * w) * DAY);

		if (s < 0 || (w < 5 && programme_session_record(dm->d, s, 1, held[w],
								  w < 4 ? clin : 0, clin) < 0))
			return fail(dm, "demo programme session");
	}
	if (programme_note_insert(dm->d, enrolment,
				  "Engages well in the group; still speaks of her as his partner. "
				  "Work on the belief next session.",
				  clin) < 0)
		return fail(dm, "demo clinical note");
	return 0;
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
	struct ops_breach b = { 0 };
	int64_t breach;

	if (report(dm, 72 * 24, "online_only", "online",
		   "A man she has never met believes they are in a relationship; flowers and "
		   "letters to her work",
		   &v, &s) < 0 ||
	    screen_case(dm) < 0 || assess(dm, "ric", 11, NULL, dm->now - 70 * DAY) < 0 ||
	    decide_typology(dm, "intimacy_seeker",
			    "believes in a relationship that does not exist") < 0 ||
	    make_plan(dm, "An SPO; a clinical assessment of his fixation", actions,
		      (int)(sizeof actions / sizeof actions[0]), NULL, NULL) < 0 ||
	    set_status(dm, "assessed") < 0 || set_status(dm, "managed") < 0 ||
	    contact(dm, dm->now - 12 * DAY, "officer", "phone",
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
	if (add_order(dm, &o, conds, 3) < 0 || told(dm, "order_granted", o.id, "officer") < 0)
		return -1;
	/* a Police Information Notice another force gave him, years before */
	pin.kind = "pin_historic";
	pin.status = "granted";
	pin.granted_at = dm->now - 3 * 365 * DAY;
	pin.notes = "issued by Thames Valley Police to another woman";
	if (add_order(dm, &pin, NULL, 0) < 0)
		return -1;
	b.occurred_at = dm->now - 2 * DAY;
	b.description = "Sent flowers and a letter to her workplace";
	b.evidence = "{\"incidents\":[],\"alerts\":[],\"trail\":null}";
	if (done(dm,
		 ops_breach_record(as(dm, "officer", dm->now), dm->ref, o.id, &b, &dm->c, &breach),
		 "breach") < 0)
		return -1;
	return programme(dm, dm->c.id);
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

	if (report(dm, 42 * 24, "ex_partner", "in_person",
		   "Her ex-husband drives past her house; it has got worse since he lost his job",
		   &v, &s) < 0 ||
	    screen_case(dm) < 0 || assess(dm, "ric", 10, NULL, dm->now - 40 * DAY) < 0 ||
	    decide_typology(dm, "rejected", "former partner, grievance over the separation") < 0 ||
	    make_plan(dm, "Target hardening; bail conditions", actions,
		      (int)(sizeof actions / sizeof actions[0]), NULL, NULL) < 0 ||
	    set_status(dm, "assessed") < 0 || set_status(dm, "managed") < 0 ||
	    contact(dm, dm->now - 3 * DAY, "officer", "phone", "Checked the new locks work") < 0)
		return -1;
	o.kind = "non_molestation";
	o.status = "granted";
	o.court = "Central Family Court";
	o.granted_at = dm->now - 170 * DAY;
	o.ends_at = dm->now + 12 * DAY;
	if (add_order(dm, &o, &NO_CONTACT, 1) < 0 || told(dm, "order_granted", o.id, "officer") < 0)
		return -1;
	/* reassessed high yesterday: no advocate yet, and she has not been told
	 * (the assessment opened the task) */
	return assess(dm, "ric", 16, NULL, dm->now - 30 * HOUR);
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
	struct ops_review closing = { .kind = "closing", .outcome = "convicted",
				      .summary = "Convicted of stalking; restraining order until "
						 "further order" };
	struct order_row o = { 0 };

	if (report(dm, 93 * 24, "friend_acquaintance", "non_emergency_call",
		   "A friend of her brother would not accept she did not want to see him", &v,
		   &s) < 0 ||
	    screen_case(dm) < 0 || assess(dm, "ric", 10, NULL, dm->now - 90 * DAY) < 0 ||
	    decide_typology(dm, "incompetent_suitor", "sought a relationship, would not take no") < 0 ||
	    make_plan(dm, "Charge; a restraining order on conviction", actions,
		      (int)(sizeof actions / sizeof actions[0]), NULL, NULL) < 0 ||
	    set_status(dm, "assessed") < 0 || set_status(dm, "managed") < 0)
		return -1;
	o.kind = "restraining_conviction";
	o.status = "granted";
	o.court = "Snaresbrook Crown Court";
	o.granted_at = dm->now - 20 * DAY;
	o.until_further_order = true;
	if (add_order(dm, &o, &NO_CONTACT, 1) < 0 || told(dm, "order_granted", o.id, "officer") < 0 ||
	    contact(dm, dm->now - 20 * DAY + 2 * HOUR, "officer", "in_person",
		    "He was convicted; the restraining order has no end date") < 0 ||
	    done(dm, ops_review_record(as(dm, "supervisor", dm->now), dm->ref, &closing, &dm->c),
		 "closing review") < 0)
		return -1;
	return set_status(dm, "closed");
}

static int case_assessed_standard(struct demo *dm)
{
	const struct person_spec v = { "Chloe Evans", IDENT_ADDRESS, "88 Stroud Green Road, London N4 3EN" };
	const struct action_spec actions[] = {
		{ "safety-plan", NULL, NULL, "officer", 14, "planned", NULL },
		{ "evidence-diary", NULL, NULL, "officer", 7, "in_progress", NULL },
		{ "digital-safety", NULL, NULL, "officer", 7, "planned", NULL },
	};

	if (report(dm, 60, "unknown", "online", "Anonymous accounts comment on every post she makes",
		   &v, NULL) < 0 ||
	    screen_case(dm) < 0 || assess(dm, "ric", 3, NULL, dm->now - 2 * DAY) < 0 ||
	    make_plan(dm, "Evidence, and lock down her accounts", actions,
		      (int)(sizeof actions / sizeof actions[0]), NULL, NULL) < 0 ||
	    contact(dm, dm->now - 1 * DAY, "officer", "email",
		    "How to keep screenshots and report each account") < 0)
		return -1;
	return set_status(dm, "assessed");
}

int demo_cases_load(struct vigil *v, db *d, char *err, size_t errlen)
{
	struct demo dm = { .v = v, .d = d, .now = clock_now_ms(), .err = err, .errlen = errlen };
	int rc;

	if (!v->instruments || !v->suggestions) {
		snprintf(err, errlen, "the demo caseload needs the instruments and suggestions");
		return -1;
	}
	rc = case_intake(&dm) < 0 || case_screened(&dm) < 0 || case_assessed_high(&dm) < 0 ||
	     case_managed_breach(&dm) < 0 || case_managed_raised(&dm) < 0 || case_closed(&dm) < 0 ||
	     case_assessed_standard(&dm) < 0 ? -1 : 0;
	case_record_free(&dm.c);
	return rc;
}
