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
#include "store/monitor.h"
#include "http/stream.h"
#include "vigil.h"

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
	const char *name, *username, *scope_name;
	char clear[SECRET_TOKEN_LEN + 4];
	enum token_scope scope = TOKEN_SCOPE_API;
	int64_t days = 0, expires = 0, id, now = clock_now_ms();
	json_t *devs = json_object_get(r->body ? r->body : NULL, "devices"), *it, *out;
	int64_t *dev_ids = NULL;
	struct api_token t;
	struct user u;
	size_t i, n = 0;
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
	if (devs && !json_is_null(devs) &&
	    (!json_is_array(devs) || json_array_size(devs) == 0 || json_array_size(devs) > 1000)) {
		req_fail(r, 400, "bad_request", "devices",
			 "devices must be a list of 1 to 1000 device ids");
		return;
	}
	if (json_is_array(devs) && scope != TOKEN_SCOPE_API) {
		req_fail(r, 400, "bad_request", "devices", "only an api token can be bound to devices");
		return;
	}
	/* The token acts as this user: by default the administrator creating it. */
	rc = user_get_by_name(r->db, username ? username : r->who.username, &u);
	if (rc < 0) {
		req_fail_db(r, rc);
		return;
	}
	if (rc == 0 || (u.id != r->who.user_id && u.agency_id != r->who.agency_id)) {
		req_fail(r, 400, "bad_request", "username", "there is no user '%s' in %s", username,
			 r->who.agency);
		return;
	}
	if (u.id != r->who.user_id && !u.service) {
		req_fail(r, 403, "forbidden", "username",
			 "'%s' is a person, not a service account: a token acts as its account, so "
			 "it is made for yourself or for a service account of %s",
			 u.username, r->who.agency);
		return;
	}
	if (u.disabled) {
		req_fail(r, 400, "bad_request", "username", "the user '%s' is disabled", u.username);
		return;
	}
	if (json_is_array(devs)) {
		/* each must be a device the token's account may see */
		struct viewer v = { u.id, u.role, u.agency_id, 0 };

		n = json_array_size(devs);
		dev_ids = xcalloc(n, sizeof *dev_ids);
		json_array_foreach(devs, i, it) {
			const char *uid = json_string_value(it);
			struct device dv;

			rc = uid ? device_get_visible(r->db, &v, now, uid, &dv, NULL) : 0;
			if (rc < 0) {
				req_fail_db(r, rc);
				goto out;
			}
			if (rc == 0) {
				req_fail(r, 400, "bad_request", "devices",
					 "devices[%zu]: %s%s%s is not a device that %s may use", i,
					 uid ? "'" : "", uid ? uid : "not a device id", uid ? "'" : "",
					 u.username);
				goto out;
			}
			dev_ids[i] = dv.id;
		}
	}
	if (days)
		expires = now + days * 86400000;
	if (req_tx_begin(r) < 0)
		goto out;
	id = token_create(r->db, name, u.id, scope, r->who.user_id, expires, clear);
	for (i = 0; id >= 0 && i < n; i++) {
		size_t k;

		for (k = 0; k < i && dev_ids[k] != dev_ids[i]; k++)
			;
		if (k == i && token_device_add(r->db, id, dev_ids[i]) < 0)
			id = DB_ERROR;
	}
	if (id < 0 || token_get_by_id(r->db, id, &t) <= 0) {
		req_tx_rollback(r);
		req_fail_db(r, (int)(id < 0 ? id : DB_ERROR));
		goto out;
	}
	req_audit_object(r, "token:%lld", (long long)id);
	req_audit_detail(r, "scope %s for user %s%s", token_scope_name(scope), u.username,
			 n ? ", bound to devices" : "");
	out = token_json(r, &t);
	json_object_set_new(out, "token", json_string(clear));
	secret_wipe(clear, sizeof clear);
	req_reply(r, 201, out);
	req_tx_commit(r);
out:
	free(dev_ids);
}

void api_token_revoke(struct req *r)
{
	const char *idtext = req_param(r, "id");
	struct api_token t;
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
	/* only a token of her own agency's accounts */
	rc = token_get_by_id(r->db, id, &t);
	if (rc < 0) {
		req_fail_db(r, rc);
		return;
	}
	if (rc == 0 || t.agency_id != r->who.agency_id) {
		req_fail(r, 404, "not_found", NULL, "there is no live token %lld", id);
		return;
	}
	if (req_tx_begin(r) < 0)
		return;
	rc = token_revoke(r->db, id);
	if (rc > 0 && stream_announce(r->db) < 0)
		rc = DB_ERROR;
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
	if (req_tx_commit(r) == 0)
		stream_wake(r->v->stream);
}
