/*
 * ops/programme — the behaviour-change programme's rules (see programme.h).
 */
#include "ops/programme.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/programme.h"
#include "ops/ops.h"
#include "store/account.h"
#include "store/cases.h"
#include "store/people.h"
#include "store/programme.h"
#include "store/sharing.h"

/* The risks a disclosure names (what the police must know). */
const char *const programme_disclosure_risks[] = {
	"intent_to_harm", "plan_to_approach", "breach_admitted", "new_victim", "weapon", "other", NULL,
};

static bool in_list(const char *v, const char *const *list)
{
	for (int i = 0; v && list[i]; i++)
		if (!strcmp(v, list[i]))
			return true;
	return false;
}

/* The refusal of a write based on a stale version. */
static int stale(struct ops_ctx *x, const char *what, int64_t sent, int64_t now)
{
	return ops_fail(x, ERR_STALE_VERSION, "version",
			"the %s has changed since you read it (you sent version %lld, it is "
			"now %lld); read it again",
			what, (long long)sent, (long long)now);
}

static bool of_case_agency(const struct ops_ctx *x, const struct partners_case *c)
{
	return x->who.agency_id == c->agency_id &&
	       (x->who.role == ROLE_OFFICER || x->who.role == ROLE_SUPERVISOR);
}

/* Share the case with the trust for purpose on his consent, unless a share
 * for it is active. */
static int share_for(struct ops_ctx *x, const struct partners_case *c, int64_t agency_id,
		     const char *purpose, const char *consent_note)
{
	struct share_row row = { 0 };
	int64_t id = sharing_active(x->db, c->id, agency_id, purpose);

	if (id != 0)
		return id < 0 ? (int)id : 0;
	row.case_id = c->id;
	row.agency_id = agency_id;
	row.purpose = purpose;
	row.basis = "consent";
	row.consent_of = "offender";
	row.note = consent_note;
	row.origin = "programme";
	row.starts_at = x->now;
	id = sharing_insert(x->db, &row, x->who.user_id);
	return id < 0 ? (int)id : 0;
}

int64_t programme_refer(struct ops_ctx *x, const struct partners_case *c,
			const struct programme_referral_request *q)
{
	struct agency a;
	int64_t suspect, id;
	int rc;

	if (!of_case_agency(x, c))
		return ops_fail(x, ERR_FORBIDDEN, NULL,
				"the officers and supervisors of the agency that owns case %s "
				"refer its suspect to the programme",
				c->ref);
	if (!q->source || (strcmp(q->source, "case") && strcmp(q->source, "self")))
		return ops_fail(x, ERR_BAD_REQUEST, "source",
				"source must be case (the officer refers him) or self (he asked, "
				"through his officer)");
	if (!q->consent_note || !*q->consent_note)
		return ops_fail(x, ERR_BAD_REQUEST, "consent_note",
				"the programme is voluntary: say how he agreed to be referred "
				"and assessed (consent_note)");
	rc = agency_get_by_code(x->db, q->trust, &a);
	if (rc < 0)
		return rc;
	if (rc == 0 || strcmp(a.kind, "nhs"))
		return ops_fail(x, ERR_BAD_REQUEST, "trust",
				"'%s' is not an NHS trust in Vigil", q->trust);
	suspect = case_suspect(x->db, c->id);
	if (suspect < 0)
		return (int)suspect;
	if (suspect == 0)
		return ops_fail(x, ERR_CONFLICT, NULL,
				"case %s has no known suspect to refer", c->ref);
	id = programme_referral_open(x->db, suspect);
	if (id < 0)
		return (int)id;
	if (id > 0)
		return ops_fail(x, ERR_CONFLICT, NULL,
				"he has a referral to the programme open already (%lld)",
				(long long)id);
	rc = programme_enrolled(x->db, suspect);
	if (rc != 0)
		return rc < 0 ? rc
			      : ops_fail(x, ERR_CONFLICT, NULL,
					 "he is in the programme already");
	id = programme_referral_insert(x->db, suspect, c->id, a.id, q->source, q->note,
				       x->who.user_id);
	if (id < 0)
		return (int)id;
	rc = share_for(x, c, a.id, "assessment", q->consent_note);
	if (rc >= 0)
		rc = case_event_add(x->db, c->id, x->who.user_id, x->who.username,
				    "programme_referred", a.code);
	if (rc >= 0)
		rc = case_touch(x->db, c->id);
	return rc < 0 ? rc : id;
}

/* Load the referral and check that the actor is a clinician of its trust. */
static int load_referral(struct ops_ctx *x, const struct partners_case *c, int64_t id,
			 struct prog_referral *r)
{
	int rc = ops_found(x, programme_referral_get(x->db, c->id, id, r), c->ref,
			   "programme referral", id);

	if (rc < 0)
		return rc;
	if (x->who.role != ROLE_CLINICIAN || x->who.agency_id != r->agency_id) {
		programme_referral_free(r);
		return ops_fail(x, ERR_FORBIDDEN, NULL,
				"the clinicians of %s screen and enrol this referral", r->agency);
	}
	return 0;
}

int programme_screen_referral(struct ops_ctx *x, const struct partners_case *c, int64_t id,
			      const struct programme_screening_request *q, bool *met)
{
	const char *facts[16] = { 0 };
	struct screening_result res;
	struct prog_referral r;
	json_t *record;
	char *text = NULL;
	int rc;

	rc = load_referral(x, c, id, &r);
	if (rc < 0)
		return rc;
	if (strcmp(r.status, "referred") && strcmp(r.status, "ineligible") &&
	    strcmp(r.status, "eligible")) {
		rc = ops_fail(x, ERR_CONFLICT, NULL,
			      "referral %lld is %s: it was screened and placed already",
			      (long long)id, r.status);
		goto out;
	}
	for (int i = 0; i < programme_ncriteria; i++) {
		const struct programme_criterion *k = &programme_criteria[i];
		char field[48];

		if (k->source == CRITERION_TYPOLOGY) {
			facts[i] = c->typology;
			continue;
		}
		if (k->source == CRITERION_RISK) {
			facts[i] = c->risk_level;
			continue;
		}
		facts[i] = q->answers[i];
		snprintf(field, sizeof field, "answers.%s", k->id);
		if (!facts[i] || (strcmp(facts[i], "yes") && strcmp(facts[i], "no"))) {
			rc = ops_fail(x, ERR_BAD_REQUEST, field, "answer %s: %s (yes or no)",
				      k->id, k->question);
			goto out;
		}
	}
	programme_screen(facts, &res);
	for (int i = 0; i < programme_ncriteria; i++)
		met[i] = res.met[i];
	if (!q->decision || (strcmp(q->decision, "eligible") && strcmp(q->decision, "ineligible"))) {
		rc = ops_fail(x, ERR_BAD_REQUEST, "decision",
			      "decision must be eligible or ineligible");
		goto out;
	}
	if (!strcmp(q->decision, "eligible") && !res.eligible) {
		for (int i = 0; i < programme_ncriteria; i++)
			if (!res.met[i]) {
				rc = ops_fail(x, ERR_BAD_REQUEST, "decision",
					      "he does not meet every criterion: %s",
					      programme_criteria[i].fails);
				goto out;
			}
	}
	if (!q->reasons || !*q->reasons) {
		rc = ops_fail(x, ERR_BAD_REQUEST, "reasons",
			      "give the reasons for the decision (reasons)");
		goto out;
	}
	record = json_object();
	for (int i = 0; i < programme_ncriteria; i++)
		json_object_set_new(record, programme_criteria[i].id,
				    json_pack("{s:s?, s:b}", "answer", facts[i] && *facts[i] ? facts[i] : NULL,
					      "met", res.met[i]));
	text = json_dumps(record, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(record);
	rc = programme_referral_decide(x->db, id, q->version, q->decision, text, q->reasons,
				       x->who.user_id);
	if (rc == 0) {
		rc = stale(x, "referral", q->version, r.version);
		goto out;
	}
	if (rc > 0)
		rc = case_event_add(x->db, c->id, x->who.user_id, x->who.username,
				    "programme_screened", q->decision);
out:
	free(text);
	programme_referral_free(&r);
	return rc < 0 ? rc : 0;
}

int64_t programme_enrol_referral(struct ops_ctx *x, const struct partners_case *c, int64_t id,
				 const struct programme_enrol_request *q, int *waiting_place)
{
	struct prog_referral r;
	int64_t eid = 0, since;
	int rc, active;

	*waiting_place = 0;
	rc = load_referral(x, c, id, &r);
	if (rc < 0)
		return rc;
	if (strcmp(r.status, "eligible") && strcmp(r.status, "waiting")) {
		rc = ops_fail(x, ERR_CONFLICT, NULL,
			      "referral %lld is %s: only an eligible referral (or one waiting "
			      "for a place) is enrolled",
			      (long long)id, r.status);
		goto out;
	}
	if (!q->consent_note || !*q->consent_note) {
		rc = ops_fail(x, ERR_BAD_REQUEST, "consent.note",
			      "record his informed consent: how and when he gave it "
			      "(consent.note)");
		goto out;
	}
	if (q->from > x->now + 60000) {
		rc = ops_fail(x, ERR_BAD_REQUEST, "from",
			      "an enrolment is recorded on the day it happened, not ahead");
		goto out;
	}
	active = programme_active_count(x->db, r.agency_id);
	if (active < 0) {
		rc = active;
		goto out;
	}
	if (active >= q->capacity) {
		rc = programme_referral_place(x->db, id, q->version, "waiting", 0);
		if (rc == 0)
			goto stale;
		since = r.waiting_since ? r.waiting_since : x->now;
		if (rc > 0)
			rc = programme_waiting_ahead(x->db, r.agency_id, since, id);
		if (rc >= 0) {
			*waiting_place = rc + 1;
			rc = strcmp(r.status, "waiting")
				     ? case_event_add(x->db, c->id, x->who.user_id, x->who.username,
						      "programme_waiting", r.agency)
				     : 0;
		}
		goto out;
	}
	eid = programme_enrolment_insert(x->db, r.person_id, c->id, r.agency_id, x->who.user_id,
					 q->from ? q->from : x->now, q->consent_note, q->tag_consent,
					 x->who.user_id);
	if (eid < 0) {
		rc = (int)eid;
		goto out;
	}
	rc = programme_referral_place(x->db, id, q->version, "enrolled", eid);
	if (rc == 0)
		goto stale;
	if (rc > 0)
		rc = share_for(x, c, r.agency_id, "treatment", q->consent_note);
	if (rc >= 0)
		rc = case_event_add(x->db, c->id, x->who.user_id, x->who.username,
				    "programme_enrolled",
				    q->tag_consent ? "with his consent, and to wear a tag"
						   : "with his consent");
	if (rc >= 0)
		rc = case_touch(x->db, c->id);
	goto out;
stale:
	rc = stale(x, "referral", q->version, r.version);
out:
	programme_referral_free(&r);
	return rc < 0 ? rc : eid;
}

/* The case's suspect's enrolment now: 1 and *e, or a refusal when he is
 * not in the programme. */
static int current_enrolment(struct ops_ctx *x, const struct partners_case *c,
			     struct prog_enrolment *e)
{
	int rc = programme_enrolment_of_case(x->db, c->id, e);

	if (rc < 0)
		return rc;
	if (rc == 0 || e->ended_at) {
		if (rc)
			programme_enrolment_free(e);
		return ops_fail(x, ERR_CONFLICT, NULL,
				"the suspect of case %s is not in the programme", c->ref);
	}
	return 1;
}

int programme_treating(struct ops_ctx *x, const struct partners_case *c,
		       struct prog_enrolment *e)
{
	int rc = current_enrolment(x, c, e);

	if (rc < 0)
		return rc;
	if (x->who.role != ROLE_CLINICIAN || x->who.agency_id != e->agency_id) {
		programme_enrolment_free(e);
		return ops_fail(x, ERR_FORBIDDEN, NULL,
				"only the clinicians of the treating trust (%s) do this",
				e->agency);
	}
	return 1;
}

int64_t programme_session_plan(struct ops_ctx *x, const struct partners_case *c,
			       int64_t planned_at)
{
	struct prog_enrolment e;
	int64_t id;
	int rc = programme_treating(x, c, &e);

	if (rc < 0)
		return rc;
	if (planned_at < e.enrolled_at)
		id = ops_fail(x, ERR_BAD_REQUEST, "planned_at",
			      "a session is planned on or after his enrolment");
	else
		id = programme_session_insert(x->db, e.id, planned_at);
	programme_enrolment_free(&e);
	return id;
}

struct keep_session {
	int64_t version, planned_at, followed_up_at;
	char status[12];
};

static int keep_session(const struct prog_session *s, void *arg)
{
	struct keep_session *k = arg;

	k->version = s->version;
	k->planned_at = s->planned_at;
	k->followed_up_at = s->followed_up_at;
	snprintf(k->status, sizeof k->status, "%s", s->status);
	return 0;
}

int programme_session_update(struct ops_ctx *x, const struct partners_case *c, int64_t id,
			     const struct programme_session_request *q)
{
	static const char *const statuses[] = { "attended", "missed", "cancelled", NULL };
	struct keep_session k = { 0 };
	struct prog_enrolment e;
	int64_t run_by = 0, version = q->version;
	int rc = programme_treating(x, c, &e);

	if (rc < 0)
		return rc;
	rc = programme_session_get(x->db, e.id, id, keep_session, &k);
	if (rc == 0)
		rc = ops_fail(x, ERR_NOT_FOUND, NULL, "he has no session %lld",
			      (long long)id);
	if (rc < 0)
		goto out;
	if (!q->status && !q->follow_up) {
		rc = ops_fail(x, ERR_BAD_REQUEST, "status",
			      "say what became of the session (status) or record its "
			      "follow-up (follow_up)");
		goto out;
	}
	if (q->status) {
		if (!in_list(q->status, statuses)) {
			rc = ops_fail(x, ERR_BAD_REQUEST, "status",
				      "status must be attended, missed or cancelled");
			goto out;
		}
		if (strcmp(q->status, "cancelled") && k.planned_at > x->now + 60000) {
			rc = ops_fail(x, ERR_BAD_REQUEST, "status",
				      "a session is attended or missed once its time has come");
			goto out;
		}
		if (!strcmp(q->status, "attended")) {
			struct user u;

			rc = q->run_by ? user_get_by_name(x->db, q->run_by, &u) : 0;
			if (rc < 0)
				goto out;
			if (rc == 0 || u.disabled || u.role != ROLE_CLINICIAN ||
			    u.agency_id != e.agency_id) {
				rc = ops_fail(x, ERR_BAD_REQUEST, "run_by",
					      "name the clinician of %s who ran the session "
					      "(run_by)",
					      e.agency);
				goto out;
			}
			run_by = u.id;
		}
		rc = programme_session_record(x->db, id, version, q->status, run_by,
					      x->who.user_id);
		if (rc == 0)
			goto stale;
		if (rc < 0)
			goto out;
		version++;
		rc = case_event_add(x->db, c->id, x->who.user_id, x->who.username,
				    "programme_session", q->status);
		if (rc < 0)
			goto out;
	}
	if (q->follow_up) {
		const char *now_status = q->status ? q->status : k.status;

		if (strcmp(now_status, "missed")) {
			rc = ops_fail(x, ERR_BAD_REQUEST, "follow_up",
				      "a follow-up is recorded for a missed session");
			goto out;
		}
		if (!*q->follow_up) {
			rc = ops_fail(x, ERR_BAD_REQUEST, "follow_up",
				      "say what was done about the missed session");
			goto out;
		}
		rc = programme_session_follow_up(x->db, id, version, q->follow_up, x->who.user_id);
		if (rc == 0)
			goto stale;
	}
	goto out;
stale:
	rc = stale(x, "session", q->version, k.version);
out:
	programme_enrolment_free(&e);
	return rc < 0 ? rc : 0;
}

int programme_withdraw_consent(struct ops_ctx *x, const struct partners_case *c,
			       const char *what, const char *reason, int64_t version,
			       struct programme_leave_result *out)
{
	struct prog_enrolment e;
	char detail[160];
	int rc;

	memset(out, 0, sizeof *out);
	rc = current_enrolment(x, c, &e);
	if (rc < 0)
		return rc;
	/* his clinicians record it, or his officer (he may tell either) */
	if (!((x->who.role == ROLE_CLINICIAN && x->who.agency_id == e.agency_id) ||
	      of_case_agency(x, c))) {
		rc = ops_fail(x, ERR_FORBIDDEN, NULL,
			      "his treating clinicians or his officer record a withdrawal of "
			      "his consent");
		goto out;
	}
	if (!what || (strcmp(what, "tag") && strcmp(what, "programme"))) {
		rc = ops_fail(x, ERR_BAD_REQUEST, "withdraw",
			      "withdraw must be tag (he will not wear a tag voluntarily) or "
			      "programme (he leaves)");
		goto out;
	}
	if (!reason || !*reason) {
		rc = ops_fail(x, ERR_BAD_REQUEST, "reason", "say why (reason)");
		goto out;
	}
	if (!strcmp(what, "tag") && (!e.tag_consent || e.tag_consent_withdrawn_at)) {
		rc = ops_fail(x, ERR_CONFLICT, "withdraw",
			      "he has no consent to a tag in force to withdraw");
		goto out;
	}
	rc = !strcmp(what, "tag") ? programme_tag_consent_withdraw(x->db, e.id, version)
				  : programme_enrolment_end(x->db, e.id, version, x->who.user_id,
							    reason);
	if (rc == 0) {
		rc = stale(x, "enrolment", version, e.version);
		goto out;
	}
	if (rc < 0)
		goto out;
	/* his treatment ends with his consent; what the trust saw for it, too */
	if (!strcmp(what, "programme"))
		rc = sharing_withdraw_origin(x->db, c->id, e.agency_id, "programme", x->who.user_id,
					     "he left the programme");
	/* what an order requires stays: say so, and leave the tag to his officer */
	if (rc >= 0)
		rc = out->tag_orders = programme_tag_orders(x->db, e.person_id);
	if (rc >= 0)
		rc = out->tags_worn = programme_tags_worn(x->db, e.person_id, x->now);
	if (rc < 0)
		goto out;
	snprintf(detail, sizeof detail, "%s consent withdrawn; %s",
		 !strcmp(what, "tag") ? "tag" : "programme",
		 out->tag_orders ? "an order requires his tag: it stays"
		 : out->tags_worn ? "his voluntary tag is for his officer to end"
				  : "no tag");
	rc = case_event_add(x->db, c->id, x->who.user_id, x->who.username, "programme_consent",
			    detail);
	if (rc >= 0 && out->tags_worn && !out->tag_orders)
		rc = case_flag_raise(x->db, c->id, "voluntary_tag_review",
				     "he withdrew his consent: decide whether the tag ends");
out:
	programme_enrolment_free(&e);
	return rc < 0 ? rc : 0;
}

int64_t programme_note(struct ops_ctx *x, const struct partners_case *c, const char *body)
{
	struct prog_enrolment e;
	int64_t id;
	int rc = programme_treating(x, c, &e);

	if (rc < 0)
		return rc;
	id = !body || !*body ? ops_fail(x, ERR_BAD_REQUEST, "body", "the note is empty")
			     : programme_note_insert(x->db, e.id, body, x->who.user_id);
	programme_enrolment_free(&e);
	return id;
}

int64_t programme_disclose(struct ops_ctx *x, const struct partners_case *c, const char *risk,
			   const char *detail)
{
	struct prog_enrolment e;
	int64_t id;
	int rc = programme_treating(x, c, &e);

	if (rc < 0)
		return rc;
	if (!in_list(risk, programme_disclosure_risks)) {
		id = ops_fail(x, ERR_BAD_REQUEST, "risk",
			      "risk must be intent_to_harm, plan_to_approach, breach_admitted, "
			      "new_victim, weapon or other");
		goto out;
	}
	if (!detail || !*detail) {
		id = ops_fail(x, ERR_BAD_REQUEST, "detail",
			      "say what the police must know (detail)");
		goto out;
	}
	id = programme_disclosure_insert(x->db, e.id, c->id, risk, detail, x->who.user_id);
	/* the police must act on it: the case's risk is reviewed now */
	rc = id < 0 ? (int)id
		    : case_event_add(x->db, c->id, x->who.user_id, x->who.username,
				     "programme_disclosure", risk);
	if (rc >= 0)
		rc = case_flag_raise(x->db, c->id, "programme_disclosure",
				     "a disclosure from the programme: review the risk");
	if (rc >= 0)
		rc = case_review_due_now(x->db, c->id);
	if (rc >= 0)
		rc = case_touch(x->db, c->id);
	if (rc < 0)
		id = rc;
out:
	programme_enrolment_free(&e);
	return id;
}
