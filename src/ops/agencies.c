/*
 * ops/agencies — agencies, and service grants between them (ops/agencies.h).
 */
#include "ops/agencies.h"

#include <string.h>

#include "store/monitor.h"
#include "vigil.h"

int ops_agency_create(struct ops_ctx *x, const char *code, const char *name, const char *kind,
		      struct agency *out)
{
	int64_t id;
	int rc;

	memset(out, 0, sizeof *out);
	ops_object(x, "agency:%s", code);
	rc = ops_begin(x);
	if (rc < 0)
		return rc;
	id = agency_add(x->db, code, name, kind);
	if (id == DB_CONSTRAINT)
		rc = ops_fail(x, ERR_CONFLICT, "code", "the agency code '%s' is taken", code);
	else if (id < 0)
		rc = (int)id;
	else
		rc = agency_get_by_code(x->db, code, out) <= 0 ? DB_ERROR : 0;
	return ops_end(x, rc);
}

struct grant_find {
	int64_t id;
	struct agency_service g;
	bool found;
};

static int find_grant(const struct agency_service *g, void *arg)
{
	struct grant_find *f = arg;

	if (g->id != f->id)
		return 0;
	f->g = *g;
	f->g.note = NULL; /* valid only during the call */
	f->found = true;
	return 1;
}

/* Grant id as it now is, in the operation's transaction. */
static int grant_now(struct ops_ctx *x, int64_t id, struct agency_service *out)
{
	struct grant_find f = { id, { 0 }, false };
	int rc = agency_service_each(x->db, x->who.agency_id, true, find_grant, &f);

	if (rc >= 0 && !f.found)
		rc = DB_ERROR;
	if (rc >= 0)
		*out = f.g;
	return rc;
}

int ops_grant_offer(struct ops_ctx *x, const char *provider, const char *note,
		    struct agency_service *out)
{
	struct agency p;
	int64_t id;
	int rc;

	memset(out, 0, sizeof *out);
	rc = agency_get_by_code(x->db, provider, &p);
	if (rc <= 0)
		return rc < 0 ? ops_fail_db(x, rc)
			      : ops_fail(x, ERR_BAD_REQUEST, "provider", "there is no agency '%s'",
					 provider);
	if (p.id == x->who.agency_id)
		return ops_fail(x, ERR_BAD_REQUEST, "provider",
				"an agency does not grant itself a service");
	if (strcmp(p.kind, "contractor") && strcmp(p.kind, "police"))
		return ops_fail(x, ERR_BAD_REQUEST, "provider",
				"%s is not a monitoring centre (its kind is %s): monitoring is "
				"provided by a contractor or a force's monitoring centre",
				p.code, p.kind);
	ops_object(x, "agency:%s", p.code);
	ops_detail(x, "%s offers %s the monitoring of its cases", x->who.agency, p.code);
	rc = ops_begin(x);
	if (rc < 0)
		return rc;
	id = agency_service_grant(x->db, x->who.agency_id, p.id, AGENCY_SERVICE_MONITORING,
				  x->who.user_id, note, false);
	if (id == DB_CONSTRAINT)
		rc = ops_fail(x, ERR_CONFLICT, "provider",
			      "%s has already been offered (or given) the monitoring of %s's cases",
			      p.code, x->who.agency);
	else
		rc = id < 0 ? (int)id : grant_now(x, id, out);
	return ops_end(x, rc);
}

int ops_grant_accept(struct ops_ctx *x, int64_t id, struct agency_service *out)
{
	int rc;

	memset(out, 0, sizeof *out);
	ops_object(x, "grant:%lld", (long long)id);
	rc = ops_begin(x);
	if (rc < 0)
		return rc;
	rc = agency_service_accept(x->db, id, x->who.agency_id, x->who.user_id);
	if (rc == 0)
		rc = ops_fail(x, ERR_NOT_FOUND, NULL,
			      "%s has no offer %lld waiting (an offer is accepted by the agency it "
			      "was made to, once)",
			      x->who.agency, (long long)id);
	/* the provider's open streams gain the client's cases at once */
	if (rc > 0)
		rc = grant_now(x, id, out) < 0 ? DB_ERROR : 1;
	return ops_end_seen(x, rc);
}

int ops_grant_revoke(struct ops_ctx *x, int64_t id)
{
	int rc;

	ops_object(x, "grant:%lld", (long long)id);
	rc = ops_begin(x);
	if (rc < 0)
		return rc;
	/* either side may end it */
	rc = agency_service_revoke(x->db, id, x->who.agency_id, x->who.user_id);
	if (rc == 0)
		rc = ops_fail(x, ERR_NOT_FOUND, NULL, "%s has no live grant %lld", x->who.agency,
			      (long long)id);
	/* the provider's open streams lose the client's cases at once */
	return ops_end_seen(x, rc);
}
