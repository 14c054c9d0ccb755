/*
 * ops/accounts — accounts, API tokens and sessions (ops/accounts.h).
 */
#include "ops/accounts.h"

#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "store/cases.h"
#include "store/monitor.h"

/* ---- API tokens ------------------------------------------------------------ */

/* The account a token is made for: the actor's own, or a service account of
 * her agency that is not disabled. */
static int token_account(struct ops_ctx *x, const char *username, struct user *u)
{
	int rc = user_get_by_name(x->db, username ? username : x->who.username, u);

	if (rc < 0)
		return ops_fail_db(x, rc);
	if (rc == 0 || (u->id != x->who.user_id && u->agency_id != x->who.agency_id))
		return ops_fail(x, ERR_BAD_REQUEST, "username", "there is no user '%s' in %s",
				username, x->who.agency);
	if (u->id != x->who.user_id && !u->service)
		return ops_fail(x, ERR_FORBIDDEN, "username",
				"'%s' is a person, not a service account: a token acts as its "
				"account, so it is made for yourself or for a service account of %s",
				u->username, x->who.agency);
	if (u->disabled)
		return ops_fail(x, ERR_BAD_REQUEST, "username", "the user '%s' is disabled",
				u->username);
	return 0;
}

/* The ids of the devices named, each one the token's account may see. */
static int token_devices(struct ops_ctx *x, const struct token_request *q, const struct user *u,
			 int64_t *ids)
{
	struct viewer v = { u->id, u->role, u->agency_id, 0 };

	for (size_t i = 0; i < q->ndevices; i++) {
		const char *uid = q->devices[i];
		struct device dv;
		int rc = uid ? device_get_visible(x->db, &v, x->now, uid, &dv, NULL) : 0;

		if (rc < 0)
			return ops_fail_db(x, rc);
		if (rc == 0)
			return ops_fail(x, ERR_BAD_REQUEST, "devices",
					"devices[%zu]: %s%s%s is not a device that %s may use", i,
					uid ? "'" : "", uid ? uid : "not a device id", uid ? "'" : "",
					u->username);
		ids[i] = dv.id;
	}
	return 0;
}

int64_t ops_token_create(struct ops_ctx *x, const struct token_request *q, struct api_token *out,
			 char clear[SECRET_TOKEN_LEN + 4])
{
	int64_t *ids = xcalloc(q->ndevices ? q->ndevices : 1, sizeof *ids);
	int64_t id = 0;
	struct user u;
	int rc;

	memset(out, 0, sizeof *out);
	rc = ops_begin(x);
	if (rc < 0) {
		free(ids);
		return rc;
	}
	rc = token_account(x, q->username, &u);
	if (rc >= 0)
		rc = token_devices(x, q, &u, ids);
	if (rc >= 0) {
		id = token_create(x->db, q->name, u.id, q->scope, x->who.user_id,
				  q->expires_in_days ? x->now + q->expires_in_days * 86400000 : 0,
				  clear);
		rc = id < 0 ? (int)id : 0;
	}
	for (size_t i = 0; rc >= 0 && i < q->ndevices; i++) {
		size_t k;

		for (k = 0; k < i && ids[k] != ids[i]; k++)
			;
		if (k == i)
			rc = token_device_add(x->db, id, ids[i]);
	}
	if (rc >= 0 && token_get_by_id(x->db, id, out) <= 0)
		rc = DB_ERROR;
	if (rc >= 0) {
		ops_object(x, "token:%lld", (long long)id);
		ops_detail(x, "scope %s for user %s%s", token_scope_name(q->scope), u.username,
			   q->ndevices ? ", bound to devices" : "");
	}
	free(ids);
	rc = ops_end(x, rc);
	if (rc < 0)
		secret_wipe(clear, SECRET_TOKEN_LEN + 4);
	return rc < 0 ? rc : id;
}

int ops_token_revoke(struct ops_ctx *x, int64_t id)
{
	struct api_token t;
	int rc;

	ops_object(x, "token:%lld", (long long)id);
	rc = ops_begin(x);
	if (rc < 0)
		return rc;
	/* only a token of her own agency's accounts */
	rc = token_get_by_id(x->db, id, &t);
	if (rc > 0 && t.agency_id == x->who.agency_id)
		rc = token_revoke(x->db, id);
	else if (rc > 0)
		rc = 0;
	if (rc == 0)
		rc = ops_fail(x, ERR_NOT_FOUND, NULL, "there is no live token %lld", (long long)id);
	/* a revoked token's open streams end at once */
	return ops_end_seen(x, rc);
}
