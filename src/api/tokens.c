/*
 * tokens — API tokens for integrations and for metrics scrapers:
 * GET/POST /api/v1/tokens, DELETE /api/v1/tokens/{id}.
 *
 * A token of scope "api" acts as the user it belongs to, with that user's role
 * and agency, and needs no CSRF token (it is not a browser credential).  A
 * token of scope "metrics" reads /metrics and nothing else.  The token's value
 * is shown once, in the answer to POST; only its digest is stored.
 */
#include "api/api.h"

#include <errno.h>
#include <stdlib.h>

#include "base/clock.h"
#include "http/request.h"
#include "store/account.h"
#include "store/auth.h"

static json_t *token_json(const struct api_token *t)
{
	return json_pack("{s:I, s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:o}", "id", (json_int_t)t->id,
			 "name", t->name, "prefix", t->prefix, "username", t->username, "scope",
			 token_scope_name(t->scope), "created_at", req_time_json(t->created_at),
			 "expires_at", req_time_json(t->expires_at), "last_used_at",
			 req_time_json(t->last_used_at), "revoked_at", req_time_json(t->revoked_at));
}

static int add_token(const struct api_token *t, void *arg)
{
	json_array_append_new(arg, token_json(t));
	return 0;
}

void api_tokens_list(struct req *r)
{
	json_t *arr = json_array();
	int rc = token_each(r->db, add_token, arr);

	if (rc < 0) {
		json_decref(arr);
		req_fail_db(r, rc);
		return;
	}
	req_reply(r, 200, json_pack("{s:o}", "tokens", arr));
}

void api_tokens_create(struct req *r)
{
	static const char *const fields[] = { "name", "username", "scope", "expires_in_days", NULL };
	const char *name, *username, *scope_name;
	char clear[SECRET_TOKEN_LEN + 4];
	enum token_scope scope = TOKEN_SCOPE_API;
	int64_t days = 0, expires = 0, id;
	struct api_token t;
	struct user u;
	json_t *out;
	int rc;

	if (req_body_required(r) < 0 || req_body_only(r, fields) < 0 ||
	    req_body_str(r, "name", true, 100, &name) < 0 ||
	    req_body_str(r, "username", false, 64, &username) < 0 ||
	    req_body_str(r, "scope", false, 16, &scope_name) < 0 ||
	    req_body_int(r, "expires_in_days", false, 1, 3650, &days, NULL) < 0)
		return;
	if (scope_name && token_scope_parse(scope_name, &scope) < 0) {
		req_fail(r, 400, "bad_request", "scope", "scope must be 'api' or 'metrics'");
		return;
	}
	/* The token acts as this user: by default the administrator creating it. */
	rc = user_get_by_name(r->db, username ? username : r->who.username, &u);
	if (rc < 0) {
		req_fail_db(r, rc);
		return;
	}
	if (rc == 0) {
		req_fail(r, 400, "bad_request", "username", "there is no user '%s'", username);
		return;
	}
	if (u.disabled) {
		req_fail(r, 400, "bad_request", "username", "the user '%s' is disabled", u.username);
		return;
	}
	if (days)
		expires = clock_now_ms() + days * 86400000;
	if (req_tx_begin(r) < 0)
		return;
	id = token_create(r->db, name, u.id, scope, r->who.user_id, expires, clear);
	if (id < 0 || token_get_by_id(r->db, id, &t) <= 0) {
		req_tx_rollback(r);
		req_fail_db(r, (int)(id < 0 ? id : DB_ERROR));
		return;
	}
	req_audit_object(r, "token:%lld", (long long)id);
	req_audit_detail(r, "scope %s for user %s", token_scope_name(scope), u.username);
	out = token_json(&t);
	json_object_set_new(out, "token", json_string(clear));
	secret_wipe(clear, sizeof clear);
	req_reply(r, 201, out);
	req_tx_commit(r);
}

void api_token_revoke(struct req *r)
{
	const char *idtext = req_param(r, "id");
	char *end;
	long long id;
	int rc;

	errno = 0;
	id = strtoll(idtext, &end, 10);
	if (errno || *end || id <= 0) {
		req_fail(r, 404, "not_found", NULL, "there is no token '%s'", idtext);
		return;
	}
	req_audit_object(r, "token:%lld", id);
	if (req_tx_begin(r) < 0)
		return;
	rc = token_revoke(r->db, id);
	if (rc < 0) {
		req_tx_rollback(r);
		req_fail_db(r, rc);
		return;
	}
	if (rc == 0) {
		req_tx_rollback(r);
		req_fail(r, 404, "not_found", NULL, "there is no live token %lld", id);
		return;
	}
	req_reply(r, 200, json_pack("{s:I, s:b}", "id", (json_int_t)id, "revoked", 1));
	req_tx_commit(r);
}
