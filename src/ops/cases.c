/*
 * ops/cases — the case's own operations (ops/cases.h) and the rules they
 * share: misrecording and the serial-stalker flag.
 */
#include "ops/cases.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/mem.h"
#include "ops/plans.h"
#include "store/account.h"
#include "store/plans.h"
#include "vigil.h"

static bool list_has(const char *const *list, int n, const char *s)
{
	for (int i = 0; i < n; i++)
		if (strcmp(list[i], s) == 0)
			return true;
	return false;
}

/* ---- rules ------------------------------------------------------------------ */

/*
 * After the screening, relationship or classifications changed: raise the
 * misrecording flag when FOUR implies stalking and the case is not classified
 * stalking (a reason must have been given), clear it when it is.
 */
static int misrecording_rule(struct ops_ctx *x, int64_t case_id, const struct four *f,
			     const char *relationship)
{
	int has = case_has_classification(x->db, case_id, "stalking");
	struct case_record now;
	bool signed_off;
	int rc;

	if (has < 0)
		return has;
	/* a supervisor's approval stands until the classification changes
	 * again (which clears the sign-off) */
	rc = case_get_by_id(x->db, case_id, &now);
	if (rc <= 0)
		return rc < 0 ? rc : DB_ERROR;
	signed_off = now.signoff_at != 0;
	case_record_free(&now);
	if (four_implies_stalking(f, relationship) && !has && !signed_off) {
		rc = case_flag_raise(x->db, case_id, "possible_misrecording",
				     "FOUR screening says stalking but the case is classified "
				     "otherwise: a supervisor must sign this off");
		if (rc >= 0)
			rc = ops_event(x, case_id, "flag_raised", "possible_misrecording");
	} else {
		rc = case_flag_clear(x->db, case_id, "possible_misrecording");
		if (rc == 1)
			rc = ops_event(x, case_id, "flag_cleared", "possible_misrecording");
	}
	return rc < 0 ? rc : 0;
}

/* After a person was recorded: flag the whole linked set as a possible serial
 * stalker's when it reaches the configured number of distinct victims. */
int ops_case_serial_rule(struct ops_ctx *x, int64_t case_id)
{
	int64_t *cases = NULL, *all;
	int n = 0, victims, rc;

	rc = links_find(x->db, case_id, 200, &cases, &n);
	if (rc < 0 || n == 0) {
		free(cases);
		return rc;
	}
	all = xcalloc((size_t)n + 1, sizeof *all);
	memcpy(all, cases, (size_t)n * sizeof *all);
	all[n] = case_id;
	victims = links_distinct_victims(x->db, all, n + 1);
	rc = victims < 0 ? victims : 0;
	if (victims >= x->v->cfg.serial_victims) {
		char note[160];

		snprintf(note, sizeof note,
			 "the suspect is linked to %d cases with %d distinct victims", n + 1, victims);
		for (int i = 0; i <= n && rc >= 0; i++) {
			rc = case_flag_raise(x->db, all[i], "possible_serial", note);
			if (rc >= 0)
				rc = ops_event(x, all[i], "flag_raised", "possible_serial: %s", note);
		}
	}
	free(all);
	free(cases);
	return rc;
}

/* Record a person in the case in the role given; what identifies a victim
 * is sealed. */
static int add_person(struct ops_ctx *x, int64_t case_id, const struct person_in *p,
		      const char *role)
{
	struct person_in in = *p;
	int64_t pid;
	int rc;

	in.sealed = strcmp(role, "victim") == 0;
	pid = person_insert(x->db, &in);
	if (pid < 0)
		return (int)pid;
	rc = case_person_add(x->db, case_id, pid, role);
	if (rc >= 0)
		rc = ops_event(x, case_id,
			       strcmp(role, "suspect") == 0 ? "suspect_recorded" : "victim_recorded",
			       "%s", in.full_name ? in.full_name : "(unnamed)");
	return rc;
}

/* The owner of a case: an active officer or supervisor of the actor's
 * agency (giving a case to someone else is a supervisor's decision). */
static int owner_check(struct ops_ctx *x, const struct user *owner, bool forbidden_first)
{
	if (forbidden_first && owner->id != x->who.user_id && x->who.role != ROLE_SUPERVISOR)
		return ops_fail(x, ERR_FORBIDDEN, "owner",
				"only a supervisor may give a new case to someone else");
	if (owner->id != x->who.user_id &&
	    (owner->agency_id != x->who.agency_id || owner->disabled ||
	     (owner->role != ROLE_OFFICER && owner->role != ROLE_SUPERVISOR)))
		return ops_fail(x, ERR_BAD_REQUEST, "owner",
				"the owner must be an active officer or supervisor of your agency");
	return 0;
}

/* ---- record a report ------------------------------------------------------------ */

int ops_case_report(struct ops_ctx *x, const struct ops_report *in, struct case_record *out)
{
	const char *cls[16];
	struct case_new n = { 0 };
	struct user owner;
	char ref[24];
	time_t t = (time_t)(x->now / 1000);
	struct tm tm;
	struct four four = { FOUR_UNANSWERED, FOUR_UNANSWERED, FOUR_UNANSWERED, FOUR_UNANSWERED };
	int ncls = 0, rc;
	bool implied;
	int64_t id;

	if (in->screened)
		four = in->four;
	implied = in->screened && four_implies_stalking(&four, in->relationship);

	memset(out, 0, sizeof *out);
	/* what FOUR says: a report it calls stalking is recorded as stalking
	 * unless the officer writes why not (a supervisor then signs it off) */
	if (in->classifications) {
		for (int i = 0; i < in->nclassifications && ncls < 16; i++)
			if (!list_has(cls, ncls, in->classifications[i]))
				cls[ncls++] = in->classifications[i];
	} else if (implied) {
		cls[ncls++] = "stalking";
	}
	if (implied && !list_has(cls, ncls, "stalking") &&
	    (!in->classification_reason || !*in->classification_reason))
		return ops_fail(x, ERR_BAD_REQUEST, "classification_reason",
				"the FOUR screening says this is stalking; to record it as "
				"something else, give a written classification_reason (a supervisor "
				"must then sign it off)");

	rc = ops_begin(x);
	if (rc < 0)
		return rc;
	/* the owner: the actor, or (a supervisor's choice) an officer of her agency */
	rc = user_get_by_name(x->db, in->owner ? in->owner : x->who.username, &owner);
	if (rc <= 0) {
		rc = rc < 0 ? ops_fail_db(x, rc)
			    : ops_fail(x, ERR_BAD_REQUEST, "owner", "there is no user '%s'",
				       in->owner ? in->owner : x->who.username);
		goto out;
	}
	rc = owner_check(x, &owner, true);
	if (rc < 0)
		goto out;

	gmtime_r(&t, &tm);
	n.relationship = in->relationship;
	n.channel = in->channel;
	n.summary = in->summary;
	n.owner_id = owner.id;
	n.agency_id = owner.agency_id;
	n.created_by = x->who.user_id;
	n.year = tm.tm_year + 1900;
	n.created_at = x->now; /* the demo loader reports its cases in the past */
	id = case_insert(x->db, &n, ref);
	rc = id < 0 ? (int)id : 0;
	ops_object(x, "case:%s", ref);
	if (rc >= 0)
		rc = ops_event(x, id, "created", "reported by %s; %s", in->channel, in->relationship);
	for (int i = 0; rc >= 0 && i < in->nvictims; i++)
		rc = add_person(x, id, &in->victims[i], "victim");
	if (rc >= 0 && in->suspect)
		rc = add_person(x, id, in->suspect, "suspect");
	if (rc >= 0 && in->screened) {
		rc = case_set_screening(x->db, id, 0, &four, in->four_notes, x->who.user_id);
		if (rc >= 0)
			rc = case_set_status(x->db, id, case_status_name(CASE_SCREENED));
		if (rc >= 0)
			rc = ops_event(x, id, "screened", "FOUR: %s",
				       implied ? "stalking" : "not all yes");
	}
	if (rc >= 0 && ncls)
		rc = case_classifications_set(x->db, id, cls, ncls);
	if (rc >= 0 && ncls)
		rc = ops_event(x, id, "classified", "%d classification(s)%s", ncls,
			       list_has(cls, ncls, "stalking") ? ", stalking" : "");
	if (rc >= 0 && in->classification_reason && implied && !list_has(cls, ncls, "stalking"))
		rc = case_set_classification_reason(x->db, id, in->classification_reason, false);
	if (rc >= 0)
		rc = misrecording_rule(x, id, &four, in->relationship);
	if (rc >= 0 && in->suspect)
		rc = ops_case_serial_rule(x, id);
	if (rc >= 0)
		rc = case_get_by_id(x->db, id, out) == 1 ? 0 : DB_ERROR;
	if (rc < 0) {
		ops_fail_db(x, rc);
		goto out;
	}
	rc = ops_commit(x);
out:
	if (rc < 0) {
		ops_rollback(x);
		case_record_free(out);
	}
	return rc;
}

/* ERR_STALE_VERSION for a write on version sent of case id, which an update
 * found moved: the version it is now. */
static int stale_case(struct ops_ctx *x, int64_t id, int64_t sent)
{
	struct case_record now;
	int64_t v = 0;

	if (case_get_by_id(x->db, id, &now) == 1) {
		v = now.version;
		case_record_free(&now);
	}
	return ops_stale(x, "case", sent, v);
}

/* Read the case again as the transaction leaves it, into out. */
static int reread(struct ops_ctx *x, int64_t id, struct case_record *out)
{
	case_record_free(out);
	return case_get_by_id(x->db, id, out) == 1 ? 0 : DB_ERROR;
}

/* ---- change a case ------------------------------------------------------------- */

int ops_case_change(struct ops_ctx *x, const char *ref, const struct ops_case_change *in,
		    struct case_record *c)
{
	enum case_status to = in->status ? case_status_parse(in->status) : CASE_STATUS_NONE;
	enum case_status from;
	struct case_change ch = { 0 };
	struct user owner;
	int rc = ops_begin_case(x, ref, c);

	if (rc < 0)
		return rc;
	from = c->status;
	if (in->version != c->version) {
		rc = ops_stale(x, "case", in->version, c->version);
		goto out;
	}
	if (in->status && to == CASE_STATUS_NONE) {
		rc = ops_fail(x, ERR_BAD_REQUEST, "status",
			      "status must be intake, screened, assessed, managed or closed");
		goto out;
	}
	if (in->status && to != c->status) {
		char next[64];

		if (!case_status_allowed(c->status, to)) {
			case_status_next(c->status, next, sizeof next);
			rc = ops_fail(x, ERR_ILLEGAL_TRANSITION, "status",
				      "a case cannot move from %s to %s; from %s it may move to: %s",
				      case_status_name(c->status), in->status,
				      case_status_name(c->status), next);
			goto out;
		}
		if (to == CASE_SCREENED && !four_complete(&c->four)) {
			rc = ops_fail(x, ERR_ILLEGAL_TRANSITION, "status",
				      "record the FOUR screening first (PUT /api/v1/cases/%s/screening)",
				      c->ref);
			goto out;
		}
		if (c->status == CASE_CLOSED && (!in->reason || !*in->reason)) {
			rc = ops_fail(x, ERR_BAD_REQUEST, "reason",
				      "reopening a closed case needs a reason");
			goto out;
		}
		/* no case is assessed without a plan, nor closed without its outcome */
		rc = ops_plan_gate(x, c, to);
		if (rc < 0)
			goto out;
		ch.status = in->status;
	}
	if (in->owner) {
		if (x->who.role != ROLE_SUPERVISOR) {
			rc = ops_fail(x, ERR_FORBIDDEN, "owner", "only a supervisor may reassign a case");
			goto out;
		}
		rc = user_get_by_name(x->db, in->owner, &owner);
		if (rc < 0) {
			rc = ops_fail_db(x, rc);
			goto out;
		}
		if (rc == 0 || owner.disabled || owner.agency_id != x->who.agency_id ||
		    (owner.role != ROLE_OFFICER && owner.role != ROLE_SUPERVISOR)) {
			rc = ops_fail(x, ERR_BAD_REQUEST, "owner",
				      "the owner must be an active officer or supervisor of your agency");
			goto out;
		}
		ch.owner_id = owner.id;
	}
	/* classification against the screening */
	{
		const char *rel = in->relationship ? in->relationship : c->relationship;
		bool implied = four_implies_stalking(&c->four, rel);
		int has = case_has_classification(x->db, c->id, "stalking");
		bool will_have = in->classifications
					 ? list_has(in->classifications, in->nclassifications, "stalking")
					 : has == 1;

		if (has < 0) {
			rc = has;
			goto out;
		}
		if (implied && !will_have &&
		    (!in->classification_reason || !*in->classification_reason) &&
		    (has == 1 || in->relationship)) {
			rc = ops_fail(x, ERR_BAD_REQUEST, "classification_reason",
				      "the FOUR screening says this is stalking; to record it as "
				      "something else, give a written classification_reason (a "
				      "supervisor must then sign it off)");
			goto out;
		}
		if (implied && !will_have && in->classification_reason) {
			ch.classification_reason = in->classification_reason;
			ch.clear_signoff = true;
		}
	}
	ch.summary = in->summary;
	ch.relationship = in->relationship;
	ch.channel = in->channel;

	rc = case_update(x->db, c->id, in->version, &ch);
	if (rc == 0) {
		rc = stale_case(x, c->id, in->version);
		goto out;
	}
	if (rc >= 0 && ch.status)
		rc = ops_event(x, c->id, "status", "%s -> %s%s%s", case_status_name(from),
			       in->status, in->reason ? ": " : "", in->reason ? in->reason : "");
	/* reopened: the closing review no longer stands */
	if (rc >= 0 && ch.status && from == CASE_CLOSED)
		rc = case_reviews_supersede_closing(x->db, c->id);
	if (rc >= 0 && in->classifications) {
		rc = case_classifications_set(x->db, c->id, in->classifications,
					      in->nclassifications);
		if (rc >= 0)
			rc = ops_event(x, c->id, "classified", "%d classification(s)%s",
				       in->nclassifications,
				       list_has(in->classifications, in->nclassifications, "stalking")
					       ? ", stalking"
					       : "");
	}
	if (rc >= 0 && in->owner)
		rc = ops_event(x, c->id, "reassigned", "owner %s", in->owner);
	if (rc >= 0) {
		struct four f = c->four;

		rc = misrecording_rule(x, c->id, &f,
				       in->relationship ? in->relationship : c->relationship);
	}
	if (rc >= 0)
		rc = reread(x, c->id, c);
	if (rc >= 0)
		ops_detail(x, "%s%s%s%s", in->status ? "status " : "",
			   in->classifications ? "classifications " : "", in->owner ? "owner " : "",
			   in->summary || in->relationship || in->channel ? "details" : "");
out:
	return ops_end(x, rc);
}

/* ---- screen a case ---------------------------------------------------------------- */

int ops_case_screen(struct ops_ctx *x, const char *ref, const struct ops_screening *in,
		    struct case_record *c)
{
	int rc = ops_begin_case(x, ref, c), has;
	bool implied;

	if (rc < 0)
		return rc;
	if (in->version != c->version) {
		rc = ops_stale(x, "case", in->version, c->version);
		goto out;
	}
	if (c->status == CASE_CLOSED) {
		rc = ops_fail(x, ERR_ILLEGAL_TRANSITION, NULL, "the case is closed; reopen it first");
		goto out;
	}
	implied = four_implies_stalking(&in->four, c->relationship);
	/* the version is in the update's WHERE: of writers that read the same
	 * version, one records it and the others are told it moved */
	rc = case_set_screening(x->db, c->id, in->version, &in->four, in->notes, x->who.user_id);
	if (rc == 0) {
		rc = stale_case(x, c->id, in->version);
		goto out;
	}
	if (rc >= 0)
		rc = ops_event(x, c->id, "screened", "FOUR: %s", implied ? "stalking" : "not all yes");
	if (rc >= 0 && c->status == CASE_INTAKE) {
		rc = case_set_status(x->db, c->id, case_status_name(CASE_SCREENED));
		if (rc >= 0)
			rc = ops_event(x, c->id, "status", "intake -> screened");
	}
	/* A case FOUR calls stalking is recorded as stalking, unless the officer
	 * says in writing why not (and a supervisor then signs it off). */
	has = rc >= 0 ? case_has_classification(x->db, c->id, "stalking") : 0;
	if (rc >= 0 && has < 0)
		rc = has;
	if (rc >= 0 && implied && !has) {
		if (in->classification_reason && *in->classification_reason) {
			rc = case_set_classification_reason(x->db, c->id, in->classification_reason,
							    true);
		} else {
			rc = case_classification_add(x->db, c->id, "stalking");
			if (rc >= 0)
				rc = ops_event(x, c->id, "classified",
					       "stalking, from the FOUR screening");
		}
	}
	if (rc >= 0)
		rc = misrecording_rule(x, c->id, &in->four, c->relationship);
	if (rc >= 0)
		rc = reread(x, c->id, c);
out:
	return ops_end(x, rc);
}

/* ---- sign off a classification ----------------------------------------------------- */

int ops_case_signoff(struct ops_ctx *x, const char *ref, bool approve, const char *note,
		     struct case_record *c)
{
	int rc, flagged;

	rc = ops_begin_case(x, ref, c);
	if (rc < 0)
		return rc;
	flagged = case_has_flag(x->db, c->id, "possible_misrecording");
	if (flagged < 0) {
		rc = flagged;
		goto out;
	}
	if (!flagged) {
		rc = ops_fail(x, ERR_NOTHING_TO_SIGN_OFF, NULL,
			      "case %s has no classification waiting for sign-off", c->ref);
		goto out;
	}
	ops_detail(x, "%s", approve ? "approve" : "reject");
	if (approve) {
		rc = case_set_signoff(x->db, c->id, x->who.user_id, note);
		if (rc >= 0)
			rc = case_flag_clear(x->db, c->id, "possible_misrecording");
		if (rc >= 0)
			rc = ops_event(x, c->id, "signed_off", "classification approved: %s", note);
	} else {
		rc = case_classification_add(x->db, c->id, "stalking");
		if (rc >= 0)
			rc = case_touch(x->db, c->id);
		if (rc >= 0)
			rc = case_flag_clear(x->db, c->id, "possible_misrecording");
		if (rc >= 0)
			rc = ops_event(x, c->id, "signed_off",
				       "classification rejected, recorded as stalking: %s", note);
	}
	if (rc >= 0)
		rc = reread(x, c->id, c);
out:
	return ops_end(x, rc);
}

/* ---- add a person --------------------------------------------------------------------- */

int ops_case_person_add(struct ops_ctx *x, const char *ref, const char *role,
			const struct person_in *p, struct case_record *c)
{
	int rc = ops_begin_case(x, ref, c);

	if (rc < 0)
		return rc;
	if (strcmp(role, "suspect") == 0) {
		int64_t have = case_suspect(x->db, c->id);

		if (have != 0) {
			rc = have < 0 ? (int)have
				      : ops_fail(x, ERR_CONFLICT, "role",
						 "case %s already has a suspect; one suspect per case",
						 c->ref);
			goto out;
		}
	}
	rc = add_person(x, c->id, p, role);
	if (rc >= 0)
		rc = case_touch(x->db, c->id);
	/* a new suspect may link the case to others; a new victim may bring a
	 * linked set to the serial threshold */
	if (rc >= 0)
		rc = ops_case_serial_rule(x, c->id);
	if (rc >= 0)
		rc = reread(x, c->id, c);
	if (rc >= 0)
		ops_detail(x, "%s recorded", role);
out:
	return ops_end(x, rc);
}

/* ---- assignment, referral, programme ------------------------------------------------- */

int ops_case_assign(struct ops_ctx *x, const char *ref, const char *username,
		    struct case_record *c, struct user *u)
{
	int rc = ops_begin_case(x, ref, c);

	if (rc < 0)
		return rc;
	if (x->who.role != ROLE_SUPERVISOR && c->owner_id != x->who.user_id) {
		rc = ops_fail(x, ERR_FORBIDDEN, NULL,
			      "only the case's owner or a supervisor may assign people to it");
		goto out;
	}
	rc = user_get_by_name(x->db, username, u);
	if (rc < 0)
		goto out;
	if (rc == 0 || u->disabled || (u->role != ROLE_OFFICER && u->role != ROLE_SUPERVISOR) ||
	    u->agency_id != c->agency_id) {
		rc = ops_fail(x, ERR_BAD_REQUEST, "username",
			      "'%s' is not an active officer or supervisor of the case's agency (%s)",
			      username, c->agency);
		goto out;
	}
	rc = case_assign(x->db, c->id, u->id, x->who.user_id);
	if (rc >= 0)
		rc = ops_event(x, c->id, "assigned", "%s", u->username);
	if (rc >= 0)
		rc = case_touch(x->db, c->id);
	if (rc >= 0)
		ops_detail(x, "assigned %s", u->username);
out:
	return ops_end(x, rc);
}

int ops_case_refer(struct ops_ctx *x, const char *ref, const char *agency, const char *note,
		   struct case_record *c, struct agency *a)
{
	int rc = ops_begin_case(x, ref, c);

	if (rc < 0)
		return rc;
	rc = agency_get_by_code(x->db, agency, a);
	if (rc <= 0) {
		if (rc == 0)
			rc = ops_fail(x, ERR_BAD_REQUEST, "agency", "unknown agency '%s'", agency);
		goto out;
	}
	rc = case_refer(x->db, c->id, a->id, x->who.user_id, note);
	if (rc >= 0)
		rc = ops_event(x, c->id, "referred", "to %s", a->code);
	if (rc >= 0)
		rc = case_touch(x->db, c->id);
	if (rc >= 0)
		ops_detail(x, "referred to %s", a->code);
out:
	return ops_end(x, rc);
}

struct nhs_pick {
	int n;
	struct agency a;
};

static int pick_nhs(const struct agency *a, void *arg)
{
	struct nhs_pick *pick = arg;

	if (!strcmp(a->kind, "nhs")) {
		pick->n++;
		pick->a = *a;
	}
	return 0;
}

/* The NHS trust named (or, when none is named, the only one). */
static int nhs_trust(struct ops_ctx *x, const char *code, struct agency *out)
{
	struct nhs_pick pick = { 0 };
	int rc;

	if (code) {
		rc = agency_get_by_code(x->db, code, out);
		if (rc < 0)
			return ops_fail_db(x, rc);
		if (rc == 0 || strcmp(out->kind, "nhs") != 0)
			return ops_fail(x, ERR_BAD_REQUEST, "trust",
					"'%s' is not an NHS trust in Vigil", code);
		return 0;
	}
	rc = agency_each(x->db, pick_nhs, &pick);
	if (rc < 0)
		return ops_fail_db(x, rc);
	if (pick.n != 1)
		return ops_fail(x, ERR_BAD_REQUEST, "trust",
				pick.n ? "name the NHS trust whose clinicians will treat him (trust)"
				       : "there is no NHS trust in Vigil to run the programme");
	*out = pick.a;
	return 0;
}

int ops_case_enrol(struct ops_ctx *x, const char *ref, const char *trust,
		   const char *consent_note, struct case_record *c, struct agency *t)
{
	int64_t suspect;
	int rc = ops_begin(x);

	memset(c, 0, sizeof *c);
	if (rc < 0)
		return rc;
	rc = nhs_trust(x, trust, t);
	if (rc >= 0)
		rc = ops_case_open(x, ref, c);
	if (rc < 0)
		goto out;
	suspect = case_suspect(x->db, c->id);
	if (suspect <= 0) {
		rc = suspect < 0 ? (int)suspect
				 : ops_fail(x, ERR_CONFLICT, NULL,
					    "case %s has no known suspect to enrol", c->ref);
		goto out;
	}
	rc = programme_enrolled(x->db, suspect);
	if (rc != 0) {
		if (rc > 0)
			rc = ops_fail(x, ERR_CONFLICT, NULL, "the suspect is already in the programme");
		goto out;
	}
	rc = programme_enrol(x->db, suspect, t->id, x->who.user_id, consent_note);
	if (rc >= 0)
		rc = ops_event(x, c->id, "programme_enrolled", "treated by %s, with recorded consent",
			       t->name);
	if (rc >= 0)
		rc = case_touch(x->db, c->id);
out:
	return ops_end(x, rc);
}
