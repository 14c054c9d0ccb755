/*
 * agencies — the partner agencies users belong to: GET/POST /api/v1/agencies.
 */
#include "api/api.h"

#include <stdlib.h>
#include <string.h>

#include "core/account.h"
#include "http/request.h"
#include "http/stream.h"
#include "store/account.h"
#include "vigil.h"

static json_t *agency_json(const struct agency *a)
{
	return json_pack("{s:s, s:s, s:s, s:o}", "code", a->code, "name", a->name, "kind",
			 a->kind, "created_at", req_time_json(a->created_at));
}

static int add_agency(const struct agency *a, void *arg)
{
	json_array_append_new(arg, agency_json(a));
	return 0;
}

void api_agencies_list(struct req *r)
{
	json_t *arr = json_array();
	int rc = agency_each(r->db, add_agency, arr);

	if (rc < 0) {
		json_decref(arr);
		req_fail_db(r, rc);
		return;
	}
	req_reply(r, 200, json_pack("{s:o}", "agencies", arr));
}

void api_agencies_create(struct req *r)
{
	static const char *const fields[] = { "code", "name", "kind", NULL };
	const char *code, *name, *kind;
	struct agency a;
	char why[200];
	int64_t id;

	if (req_body_required(r) < 0 || req_body_only(r, fields) < 0 ||
	    req_body_str(r, "code", true, 32, &code) < 0 ||
	    req_body_str(r, "name", true, 200, &name) < 0 ||
	    req_body_str(r, "kind", true, 16, &kind) < 0)
		return;
	if (account_agency_code_check(code, why, sizeof why) < 0) {
		req_fail(r, 400, "bad_request", "code", "%s", why);
		return;
	}
	if (account_display_name_check(name, why, sizeof why) < 0) {
		req_fail(r, 400, "bad_request", "name", "%s", why);
		return;
	}
	if (!agency_kind_valid(kind)) {
		req_fail(r, 400, "bad_request", "kind",
			 "kind must be one of police, nhs, charity, contractor, other");
		return;
	}
	req_audit_object(r, "agency:%s", code);
	if (req_tx_begin(r) < 0)
		return;
	id = agency_add(r->db, code, name, kind);
	if (id == DB_CONSTRAINT) {
		req_tx_rollback(r);
		req_fail(r, 409, "conflict", "code", "the agency code '%s' is taken", code);
		return;
	}
	if (id < 0 || agency_get_by_code(r->db, code, &a) <= 0) {
		req_tx_rollback(r);
		req_fail_db(r, DB_ERROR);
		return;
	}
	req_reply(r, 201, agency_json(&a));
	req_tx_commit(r);
}

/* ---- services between agencies ------------------------------------------------- */
/*
 * GET/POST /api/v1/service-grants, POST /api/v1/service-grants/{id}/accept,
 * DELETE /api/v1/service-grants/{id}: a force grants a monitoring centre (a
 * contractor, or another force's centre) the monitoring of its cases; the
 * centre's administrator accepts it, and from then on the centre's operators
 * work those cases' alerts and its devices may watch them, until either side
 * revokes it.  No agency can make another its provider on its own say: its
 * devices would be reachable.  Every agency sees what it gave and what it
 * was offered or given.
 */
static json_t *grant_json(const struct agency_service *g)
{
	return json_pack("{s:I, s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:s?}", "id", (json_int_t)g->id,
			 "client", g->client, "provider", g->provider, "service", g->service, "state",
			 g->revoked_at ? "revoked" : g->accepted_at ? "accepted" : "offered", "granted_at",
			 req_time_json(g->granted_at), "accepted_at", req_time_json(g->accepted_at),
			 "revoked_at", req_time_json(g->revoked_at), "note", g->note);
}

static int add_grant(const struct agency_service *g, void *arg)
{
	json_array_append_new(arg, grant_json(g));
	return 0;
}

void api_grants_list(struct req *r)
{
	json_t *arr = json_array();
	const char *all = req_query(r, "all");
	int rc = agency_service_each(r->db, r->who.agency_id, all && !strcmp(all, "1"), add_grant, arr);

	if (rc < 0) {
		json_decref(arr);
		req_fail_db(r, rc);
		return;
	}
	req_reply(r, 200, json_pack("{s:o}", "grants", arr));
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

/* Answer with grant id as it now is (in the caller's transaction). */
static void reply_grant(struct req *r, int status, int64_t id, const char *note)
{
	struct grant_find f = { id, { 0 }, false };

	if (agency_service_each(r->db, r->who.agency_id, true, find_grant, &f) < 0 || !f.found) {
		req_tx_rollback(r);
		req_fail_db(r, DB_ERROR);
		return;
	}
	f.g.note = note;
	req_reply(r, status, grant_json(&f.g));
	req_tx_commit(r);
}

void api_grants_create(struct req *r)
{
	static const char *const fields[] = { "provider", "service", "note", NULL };
	const char *provider, *service, *note;
	struct agency p;
	int64_t id;
	int rc;

	if (req_body_required(r) < 0 || req_body_only(r, fields) < 0 ||
	    req_body_str(r, "provider", true, 32, &provider) < 0 ||
	    req_body_str(r, "service", false, 16, &service) < 0 ||
	    req_body_str(r, "note", false, 1000, &note) < 0)
		return;
	if (service && strcmp(service, AGENCY_SERVICE_MONITORING) != 0) {
		req_fail(r, 400, "bad_request", "service", "service must be 'monitoring'");
		return;
	}
	rc = agency_get_by_code(r->db, provider, &p);
	if (rc <= 0) {
		if (rc < 0)
			req_fail_db(r, rc);
		else
			req_fail(r, 400, "bad_request", "provider", "there is no agency '%s'", provider);
		return;
	}
	if (p.id == r->who.agency_id) {
		req_fail(r, 400, "bad_request", "provider", "an agency does not grant itself a service");
		return;
	}
	if (strcmp(p.kind, "contractor") && strcmp(p.kind, "police")) {
		req_fail(r, 400, "bad_request", "provider",
			 "%s is not a monitoring centre (its kind is %s): monitoring is provided by a "
			 "contractor or a force's monitoring centre",
			 p.code, p.kind);
		return;
	}
	req_audit_object(r, "agency:%s", p.code);
	req_audit_detail(r, "%s offers %s the monitoring of its cases", r->who.agency, p.code);
	if (req_tx_begin(r) < 0)
		return;
	id = agency_service_grant(r->db, r->who.agency_id, p.id, AGENCY_SERVICE_MONITORING,
				  r->who.user_id, note, false);
	if (id == DB_CONSTRAINT) {
		req_tx_rollback(r);
		req_fail(r, 409, "conflict", "provider",
			 "%s has already been offered (or given) the monitoring of %s's cases",
			 p.code, r->who.agency);
		return;
	}
	if (id < 0) {
		req_tx_rollback(r);
		req_fail_db(r, (int)id);
		return;
	}
	reply_grant(r, 201, id, note);
}

/* The provider's administrator accepts an offer made to her agency. */
void api_grants_accept(struct req *r)
{
	int64_t id;
	int rc;

	if (req_param_id(r, "id", "grant", &id) < 0)
		return;
	req_audit_object(r, "grant:%lld", (long long)id);
	if (req_tx_begin(r) < 0)
		return;
	rc = agency_service_accept(r->db, id, r->who.agency_id, r->who.user_id);
	/* the provider's open streams gain the client's cases at once */
	if (rc > 0 && stream_announce(r->db) < 0)
		rc = DB_ERROR;
	if (rc <= 0) {
		req_tx_rollback(r);
		if (rc < 0)
			req_fail_db(r, rc);
		else
			req_fail(r, 404, "not_found", NULL,
				 "%s has no offer %lld waiting (an offer is accepted by the agency it "
				 "was made to, once)",
				 r->who.agency, (long long)id);
		return;
	}
	reply_grant(r, 200, id, NULL);
	stream_wake(r->v->stream);
}

void api_grants_revoke(struct req *r)
{
	int64_t id;
	int rc;

	if (req_param_id(r, "id", "grant", &id) < 0)
		return;
	req_audit_object(r, "grant:%lld", (long long)id);
	if (req_tx_begin(r) < 0)
		return;
	/* either side may end it */
	rc = agency_service_revoke(r->db, id, r->who.agency_id, r->who.user_id);
	/* the provider's open streams lose the client's cases at once */
	if (rc > 0 && stream_announce(r->db) < 0)
		rc = DB_ERROR;
	if (rc <= 0) {
		req_tx_rollback(r);
		if (rc < 0)
			req_fail_db(r, rc);
		else
			req_fail(r, 404, "not_found", NULL, "%s has no live grant %lld", r->who.agency,
				 (long long)id);
		return;
	}
	req_reply(r, 200, json_pack("{s:I, s:b}", "id", (json_int_t)id, "revoked", 1));
	if (req_tx_commit(r) == 0)
		stream_wake(r->v->stream);
}
