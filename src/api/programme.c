/*
 * programme — the behaviour-change programme over HTTP: a case's programme
 * record (GET /api/v1/cases/{ref}/programme), referral, screening,
 * enrolment, sessions, consent, clinical notes, disclosures; a trust's
 * cohort (GET /api/v1/programme) and its outcomes against comparable cases
 * (GET /api/v1/programme/outcomes).  Parse, call ops/programme, answer.
 */
#include "api/api.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/log.h"
#include "core/programme.h"
#include "http/request.h"
#include "ops/ops.h"
#include "ops/programme.h"
#include "store/cases.h"
#include "store/programme.h"
#include "vigil.h"

#define TEXT_MAX 4000

/* ---- the case's programme record ---------------------------------------------------- */

static int add_referral(const struct prog_referral *p, void *arg)
{
	json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:s?, s:s, s:o, s:I}", "id", (json_int_t)p->id,
			      "trust", p->agency, "source", p->source, "status", p->status, "note",
			      p->note, "referred_by", p->referred_by, "referred_at",
			      req_time_json(p->referred_at), "version", (json_int_t)p->version);

	if (p->decided_at) {
		json_t *screening = p->screening ? json_loads(p->screening, 0, NULL) : NULL;

		json_object_set_new(o, "screening", screening ? screening : json_null());
		json_object_set_new(o, "decision",
				    json_pack("{s:s, s:s?, s:s, s:o}", "decision",
					      !strcmp(p->status, "ineligible") ? "ineligible" : "eligible",
					      "reasons", p->reasons, "by", p->decided_by, "at",
					      req_time_json(p->decided_at)));
	}
	if (p->waiting_since)
		json_object_set_new(o, "waiting_since", req_time_json(p->waiting_since));
	json_array_append_new(arg, o);
	return 0;
}

static int add_session(const struct prog_session *s, void *arg)
{
	json_t *o = json_pack("{s:I, s:o, s:s, s:s?, s:I}", "id", (json_int_t)s->id, "planned_at",
			      req_time_json(s->planned_at), "status", s->status, "run_by",
			      s->run_by[0] ? s->run_by : NULL, "version", (json_int_t)s->version);

	if (!strcmp(s->status, "missed"))
		json_object_set_new(o, "follow_up",
				    s->followed_up_at
					    ? json_pack("{s:o, s:s, s:s?}", "at",
							req_time_json(s->followed_up_at), "by",
							s->followed_up_by, "note", s->follow_up_note)
					    : json_null());
	json_array_append_new(arg, o);
	return 0;
}

static json_t *rate_json(int attended, int missed)
{
	double rate = programme_attendance(attended, missed);

	return rate < 0 ? json_null() : json_real(round(rate * 1000) / 1000);
}

static json_t *programme_json(struct req *r, const struct case_record *c, int *rc)
{
	json_t *refs = json_array(), *o;
	struct prog_enrolment e;

	*rc = programme_referrals_each(r->db, c->id, add_referral, refs);
	if (*rc < 0) {
		json_decref(refs);
		return NULL;
	}
	o = json_pack("{s:s, s:o, s:o}", "ref", c->ref, "referrals", refs, "enrolment", json_null());
	{
		/* the tables the forms are made from: the screening's criteria, the
		 * risks a disclosure names */
		json_t *crit = json_array(), *risks = json_array();
		static const char *const sources[] = { "answer", "typology", "risk" };

		for (int i = 0; i < programme_ncriteria; i++)
			json_array_append_new(crit, json_pack("{s:s, s:s, s:s, s:s}", "id",
							      programme_criteria[i].id, "question",
							      programme_criteria[i].question, "source",
							      sources[programme_criteria[i].source],
							      "fails", programme_criteria[i].fails));
		for (int i = 0; programme_disclosure_risks[i]; i++)
			json_array_append_new(risks, json_string(programme_disclosure_risks[i]));
		json_object_set_new(o, "criteria", crit);
		json_object_set_new(o, "disclosure_risks", risks);
	}
	*rc = programme_enrolment_of_case(r->db, c->id, &e);
	if (*rc > 0) {
		json_t *sessions = json_array(), *en;
		int attended = 0, missed = 0;

		*rc = programme_sessions_each(r->db, e.id, add_session, sessions);
		if (*rc >= 0)
			*rc = programme_attendance_counts(r->db, e.id, &attended, &missed);
		en = json_pack("{s:I, s:s, s:s?, s:o, s:b, s:s?, s:o, s:o, s:o, s:I, s:I, s:o, s:I}", "id",
			       (json_int_t)e.id, "trust", e.agency, "clinician",
			       e.clinician[0] ? e.clinician : NULL, "enrolled_at",
			       req_time_json(e.enrolled_at), "active", e.ended_at == 0,
			       "ended_reason", e.ended_reason, "ended_at", req_time_json(e.ended_at),
			       "consent", json_pack("{s:s?, s:o}", "note", e.consent_note, "at",
						    req_time_json(e.consent_at)),
			       "tag_consent",
			       json_pack("{s:b, s:o}", "given", e.tag_consent, "withdrawn_at",
					 req_time_json(e.tag_consent_withdrawn_at)),
			       "attended", (json_int_t)attended, "missed", (json_int_t)missed,
			       "attendance_rate", rate_json(attended, missed), "version",
			       (json_int_t)e.version);
		json_object_set_new(en, "sessions", sessions);
		if (*rc >= 0) {
			/* what his record says since he joined: the trust sees his
			 * side, his tag's compliance included */
			struct prog_outcome since;

			*rc = programme_outcome(r->db, e.person_id, e.enrolled_at,
						e.ended_at ? e.ended_at : clock_now_ms(), &since);
			json_object_set_new(en, "since_enrolment",
					    json_pack("{s:i, s:i, s:i, s:i}", "incidents",
						      since.incidents, "breaches", since.breaches,
						      "new_victims", since.new_victims, "tag_alerts",
						      since.tag_alerts));
		}
		json_object_set_new(o, "enrolment", en);
		programme_enrolment_free(&e);
	}
	if (*rc < 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* The result done of an operation in the request's transaction: a failure
 * is answered after rolling back; a success with the case's programme record
 * (and key: id, when key), committed. */
static void reply(struct req *r, struct ops_ctx *x, int64_t done, int status,
		  const struct case_record *c, const char *key, int64_t id)
{
	int rc;
	json_t *o;

	if (done < 0) {
		api_tx_refused(r, x, (int)done);
		return;
	}
	o = programme_json(r, c, &rc);
	if (o && key)
		json_object_set_new(o, key, json_integer(id));
	api_tx_reply(r, status, o, rc);
}

void api_programme_get(struct req *r)
{
	api_case_page(r, programme_json);
}

static int first_referral(const struct prog_referral *p, void *arg)
{
	json_t **out = arg;

	*out = json_pack("{s:s, s:s, s:o}", "status", p->status, "trust", p->agency, "since",
			 req_time_json(p->waiting_since ? p->waiting_since : p->referred_at));
	return 1; /* the newest only */
}

json_t *api_programme_summary(db *d, int64_t case_id)
{
	struct prog_enrolment e;
	json_t *out = NULL;

	if (programme_enrolment_of_case(d, case_id, &e) == 1) {
		out = json_pack("{s:s, s:s, s:o}", "status", e.ended_at ? "left" : "enrolled", "trust",
				e.agency, "since", req_time_json(e.ended_at ? e.ended_at : e.enrolled_at));
		programme_enrolment_free(&e);
		return out;
	}
	if (programme_referrals_each(d, case_id, first_referral, &out) < 0) {
		log_error("case %lld: its programme referrals could not be read: %s",
			  (long long)case_id, db_errmsg(d));
		json_decref(out);
		return json_null();
	}
	return out ? out : json_null();
}

/* ---- referral, screening, enrolment --------------------------------------------------- */

void api_programme_refer(struct req *r)
{
	static const char *const fields[] = { "trust", "source", "note", "consent_note", NULL };
	struct programme_referral_request q = { 0 };
	struct case_record c;
	struct ops_ctx x;
	struct partners_case pc;
	int64_t id;

	if (req_body_required(r) < 0 || req_body_only(r, fields) < 0 ||
	    req_body_str(r, "trust", true, 32, &q.trust) < 0 ||
	    req_body_str(r, "source", false, 8, &q.source) < 0 ||
	    req_body_str(r, "note", false, TEXT_MAX, &q.note) < 0 ||
	    req_body_str(r, "consent_note", true, TEXT_MAX, &q.consent_note) < 0)
		return;
	if (!q.source)
		q.source = "case";
	if (api_partners_begin(r, &c, &x, &pc) < 0)
		return;
	id = programme_refer(&x, &pc, &q);
	if (id >= 0)
		req_audit_detail(r, "programme referral %lld to %s (%s)", (long long)id, q.trust,
				 q.source);
	reply(r, &x, id, 201, &c, "id", id);
	case_record_free(&c);
	ops_done(&x);
}

void api_programme_screen(struct req *r)
{
	static const char *const fields[] = { "answers", "decision", "reasons", "version", NULL };
	struct programme_screening_request q = { 0 };
	struct case_record c;
	struct ops_ctx x;
	struct partners_case pc;
	bool met[16];
	json_t *answers;
	int64_t id;
	int rc;

	if (req_param_id(r, "id", "programme referral", &id) < 0 || req_body_required(r) < 0 ||
	    req_body_only(r, fields) < 0 ||
	    req_body_str(r, "decision", true, 16, &q.decision) < 0 ||
	    req_body_str(r, "reasons", true, TEXT_MAX, &q.reasons) < 0 ||
	    req_body_int(r, "version", true, 1, INT64_MAX, &q.version, NULL) < 0)
		return;
	answers = json_object_get(r->body, "answers");
	if (!json_is_object(answers)) {
		req_fail(r, 400, "bad_request", "answers",
			 "answers must be an object: each question's id with yes or no");
		return;
	}
	{
		const char *key;
		json_t *v;

		json_object_foreach(answers, key, v) {
			int i;

			for (i = 0; i < programme_ncriteria; i++)
				if (!strcmp(programme_criteria[i].id, key) &&
				    programme_criteria[i].source == CRITERION_ANSWER)
					break;
			if (i == programme_ncriteria || !json_is_string(v)) {
				req_fail(r, 400, "bad_request", "answers",
					 "answers.%s: not a question of the screening, or not yes or "
					 "no",
					 key);
				return;
			}
			q.answers[i] = json_string_value(v);
		}
	}
	if (api_partners_begin(r, &c, &x, &pc) < 0)
		return;
	rc = programme_screen_referral(&x, &pc, id, &q, met);
	if (rc >= 0)
		req_audit_detail(r, "programme referral %lld screened: %s", (long long)id, q.decision);
	reply(r, &x, rc, 200, &c, NULL, 0);
	case_record_free(&c);
	ops_done(&x);
}

void api_programme_enrol(struct req *r)
{
	static const char *const fields[] = { "consent", "tag_consent", "from", "version", NULL };
	static const char *const ckeys[] = { "note", NULL };
	struct programme_enrol_request q = { 0 };
	struct case_record c;
	struct ops_ctx x;
	struct partners_case pc;
	json_t *consent;
	int64_t id, eid;
	int tag = 0, place;

	if (req_param_id(r, "id", "programme referral", &id) < 0 || req_body_required(r) < 0 ||
	    req_body_only(r, fields) < 0 ||
	    req_body_bool(r, "tag_consent", false, &tag) < 0 ||
	    req_body_time(r, "from", false, &q.from, NULL) < 0 ||
	    req_body_int(r, "version", true, 1, INT64_MAX, &q.version, NULL) < 0)
		return;
	consent = json_object_get(r->body, "consent");
	if (!json_is_object(consent)) {
		req_fail(r, 400, "bad_request", "consent.note",
			 "record his informed consent: consent: {\"note\": how and when he gave it}");
		return;
	}
	if (req_obj_only(r, consent, "consent", ckeys) < 0 ||
	    req_obj_str(r, consent, "note", "consent.note", true, TEXT_MAX, &q.consent_note) < 0)
		return;
	q.tag_consent = tag == 1;
	q.capacity = r->v->cfg.programme_capacity;
	if (api_partners_begin(r, &c, &x, &pc) < 0)
		return;
	eid = programme_enrol_referral(&x, &pc, id, &q, &place);
	if (eid > 0)
		req_audit_detail(r, "programme referral %lld enrolled (%lld)%s", (long long)id,
				 (long long)eid, q.tag_consent ? ", consents to a tag" : "");
	if (eid == 0) {
		req_audit_detail(r, "programme referral %lld waiting, place %d", (long long)id, place);
		reply(r, &x, eid, 202, &c, "waiting_place", place);
	} else {
		reply(r, &x, eid, 201, &c, "id", eid);
	}
	case_record_free(&c);
	ops_done(&x);
}

/* ---- sessions, consent ----------------------------------------------------------------- */

void api_programme_session_plan(struct req *r)
{
	static const char *const fields[] = { "planned_at", NULL };
	struct case_record c;
	struct ops_ctx x;
	struct partners_case pc;
	int64_t at = 0, id;

	if (req_body_required(r) < 0 || req_body_only(r, fields) < 0 ||
	    req_body_time(r, "planned_at", true, &at, NULL) < 0)
		return;
	if (api_partners_begin(r, &c, &x, &pc) < 0)
		return;
	id = programme_session_plan(&x, &pc, at);
	if (id >= 0)
		req_audit_detail(r, "session %lld planned", (long long)id);
	reply(r, &x, id, 201, &c, "id", id);
	case_record_free(&c);
	ops_done(&x);
}

void api_programme_session_update(struct req *r)
{
	static const char *const fields[] = { "status", "run_by", "follow_up", "version", NULL };
	struct programme_session_request q = { 0 };
	struct case_record c;
	struct ops_ctx x;
	struct partners_case pc;
	int64_t id;
	int rc;

	if (req_param_id(r, "id", "session", &id) < 0 || req_body_required(r) < 0 ||
	    req_body_only(r, fields) < 0 || req_body_str(r, "status", false, 16, &q.status) < 0 ||
	    req_body_str(r, "run_by", false, 64, &q.run_by) < 0 ||
	    req_body_str(r, "follow_up", false, TEXT_MAX, &q.follow_up) < 0 ||
	    req_body_int(r, "version", true, 1, INT64_MAX, &q.version, NULL) < 0)
		return;
	if (api_partners_begin(r, &c, &x, &pc) < 0)
		return;
	rc = programme_session_update(&x, &pc, id, &q);
	if (rc >= 0)
		req_audit_detail(r, "session %lld: %s%s", (long long)id, q.status ? q.status : "",
				 q.follow_up ? " followed up" : "");
	reply(r, &x, rc, 200, &c, NULL, 0);
	case_record_free(&c);
	ops_done(&x);
}

void api_programme_consent(struct req *r)
{
	static const char *const fields[] = { "withdraw", "reason", "version", NULL };
	struct programme_leave_result out;
	struct case_record c;
	struct ops_ctx x;
	struct partners_case pc;
	const char *what, *reason;
	int64_t version;
	json_t *o;
	int rc;

	if (req_body_required(r) < 0 || req_body_only(r, fields) < 0 ||
	    req_body_str(r, "withdraw", true, 16, &what) < 0 ||
	    req_body_str(r, "reason", true, TEXT_MAX, &reason) < 0 ||
	    req_body_int(r, "version", true, 1, INT64_MAX, &version, NULL) < 0)
		return;
	if (api_partners_begin(r, &c, &x, &pc) < 0)
		return;
	rc = programme_withdraw_consent(&x, &pc, what, reason, version, &out);
	if (rc < 0)
		goto out;
	req_audit_detail(r, "consent to the %s withdrawn: %s", what, reason);
	o = programme_json(r, &c, &rc);
	/* what stays, said plainly: leaving does not end an order's protections */
	if (o)
		json_object_set_new(
			o, "protections",
			json_pack("{s:i, s:i, s:s}", "orders_requiring_tag", out.tag_orders,
				  "tags_worn", out.tags_worn, "tag",
				  out.tag_orders ? "stays: an order in force requires it"
				  : out.tags_worn ? "worn voluntarily: his officer decides "
						    "whether its assignment ends"
						  : "none"));
	api_tx_reply(r, 200, o, rc);
	goto done;
out:
	api_tx_refused(r, &x, rc);
done:
	case_record_free(&c);
	ops_done(&x);
}

/* ---- clinical notes and disclosures --------------------------------------------------- */

static int add_text(const struct prog_text *t, void *arg)
{
	json_t *o = json_pack("{s:I, s:s, s:o}", "id", (json_int_t)t->id, "by", t->by, "at",
			      req_time_json(t->at));

	/* a disclosure names its risk and says its detail; a note has a body */
	if (t->risk)
		json_object_set_new(o, "risk", json_string(t->risk));
	json_object_set_new(o, t->risk ? "detail" : "body", json_string(t->text ? t->text : ""));
	json_array_append_new(arg, o);
	return 0;
}

void api_programme_notes(struct req *r)
{
	struct prog_enrolment e;
	struct case_record c;
	struct ops_ctx x;
	struct partners_case pc;
	json_t *arr;
	int rc;

	if (api_case_load(r, &c) < 0)
		return;
	api_ops_begin(r, &x, 0);
	api_partners_case(&c, &pc);
	rc = programme_treating(&x, &pc, &e);
	if (rc < 0) {
		api_ops_end(r, &x, rc);
		goto out;
	}
	arr = json_array();
	req_read(r, programme_notes_each(r->db, e.id, add_text, arr));
	programme_enrolment_free(&e);
	req_reply(r, 200, json_pack("{s:s, s:o}", "ref", c.ref, "notes", arr));
out:
	case_record_free(&c);
	ops_done(&x);
}

/* The result id of recording a note or a disclosure: a failure is answered
 * after rolling back; a success with {ref, id}, committed. */
static void reply_id(struct req *r, struct ops_ctx *x, const struct case_record *c, int64_t id)
{
	json_t *o;

	if (id < 0) {
		api_tx_refused(r, x, (int)id);
		return;
	}
	o = json_pack("{s:s, s:I}", "ref", c->ref, "id", (json_int_t)id);
	api_tx_reply(r, 201, o, 0);
}

void api_programme_note_add(struct req *r)
{
	static const char *const fields[] = { "body", NULL };
	struct case_record c;
	struct ops_ctx x;
	struct partners_case pc;
	const char *body;
	int64_t id;

	if (req_body_required(r) < 0 || req_body_only(r, fields) < 0 ||
	    req_body_str(r, "body", true, 20000, &body) < 0)
		return;
	if (api_partners_begin(r, &c, &x, &pc) < 0)
		return;
	id = programme_note(&x, &pc, body);
	if (id >= 0)
		req_audit_detail(r, "clinical note %lld", (long long)id);
	reply_id(r, &x, &c, id);
	case_record_free(&c);
	ops_done(&x);
}

void api_programme_disclose(struct req *r)
{
	static const char *const fields[] = { "risk", "detail", NULL };
	struct case_record c;
	struct ops_ctx x;
	struct partners_case pc;
	const char *risk, *detail;
	int64_t id;

	if (req_body_required(r) < 0 || req_body_only(r, fields) < 0 ||
	    req_body_str(r, "risk", true, 32, &risk) < 0 ||
	    req_body_str(r, "detail", true, TEXT_MAX, &detail) < 0)
		return;
	if (api_partners_begin(r, &c, &x, &pc) < 0)
		return;
	id = programme_disclose(&x, &pc, risk, detail);
	if (id >= 0)
		req_audit_detail(r, "disclosure %lld to police: %s", (long long)id, risk);
	reply_id(r, &x, &c, id);
	case_record_free(&c);
	ops_done(&x);
}

void api_disclosures_list(struct req *r)
{
	struct prog_enrolment e;
	struct case_record c;
	bool allowed;
	json_t *arr;

	if (api_case_load(r, &c) < 0)
		return;
	/* the police in charge of the case, and the trust that made them */
	allowed = (r->who.agency_id == c.agency_id &&
		   (r->who.role == ROLE_OFFICER || r->who.role == ROLE_SUPERVISOR));
	if (!allowed && r->who.role == ROLE_CLINICIAN &&
	    programme_enrolment_of_case(r->db, c.id, &e) == 1) {
		allowed = e.agency_id == r->who.agency_id;
		programme_enrolment_free(&e);
	}
	if (!allowed) {
		req_fail(r, 403, "forbidden", NULL,
			 "disclosures from the programme are for the officers in charge of case %s "
			 "and the treating clinicians",
			 c.ref);
		goto out;
	}
	arr = json_array();
	req_read(r, programme_disclosures_each(r->db, c.id, add_text, arr));
	req_reply(r, 200, json_pack("{s:s, s:o}", "ref", c.ref, "disclosures", arr));
out:
	case_record_free(&c);
}

/* ---- the cohort and its outcomes ------------------------------------------------------- */

struct cohort_ctx {
	json_t *enrolled, *waiting, *to_screen;
};

static int add_cohort(const struct prog_cohort_row *w, void *arg)
{
	struct cohort_ctx *k = arg;

	if (!strcmp(w->status, "enrolled"))
		json_array_append_new(k->enrolled,
				      json_pack("{s:s, s:I, s:o, s:s?, s:i, s:i, s:o, s:b}", "ref",
						w->ref, "enrolment", (json_int_t)w->id, "since",
						req_time_json(w->since), "clinician", w->clinician,
						"attended", w->attended, "missed", w->missed,
						"attendance_rate", rate_json(w->attended, w->missed),
						"tag_consent", w->tag_consent));
	else
		json_array_append_new(!strcmp(w->status, "waiting") ? k->waiting : k->to_screen,
				      json_pack("{s:s, s:I, s:s, s:o}", "ref", w->ref, "referral",
						(json_int_t)w->id, "status", w->status, "since",
						req_time_json(w->since)));
	return 0;
}

void api_programme_cohort(struct req *r)
{
	struct cohort_ctx k = { json_array(), json_array(), json_array() };
	int rc = programme_cohort_each(r->db, r->who.agency_id, add_cohort, &k);

	if (rc < 0) {
		json_decref(k.enrolled);
		json_decref(k.waiting);
		json_decref(k.to_screen);
		req_fail_db(r, rc);
		return;
	}
	req_reply(r, 200,
		  json_pack("{s:i, s:i, s:o, s:o, s:o}", "capacity", r->v->cfg.programme_capacity,
			    "places_free",
			    r->v->cfg.programme_capacity - (int)json_array_size(k.enrolled) > 0
				    ? r->v->cfg.programme_capacity - (int)json_array_size(k.enrolled)
				    : 0,
			    "enrolled", k.enrolled, "waiting", k.waiting, "to_screen", k.to_screen));
}

/* The sums of one group at one window. */
struct sums {
	int people;
	long incidents, breaches, new_victims, tag_alerts;
};

struct outcome_ctx {
	db *d;
	int64_t now;
	bool comparison;
	/* the typology|level pairs of the cohort, so that the comparison group is
	 * the comparable cases only */
	char pairs[64][48];
	int npairs;
	struct sums s[3];
	int rc;
};

static int add_person(int64_t person, int64_t t0, const char *typology, const char *level,
		      void *arg)
{
	struct outcome_ctx *k = arg;
	char pair[48];

	snprintf(pair, sizeof pair, "%s|%s", typology ? typology : "", level ? level : "");
	if (!k->comparison) {
		bool seen = false;

		for (int i = 0; i < k->npairs; i++)
			seen = seen || !strcmp(k->pairs[i], pair);
		if (!seen && k->npairs < 64)
			snprintf(k->pairs[k->npairs++], sizeof k->pairs[0], "%s", pair);
	} else {
		bool match = false;

		for (int i = 0; i < k->npairs; i++)
			match = match || !strcmp(k->pairs[i], pair);
		if (!match)
			return 0;
	}
	for (int w = 0; w < 3; w++) {
		int64_t t1 = programme_window_end(t0, programme_windows[w]);
		struct prog_outcome o;

		if (t1 > k->now)
			continue; /* the window has not closed yet: not counted */
		k->rc = programme_outcome(k->d, person, t0, t1, &o);
		if (k->rc < 0)
			return 1;
		k->s[w].people++;
		k->s[w].incidents += o.incidents;
		k->s[w].breaches += o.breaches;
		k->s[w].new_victims += o.new_victims;
		k->s[w].tag_alerts += o.tag_alerts;
	}
	return 0;
}

static json_t *per_person(long n, int people)
{
	return people ? json_real(round((double)n / people * 1000) / 1000) : json_null();
}

static json_t *sums_json(const struct sums *s)
{
	return json_pack("{s:i, s:{s:I, s:I, s:I, s:I}, s:{s:o, s:o, s:o, s:o}}", "people",
			 s->people, "totals", "incidents", (json_int_t)s->incidents, "breaches",
			 (json_int_t)s->breaches, "new_victims", (json_int_t)s->new_victims,
			 "tag_alerts", (json_int_t)s->tag_alerts, "per_person", "incidents",
			 per_person(s->incidents, s->people), "breaches",
			 per_person(s->breaches, s->people), "new_victims",
			 per_person(s->new_victims, s->people), "tag_alerts",
			 per_person(s->tag_alerts, s->people));
}

void api_programme_outcomes(struct req *r)
{
	struct outcome_ctx cohort = { 0 }, other = { 0 };
	json_t *windows;
	int rc;

	cohort.d = other.d = r->db;
	cohort.now = other.now = clock_now_ms();
	rc = programme_outcome_people(r->db, r->who.agency_id, true, add_person, &cohort);
	if (rc >= 0)
		rc = cohort.rc;
	if (rc >= 0) {
		other.comparison = true;
		other.npairs = cohort.npairs;
		memcpy(other.pairs, cohort.pairs, sizeof other.pairs);
		rc = programme_outcome_people(r->db, r->who.agency_id, false, add_person, &other);
		if (rc >= 0)
			rc = other.rc;
	}
	if (rc < 0) {
		req_fail_db(r, rc);
		return;
	}
	windows = json_array();
	for (int w = 0; w < 3; w++)
		json_array_append_new(windows,
				      json_pack("{s:i, s:o, s:o}", "months", programme_windows[w],
						"programme", sums_json(&cohort.s[w]), "comparison",
						sums_json(&other.s[w])));
	req_reply(r, 200,
		  json_pack("{s:o, s:s}", "windows", windows, "method",
			    "from each enrolment (the programme) or each never-enrolled suspect's "
			    "first case of the same typology and risk level (the comparison), "
			    "counting what his cases record in the months after: incidents, "
			    "breaches, victims not his before, and tag alerts (tamper, case "
			    "opened, powered off, lost signal); a window not yet closed is not "
			    "counted"));
}
