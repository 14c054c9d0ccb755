/*
 * agencies — the partner agencies users belong to: GET/POST /api/v1/agencies.
 */
#include "api/api.h"

#include <stdlib.h>
#include <string.h>

#include "core/account.h"
#include "http/request.h"
#include "ops/agencies.h"
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

	req_read(r, agency_each(r->db, add_agency, arr));
	req_reply(r, 200, json_pack("{s:o}", "agencies", arr));
}

void api_agencies_create(struct req *r)
{
	static const char *const fields[] = { "code", "name", "kind", NULL };
	const char *code, *name, *kind;
	struct agency a;
	struct ops_ctx x;
	char why[200];

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
	api_ops_begin(r, &x, 201);
	if (api_ops_end(r, &x, ops_agency_create(&x, code, name, kind, &a)) == 0)
		req_reply(r, 201, agency_json(&a));
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

	req_read(r, agency_service_each(r->db, r->who.agency_id, all && !strcmp(all, "1"),
					add_grant, arr));
	req_reply(r, 200, json_pack("{s:o}", "grants", arr));
}

void api_grants_create(struct req *r)
{
	static const char *const fields[] = { "provider", "service", "note", NULL };
	const char *provider, *service, *note;
	struct agency_service g;
	struct ops_ctx x;

	if (req_body_required(r) < 0 || req_body_only(r, fields) < 0 ||
	    req_body_str(r, "provider", true, 32, &provider) < 0 ||
	    req_body_str(r, "service", false, 16, &service) < 0 ||
	    req_body_str(r, "note", false, 1000, &note) < 0)
		return;
	if (service && strcmp(service, AGENCY_SERVICE_MONITORING) != 0) {
		req_fail(r, 400, "bad_request", "service", "service must be 'monitoring'");
		return;
	}
	api_ops_begin(r, &x, 201);
	if (api_ops_end(r, &x, ops_grant_offer(&x, provider, note, &g)) < 0)
		return;
	g.note = note;
	req_reply(r, 201, grant_json(&g));
}

/* The provider's administrator accepts an offer made to her agency. */
void api_grants_accept(struct req *r)
{
	struct agency_service g;
	struct ops_ctx x;
	int64_t id;

	if (req_param_id(r, "id", "grant", &id) < 0)
		return;
	api_ops_begin(r, &x, 200);
	if (api_ops_end(r, &x, ops_grant_accept(&x, id, &g)) == 0)
		req_reply(r, 200, grant_json(&g));
}

void api_grants_revoke(struct req *r)
{
	struct ops_ctx x;
	int64_t id;

	if (req_param_id(r, "id", "grant", &id) < 0)
		return;
	api_ops_begin(r, &x, 200);
	if (api_ops_end(r, &x, ops_grant_revoke(&x, id)) == 0)
		req_reply(r, 200, json_pack("{s:I, s:b}", "id", (json_int_t)id, "revoked", 1));
}
