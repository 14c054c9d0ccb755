/*
 * ops/accounts — accounts, API tokens and sessions (ops/accounts.h).
 */
#include "ops/accounts.h"

#include <stdlib.h>
#include <string.h>

#include <stdio.h>

#include "base/mem.h"
#include "core/account.h"
#include "store/cases.h"
#include "store/monitor.h"

/* ---- accounts ------------------------------------------------------------- */

/* A service account's password hash: never a valid argon2id string, so no
 * password can sign in as it. */
#define SERVICE_HASH "!service-account"

/* The agency an administrator names: one that exists, and her own (she
 * administers the accounts of her agency only; a new agency's first
 * administrator is made with `vigil user add`). */
static int admin_agency(struct ops_ctx *x, const char *code, struct agency *a)
{
	int rc = agency_get_by_code(x->db, code, a);

	if (rc < 0)
		return ops_fail_db(x, rc);
	if (rc == 0)
		return ops_fail(x, ERR_BAD_REQUEST, "agency", "unknown agency '%s'", code);
	if (strcmp(code, x->who.agency) != 0)
		return ops_fail(x, ERR_FORBIDDEN, "agency",
				"you administer the accounts of %s only; an account of '%s' is made "
				"by its own administrator",
				x->who.agency, code);
	return 0;
}

/* A password the policy accepts for the account username. */
static int password_ok(struct ops_ctx *x, const char *password, const char *username)
{
	char why[200];

	if (account_password_check(password, username, why, sizeof why) < 0)
		return ops_fail(x, ERR_BAD_REQUEST, "password", "%s", why);
	return 0;
}

static int password_hash(struct ops_ctx *x, const char *password, char hash[SECRET_HASH_LEN])
{
	if (secret_password_hash(password, hash) < 0)
		return ops_fail(x, ERR_BUSY, NULL, "cannot hash the password now; try again");
	return 0;
}

static int no_service_password(struct ops_ctx *x)
{
	return ops_fail(x, ERR_BAD_REQUEST, "password",
			"a service account has no password: it acts through its API tokens");
}

static int no_service_admin(struct ops_ctx *x)
{
	return ops_fail(x, ERR_BAD_REQUEST, "role", "a service account cannot be an administrator");
}

int64_t ops_user_create(struct ops_ctx *x, const struct user_request *q, struct user *out)
{
	const char *agency = q->agency ? q->agency : x->who.agency;
	char hash[SECRET_HASH_LEN];
	struct agency a;
	int64_t id;
	int rc;

	memset(out, 0, sizeof *out);
	if (q->service && q->password)
		return no_service_password(x);
	if (q->service && q->role == ROLE_ADMIN)
		return no_service_admin(x);
	if (q->password && password_ok(x, q->password, q->username) < 0)
		return x->err.code;
	ops_object(x, "user:%s", q->username);
	ops_detail(x, "role %s, agency %s%s", access_role_name(q->role), agency,
		   q->service ? ", service account" : "");
	rc = admin_agency(x, agency, &a);
	if (rc < 0)
		return rc;
	/* the slow hash before the write lock */
	if (!q->password)
		snprintf(hash, sizeof hash, "%s", SERVICE_HASH);
	else if (password_hash(x, q->password, hash) < 0)
		return x->err.code;
	rc = ops_begin(x);
	if (rc < 0) {
		secret_wipe(hash, sizeof hash);
		return rc;
	}
	id = user_add(x->db, q->username, q->display_name ? q->display_name : q->username, q->role,
		      a.id, hash);
	secret_wipe(hash, sizeof hash);
	if (id == DB_CONSTRAINT)
		rc = ops_fail(x, ERR_CONFLICT, "username", "the username '%s' is taken", q->username);
	else if (id < 0)
		rc = (int)id;
	if (rc >= 0 && q->service)
		rc = user_set_service(x->db, id);
	if (rc >= 0 && user_get_by_id(x->db, id, out) <= 0)
		rc = DB_ERROR;
	rc = ops_end(x, rc);
	return rc < 0 ? rc : id;
}

int ops_user_get(struct ops_ctx *x, const char *username, struct user *out)
{
	int rc = user_get_by_name(x->db, username, out);

	if (rc < 0)
		return ops_fail_db(x, rc);
	/* another agency's account is not hers to see */
	if (rc == 0 || out->agency_id != x->who.agency_id) {
		ops_object(x, "user:%s", username);
		return ops_fail(x, ERR_NOT_FOUND, NULL, "there is no user '%s' in %s", username,
				x->who.agency);
	}
	return 0;
}

int ops_user_update(struct ops_ctx *x, const char *username, const struct user_update_request *q,
		    struct user *out)
{
	struct user_change c = { .role = q->role, .disabled = q->disabled, .unlock = q->unlock };
	char hash[SECRET_HASH_LEN];
	struct agency a;
	struct user u;
	int rc;

	rc = ops_user_get(x, username, &u);
	if (rc < 0)
		return rc;
	ops_object(x, "user:%s", u.username);
	if (q->password && u.service)
		return no_service_password(x);
	if (q->password && password_ok(x, q->password, u.username) < 0)
		return x->err.code;
	if (u.service && q->role == ROLE_ADMIN)
		return no_service_admin(x);
	/* a centre cannot lock itself out by a slip of the mouse */
	if (u.id == x->who.user_id &&
	    (q->disabled == 1 || (q->role != ROLE_NONE && q->role != ROLE_ADMIN)))
		return ops_fail(x, ERR_CONFLICT, q->disabled == 1 ? "disabled" : "role",
				"you cannot disable your own account or remove your own admin "
				"role; ask another administrator");
	if (q->agency) {
		/* moving an account to another agency would plant one there */
		rc = admin_agency(x, q->agency, &a);
		if (rc < 0)
			return rc;
		c.agency_id = a.id;
	}
	c.display_name = q->display_name;
	if (q->password) {
		if (password_hash(x, q->password, hash) < 0)
			return x->err.code;
		c.password_hash = hash;
	}
	ops_detail(x, "%s%s%s%s%s%s", q->display_name ? "display_name " : "",
		   q->role != ROLE_NONE ? "role " : "", q->agency ? "agency " : "",
		   q->disabled == 1 ? "disabled " : q->disabled == 0 ? "enabled " : "",
		   q->password ? "password " : "", q->unlock ? "unlocked" : "");
	rc = ops_begin(x);
	if (rc >= 0) {
		rc = user_update(x->db, u.id, q->version, &c);
		if (rc == 0)
			rc = ops_stale(x, "account", q->version, u.version);
	}
	if (q->password)
		secret_wipe(hash, sizeof hash);
	if (rc > 0 && user_get_by_id(x->db, u.id, out) <= 0)
		rc = DB_ERROR;
	/* a role changed, an account disabled: her open streams check again now */
	rc = ops_end_seen(x, rc);
	return rc < 0 ? rc : 0;
}

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

/* ---- sessions ------------------------------------------------------------- */

int ops_session_open(struct ops_ctx *x, int64_t user_id, const char *client_addr,
		     int64_t expires_at, char token[SECRET_TOKEN_LEN], char csrf[SECRET_TOKEN_LEN])
{
	int rc = ops_begin(x);

	if (rc < 0)
		return rc;
	rc = user_login_succeeded(x->db, user_id);
	if (rc >= 0)
		rc = session_create(x->db, user_id, client_addr, expires_at, token, csrf);
	rc = ops_end(x, rc < 0 ? rc : 0);
	if (rc < 0) {
		secret_wipe(token, SECRET_TOKEN_LEN);
		secret_wipe(csrf, SECRET_TOKEN_LEN);
	}
	return rc;
}

int ops_session_close(struct ops_ctx *x, const char *digest)
{
	int rc;

	ops_object(x, "user:%s", x->who.username);
	rc = ops_begin(x);
	if (rc < 0)
		return rc;
	rc = session_delete(x->db, digest);
	/* her open streams end at once, on every node */
	rc = ops_end_seen(x, rc < 0 ? rc : 1);
	return rc < 0 ? rc : 0;
}
