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
#include "store/account.h"
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
static int serial_rule(struct ops_ctx *x, int64_t case_id)
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
		rc = case_set_screening(x->db, id, &four, in->four_notes, x->who.user_id);
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
		rc = serial_rule(x, id);
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
