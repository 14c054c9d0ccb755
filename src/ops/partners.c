/*
 * ops/partners — sharing a case with partners: the rules (see partners.h).
 */
#include "ops/partners.h"

#include <stdio.h>
#include <string.h>

#include "ops/ops.h"
#include "store/account.h"
#include "store/cases.h"
#include "store/sharing.h"

/* The case's own agency shares it and takes a share back: its officers who
 * see it and its supervisors. */
static bool of_case_agency(const struct ops_ctx *x, const struct partners_case *c)
{
	return x->who.agency_id == c->agency_id &&
	       (x->who.role == ROLE_OFFICER || x->who.role == ROLE_SUPERVISOR);
}

int64_t partners_share(struct ops_ctx *x, const struct partners_case *c,
		       const struct share_request *s)
{
	enum share_purpose p = access_purpose_parse(s->purpose);
	struct share_row row = { 0 };
	struct agency a;
	int64_t id;
	int rc;

	if (!of_case_agency(x, c))
		return ops_fail(x, ERR_FORBIDDEN, NULL,
				"only the officers and supervisors of the agency that owns "
				"case %s may share it",
				c->ref);
	if (p == PURPOSE_NONE)
		return ops_fail(x, ERR_BAD_REQUEST, "purpose",
				"purpose must be victim_advocacy, assessment, treatment or "
				"safeguarding");
	rc = agency_get_by_code(x->db, s->agency, &a);
	if (rc < 0)
		return rc;
	if (rc == 0)
		return ops_fail(x, ERR_BAD_REQUEST, "agency", "there is no agency '%s'",
				s->agency);
	if (a.id == c->agency_id)
		return ops_fail(x, ERR_BAD_REQUEST, "agency",
				"case %s is %s's own: it is shared with partners, not with "
				"its own agency",
				c->ref, a.code);
	if (!access_purpose_for_kind(p, a.kind))
		return ops_fail(x, ERR_BAD_REQUEST, "purpose",
				"a case is shared for %s with an agency of kind %s; %s is %s",
				access_purpose_name(p), access_purpose_kinds(p), a.code,
				a.kind);
	if (!s->basis || (strcmp(s->basis, "consent") && strcmp(s->basis, "lawful_basis")))
		return ops_fail(x, ERR_BAD_REQUEST, "basis",
				"basis must be consent (with consent.of and consent.note) or "
				"lawful_basis (with lawful_basis: the basis for sharing "
				"without consent)");
	if (!strcmp(s->basis, "consent")) {
		const char *of = access_purpose_consent_of(p);

		if (!s->consent_of || strcmp(s->consent_of, of))
			return ops_fail(x, ERR_BAD_REQUEST, "consent.of",
					"sharing for %s rests on the consent of the %s "
					"(consent.of: \"%s\")",
					access_purpose_name(p), of, of);
		if (!s->consent_note || !*s->consent_note)
			return ops_fail(x, ERR_BAD_REQUEST, "consent.note",
					"say how and when the %s gave consent (consent.note)",
					of);
	} else if (!s->lawful_basis || !*s->lawful_basis) {
		return ops_fail(x, ERR_BAD_REQUEST, "lawful_basis",
				"sharing without consent needs its lawful basis recorded "
				"(lawful_basis)");
	}
	if (s->from > x->now + 60000)
		return ops_fail(x, ERR_BAD_REQUEST, "from",
				"a share starts now or from a date past, not in the future");
	id = sharing_active(x->db, c->id, a.id, access_purpose_name(p));
	if (id < 0)
		return (int)id;
	if (id > 0)
		return ops_fail(x, ERR_CONFLICT, "purpose",
				"case %s is already shared with %s for %s (share %lld): "
				"withdraw it first to record another basis",
				c->ref, a.code, access_purpose_name(p), (long long)id);
	row.case_id = c->id;
	row.agency_id = a.id;
	row.purpose = access_purpose_name(p);
	row.basis = s->basis;
	row.consent_of = !strcmp(s->basis, "consent") ? s->consent_of : NULL;
	row.lawful_basis = !strcmp(s->basis, "consent") ? NULL : s->lawful_basis;
	row.note = !strcmp(s->basis, "consent") ? s->consent_note : s->note;
	row.origin = s->origin ? s->origin : "share";
	row.starts_at = s->from ? s->from : x->now;
	id = sharing_insert(x->db, &row, x->who.user_id);
	if (id < 0)
		return (int)id;
	rc = case_event_add(x->db, c->id, x->who.user_id, x->who.username, "shared",
			    a.code);
	if (rc >= 0)
		rc = case_touch(x->db, c->id);
	return rc < 0 ? rc : id;
}

struct keep_share {
	int64_t agency_id, version, withdrawn_at;
	char agency[33], purpose[32];
};

static int keep(const struct share_row *s, void *arg)
{
	struct keep_share *k = arg;

	k->agency_id = s->agency_id;
	k->version = s->version;
	k->withdrawn_at = s->withdrawn_at;
	snprintf(k->agency, sizeof k->agency, "%s", s->agency);
	snprintf(k->purpose, sizeof k->purpose, "%s", s->purpose);
	return 0;
}

int partners_withdraw(struct ops_ctx *x, const struct partners_case *c, int64_t id,
		      int64_t version, const char *reason)
{
	struct keep_share k = { 0 };
	char detail[128];
	int rc;

	rc = ops_found(x, sharing_get(x->db, c->id, id, keep, &k), c->ref, "share", id);
	if (rc < 0)
		return rc;
	if (!of_case_agency(x, c) && x->who.agency_id != k.agency_id)
		return ops_fail(x, ERR_FORBIDDEN, NULL,
				"a share is withdrawn by the agency that owns the case or "
				"by the partner it was made with");
	if (k.withdrawn_at)
		return ops_fail(x, ERR_CONFLICT, NULL, "share %lld was withdrawn already",
				(long long)id);
	if (!reason || !*reason)
		return ops_fail(x, ERR_BAD_REQUEST, "reason",
				"say why the share is withdrawn (reason): consent withdrawn, "
				"purpose ended...");
	rc = sharing_withdraw(x->db, c->id, id, version, x->who.user_id, reason);
	if (rc < 0)
		return rc;
	if (rc == 0)
		return ops_fail(x, ERR_STALE_VERSION, "version",
				"the share has changed since you read it (you sent version "
				"%lld, it is now %lld); read it again",
				(long long)version, (long long)k.version);
	snprintf(detail, sizeof detail, "%s (%s)", k.agency, k.purpose);
	rc = case_event_add(x->db, c->id, x->who.user_id, x->who.username, "share_withdrawn",
			    detail);
	if (rc >= 0)
		rc = case_touch(x->db, c->id);
	return rc < 0 ? rc : 0;
}
