/*
 * tokens — API tokens for integrations and for metrics scrapers:
 * GET/POST /api/v1/tokens, DELETE /api/v1/tokens/{id}.
 *
 * A token of scope "api" acts as the user it belongs to, with that user's role
 * and agency, and needs no CSRF token (it is not a browser credential).  A
 * token of scope "metrics" reads /metrics and nothing else.  The token's value
 * is shown once, in the answer to POST; only its digest is stored.  The
 * rules are ops/accounts.c's.
 */
#include "api/api.h"

#include <errno.h>
#include <stdlib.h>

#include "base/mem.h"
#include "http/request.h"
#include "ops/accounts.h"

static int add_uid(const char *uid, void *arg)
{
	json_array_append_new(arg, json_string(uid));
	return 0;
}

static json_t *token_json(struct req *r, const struct api_token *t)
{
	json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:o}", "id", (json_int_t)t->id,
			      "name", t->name, "prefix", t->prefix, "username", t->username, "scope",
			      token_scope_name(t->scope), "created_at", req_time_json(t->created_at),
			      "expires_at", req_time_json(t->expires_at), "last_used_at",
			      req_time_json(t->last_used_at), "revoked_at", req_time_json(t->revoked_at));

	if (t->devices) {
		json_t *uids = json_array();

		req_read(r, token_device_each(r->db, t->id, add_uid, uids));
		json_object_set_new(o, "devices", uids);
	}
	return o;
}

struct tokens_out {
	struct req *r;
	json_t *arr;
};

static int add_token(const struct api_token *t, void *arg)
{
	struct tokens_out *o = arg;

	json_array_append_new(o->arr, token_json(o->r, t));
	return 0;
}

/* The tokens of the administrator's own agency's accounts. */
void api_tokens_list(struct req *r)
{
	struct tokens_out o = { r, json_array() };
	int rc = token_each(r->db, r->who.agency_id, add_token, &o);

	if (rc < 0) {
		json_decref(o.arr);
		req_fail_db(r, rc);
		return;
	}
	req_reply(r, 200, json_pack("{s:o}", "tokens", o.arr));
}

/*
 * A token is made for oneself, or for a service account of one's own agency
 * (an integration); never for another person, who would then be acted as.
 * "devices" binds it to devices its account may see: it then posts their
 * positions and reads them, and nothing else.
 */
void api_tokens_create(struct req *r)
{
	static const char *const fields[] = { "name", "username", "scope", "expires_in_days",
					      "devices", NULL };
	const char *scope_name;
	char clear[SECRET_TOKEN_LEN + 4];
	struct token_request q = { .scope = TOKEN_SCOPE_API };
	json_t *devs = json_object_get(r->body ? r->body : NULL, "devices"), *it, *out;
	const char **uids = NULL;
	struct api_token t;
	struct ops_ctx x;
	size_t i;

	if (req_body_required(r) < 0 || req_body_only(r, fields) < 0 ||
	    req_body_str(r, "name", true, 100, &q.name) < 0 ||
	    req_body_str(r, "username", false, 64, &q.username) < 0 ||
	    req_body_str(r, "scope", false, 16, &scope_name) < 0 ||
	    req_body_int(r, "expires_in_days", false, 1, 3650, &q.expires_in_days, NULL) < 0)
		return;
	if (scope_name && token_scope_parse(scope_name, &q.scope) < 0) {
		req_fail(r, 400, "bad_request", "scope", "scope must be 'api' or 'metrics'");
		return;
	}
	if (devs && !json_is_null(devs) &&
	    (!json_is_array(devs) || json_array_size(devs) == 0 || json_array_size(devs) > 1000)) {
		req_fail(r, 400, "bad_request", "devices",
			 "devices must be a list of 1 to 1000 device ids");
		return;
	}
	if (json_is_array(devs) && q.scope != TOKEN_SCOPE_API) {
		req_fail(r, 400, "bad_request", "devices", "only an api token can be bound to devices");
		return;
	}
	if (json_is_array(devs)) {
		q.ndevices = json_array_size(devs);
		uids = xcalloc(q.ndevices, sizeof *uids);
		json_array_foreach(devs, i, it)
			uids[i] = json_string_value(it);
		q.devices = uids;
	}
	api_ops_begin(r, &x, 201);
	if (api_ops_end(r, &x, ops_token_create(&x, &q, &t, clear) < 0 ? -1 : 0) == 0) {
		out = token_json(r, &t);
		json_object_set_new(out, "token", json_string(clear));
		secret_wipe(clear, sizeof clear);
		req_reply(r, 201, out);
	}
	free(uids);
}

void api_token_revoke(struct req *r)
{
	const char *idtext = req_param(r, "id");
	struct ops_ctx x;
	char *end;
	long long id;

	errno = 0;
	id = strtoll(idtext, &end, 10);
	if (errno || *end || id <= 0) {
		req_fail(r, 404, "not_found", NULL, "there is no token '%s'", idtext);
		return;
	}
	api_ops_begin(r, &x, 200);
	if (api_ops_end(r, &x, ops_token_revoke(&x, id)) == 0)
		req_reply(r, 200, json_pack("{s:I, s:b}", "id", (json_int_t)id, "revoked", 1));
}
