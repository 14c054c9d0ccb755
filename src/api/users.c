/*
 * users — account administration: GET/POST /api/v1/users,
 * GET/PATCH /api/v1/users/{username}.
 *
 * PATCH carries the version the client last read; a stale version is a 409,
 * never a silent overwrite.  An administrator cannot disable her own account
 * or take away her own admin role, so a centre cannot lock itself out by a
 * slip of the mouse.
 */
#include "api/api.h"

#include <stdio.h>
#include <string.h>

#include "base/clock.h"
#include "core/account.h"
#include "http/request.h"
#include "http/stream.h"
#include "vigil.h"
#include "store/account.h"

json_t *api_user_json(const struct user *u)
{
	int64_t now = clock_now_ms();

	return json_pack("{s:I, s:s, s:s, s:s, s:{s:s, s:s}, s:b, s:b, s:b, s:o, s:o, s:I}", "id",
			 (json_int_t)u->id, "username", u->username, "display_name",
			 u->display_name, "role", access_role_name(u->role), "agency", "code",
			 u->agency_code, "name", u->agency_name, "disabled", u->disabled, "locked",
			 u->locked_until > now, "service", u->service, "created_at",
			 req_time_json(u->created_at), "updated_at", req_time_json(u->updated_at),
			 "version", (json_int_t)u->version);
}

struct users_out {
	json_t *arr;
	int64_t agency_id;
};

static int add_user(const struct user *u, void *arg)
{
	struct users_out *o = arg;

	if (u->agency_id == o->agency_id)
		json_array_append_new(o->arr, api_user_json(u));
	return 0;
}

/* An administrator manages the accounts of her own agency, and only those:
 * one agency's administrator must not be able to act as another agency's
 * staff (a new agency's first administrator is made with `vigil user add`). */
void api_users_list(struct req *r)
{
	json_t *arr = json_array();
	struct users_out o = { arr, r->who.agency_id };
	int rc = user_each(r->db, add_user, &o);

	if (rc < 0) {
		json_decref(arr);
		req_fail_db(r, rc);
		return;
	}
	req_reply(r, 200, json_pack("{s:o}", "users", arr));
}

/* Validate a field with a core/account check, answering 400 on failure. */
static int check(struct req *r, const char *field, int rc, const char *why)
{
	if (rc < 0) {
		req_fail(r, 400, "bad_request", field, "%s", why);
		return -1;
	}
	return 0;
}

static int parse_role(struct req *r, const char *name, enum role *out)
{
	*out = access_role_parse(name);
	if (*out == ROLE_NONE) {
		req_fail(r, 400, "bad_request", "role",
			 "unknown role '%s' (officer, supervisor, operator, clinician, advocate, "
			 "analyst, admin)",
			 name);
		return -1;
	}
	return 0;
}

static int find_agency(struct req *r, const char *code, struct agency *a)
{
	int rc = agency_get_by_code(r->db, code, a);

	if (rc < 0) {
		req_fail_db(r, rc);
		return -1;
	}
	if (rc == 0) {
		req_fail(r, 400, "bad_request", "agency", "unknown agency '%s'", code);
		return -1;
	}
	return 0;
}

/* The agency an administrator names must be her own.  0, or -1 after 403. */
static int own_agency(struct req *r, const char *code)
{
	if (strcmp(code, r->who.agency) != 0) {
		req_fail(r, 403, "forbidden", "agency",
			 "you administer the accounts of %s only; an account of '%s' is made by "
			 "its own administrator",
			 r->who.agency, code);
		return -1;
	}
	return 0;
}

/* A service account's password hash: never a valid argon2id string, so no
 * password can sign in as it. */
#define SERVICE_HASH "!service-account"

void api_users_create(struct req *r)
{
	static const char *const fields[] = { "username", "display_name", "role", "agency",
					      "password", "service", NULL };
	const char *username, *display_name, *role_name, *agency_code, *password;
	char why[200], hash[SECRET_HASH_LEN];
	struct agency a;
	struct user u;
	enum role role;
	int64_t id;
	int service = 0;

	if (req_body_required(r) < 0 || req_body_only(r, fields) < 0 ||
	    req_body_str(r, "username", true, 64, &username) < 0 ||
	    check(r, "username", account_username_check(username, why, sizeof why), why) < 0 ||
	    req_body_str(r, "display_name", false, 200, &display_name) < 0 ||
	    (display_name &&
	     check(r, "display_name", account_display_name_check(display_name, why, sizeof why),
		   why) < 0) ||
	    req_body_str(r, "role", true, 32, &role_name) < 0 || parse_role(r, role_name, &role) < 0 ||
	    req_body_str(r, "agency", false, 32, &agency_code) < 0 ||
	    req_body_bool(r, "service", false, &service) < 0 ||
	    req_body_str(r, "password", service != 1, ACCOUNT_PASSWORD_MAX, &password) < 0)
		return;
	if (service == 1 && password) {
		req_fail(r, 400, "bad_request", "password",
			 "a service account has no password: it acts through its API tokens");
		return;
	}
	if (service == 1 && role == ROLE_ADMIN) {
		req_fail(r, 400, "bad_request", "role", "a service account cannot be an administrator");
		return;
	}
	if (password &&
	    check(r, "password", account_password_check(password, username, why, sizeof why), why) < 0)
		return;
	if (!agency_code)
		agency_code = r->who.agency;
	req_audit_object(r, "user:%s", username);
	req_audit_detail(r, "role %s, agency %s%s", role_name, agency_code,
			 service == 1 ? ", service account" : "");
	if (find_agency(r, agency_code, &a) < 0 || own_agency(r, agency_code) < 0)
		return;
	if (password) {
		if (secret_password_hash(password, hash) < 0) {
			req_fail(r, 503, "busy", NULL, "cannot hash the password now; try again");
			return;
		}
	} else {
		snprintf(hash, sizeof hash, "%s", SERVICE_HASH);
	}
	if (req_tx_begin(r) < 0)
		return;
	id = user_add(r->db, username, display_name ? display_name : username, role, a.id, hash);
	secret_wipe(hash, sizeof hash);
	if (id == DB_CONSTRAINT) {
		req_tx_rollback(r);
		req_fail(r, 409, "conflict", "username", "the username '%s' is taken", username);
		return;
	}
	if (id >= 0 && service == 1 && user_set_service(r->db, id) < 0)
		id = DB_ERROR;
	if (id < 0 || user_get_by_id(r->db, id, &u) <= 0) {
		req_tx_rollback(r);
		req_fail_db(r, (int)(id < 0 ? id : DB_ERROR));
		return;
	}
	req_reply(r, 201, api_user_json(&u));
	req_tx_commit(r);
}

static int load_target(struct req *r, struct user *u)
{
	const char *name = req_param(r, "username");
	int rc = user_get_by_name(r->db, name, u);

	if (rc < 0) {
		req_fail_db(r, rc);
		return -1;
	}
	/* another agency's account is not hers to see */
	if (rc == 0 || u->agency_id != r->who.agency_id) {
		req_audit_object(r, "user:%s", name);
		req_fail(r, 404, "not_found", NULL, "there is no user '%s' in %s", name, r->who.agency);
		return -1;
	}
	return 0;
}

void api_user_get(struct req *r)
{
	struct user u;

	if (load_target(r, &u) < 0)
		return;
	req_reply(r, 200, api_user_json(&u));
}

void api_user_update(struct req *r)
{
	static const char *const fields[] = { "version", "display_name", "role", "agency",
					      "disabled", "password", "unlock", NULL };
	struct user_change c = { .role = ROLE_NONE, .disabled = -1 };
	const char *display_name, *role_name, *agency_code, *password;
	char why[200], hash[SECRET_HASH_LEN];
	int64_t version;
	int disabled = -1, unlock = 0, rc;
	struct agency a;
	struct user u;

	if (req_body_required(r) < 0 || req_body_only(r, fields) < 0 ||
	    req_body_int(r, "version", true, 1, INT64_MAX, &version, NULL) < 0 ||
	    req_body_str(r, "display_name", false, 200, &display_name) < 0 ||
	    (display_name &&
	     check(r, "display_name", account_display_name_check(display_name, why, sizeof why),
		   why) < 0) ||
	    req_body_str(r, "role", false, 32, &role_name) < 0 ||
	    (role_name && parse_role(r, role_name, &c.role) < 0) ||
	    req_body_str(r, "agency", false, 32, &agency_code) < 0 ||
	    req_body_bool(r, "disabled", false, &disabled) < 0 ||
	    req_body_bool(r, "unlock", false, &unlock) < 0 ||
	    req_body_str(r, "password", false, ACCOUNT_PASSWORD_MAX, &password) < 0)
		return;
	if (load_target(r, &u) < 0)
		return;
	req_audit_object(r, "user:%s", u.username);
	if (password && u.service) {
		req_fail(r, 400, "bad_request", "password",
			 "a service account has no password: it acts through its API tokens");
		return;
	}
	if (password &&
	    check(r, "password", account_password_check(password, u.username, why, sizeof why),
		  why) < 0)
		return;
	if (u.service && role_name && c.role == ROLE_ADMIN) {
		req_fail(r, 400, "bad_request", "role", "a service account cannot be an administrator");
		return;
	}
	if (u.id == r->who.user_id && (disabled == 1 || (role_name && c.role != ROLE_ADMIN))) {
		req_fail(r, 409, "conflict", disabled == 1 ? "disabled" : "role",
			 "you cannot disable your own account or remove your own admin role; "
			 "ask another administrator");
		return;
	}
	if (agency_code) {
		/* moving an account to another agency would plant one there */
		if (find_agency(r, agency_code, &a) < 0 || own_agency(r, agency_code) < 0)
			return;
		c.agency_id = a.id;
	}
	c.display_name = display_name;
	c.disabled = disabled;
	c.unlock = unlock == 1;
	if (password) {
		if (secret_password_hash(password, hash) < 0) {
			req_fail(r, 503, "busy", NULL, "cannot hash the password now; try again");
			return;
		}
		c.password_hash = hash;
	}
	req_audit_detail(r, "%s%s%s%s%s%s", display_name ? "display_name " : "",
			 role_name ? "role " : "", agency_code ? "agency " : "",
			 disabled == 1 ? "disabled " : disabled == 0 ? "enabled " : "",
			 password ? "password " : "", unlock == 1 ? "unlocked" : "");
	if (req_tx_begin(r) < 0)
		return;
	rc = user_update(r->db, u.id, version, &c);
	secret_wipe(hash, sizeof hash);
	/* a role changed, an account disabled: her open streams check again now */
	if (rc > 0 && stream_announce(r->db) < 0)
		rc = DB_ERROR;
	if (rc < 0) {
		req_tx_rollback(r);
		req_fail_db(r, rc);
		return;
	}
	if (rc == 0) {
		req_tx_rollback(r);
		req_fail(r, 409, "stale_version", "version",
			 "the account has changed since you read it (you sent version %lld, it is "
			 "now %lld); reload it and try again",
			 (long long)version, (long long)u.version);
		return;
	}
	rc = user_get_by_id(r->db, u.id, &u);
	if (rc <= 0) {
		req_tx_rollback(r);
		req_fail_db(r, rc);
		return;
	}
	req_reply(r, 200, api_user_json(&u));
	if (req_tx_commit(r) == 0)
		stream_wake(r->v->stream);
}
