/*
 * agencies — the partner agencies users belong to: GET/POST /api/v1/agencies.
 */
#include "api/api.h"

#include "core/account.h"
#include "http/request.h"
#include "store/account.h"

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
