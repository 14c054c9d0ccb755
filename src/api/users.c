/*
 * users — account administration: GET/POST /api/v1/users,
 * GET/PATCH /api/v1/users/{username}.
 *
 * PATCH carries the version the client last read; a stale version is a 409,
 * never a silent overwrite.  An administrator cannot disable her own account
 * or take away her own admin role, so a centre cannot lock itself out by a
 * slip of the mouse.  The rules are ops/accounts.c's; these handlers parse,
 * call and answer.
 */
#include "api/api.h"

#include <stdio.h>
#include <string.h>

#include "base/clock.h"
#include "core/account.h"
#include "http/request.h"
#include "ops/accounts.h"

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

	req_read(r, user_each(r->db, add_user, &o));
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

/* The optional display_name, checked, into *out (NULL: not given). */
static int parse_display_name(struct req *r, const char **out)
{
	char why[200];

	if (req_body_str(r, "display_name", false, 200, out) < 0)
		return -1;
	return *out ? check(r, "display_name", account_display_name_check(*out, why, sizeof why),
			    why)
		    : 0;
}

/* The role, into *out (left as it is when an optional one is not given). */
static int parse_role(struct req *r, bool required, enum role *out)
{
	const char *name;

	if (req_body_str(r, "role", required, 32, &name) < 0)
		return -1;
	if (!name)
		return 0;
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

void api_users_create(struct req *r)
{
	static const char *const fields[] = { "username", "display_name", "role", "agency",
					      "password", "service", NULL };
	struct user_request q = { 0 };
	struct ops_ctx x;
	struct user u;
	char why[200];
	int service = 0;

	if (req_body_required(r) < 0 || req_body_only(r, fields) < 0 ||
	    req_body_str(r, "username", true, 64, &q.username) < 0 ||
	    check(r, "username", account_username_check(q.username, why, sizeof why), why) < 0 ||
	    parse_display_name(r, &q.display_name) < 0 || parse_role(r, true, &q.role) < 0 ||
	    req_body_str(r, "agency", false, 32, &q.agency) < 0 ||
	    req_body_bool(r, "service", false, &service) < 0 ||
	    req_body_str(r, "password", service != 1, ACCOUNT_PASSWORD_MAX, &q.password) < 0)
		return;
	q.service = service == 1;
	api_ops_begin(r, &x, 201);
	if (api_ops_end(r, &x, ops_user_create(&x, &q, &u) < 0 ? -1 : 0) == 0)
		req_reply(r, 201, api_user_json(&u));
}

void api_user_get(struct req *r)
{
	struct ops_ctx x;
	struct user u;

	api_ops_begin(r, &x, 0);
	if (api_ops_end(r, &x, ops_user_get(&x, req_param(r, "username"), &u)) == 0)
		req_reply(r, 200, api_user_json(&u));
}

void api_user_update(struct req *r)
{
	static const char *const fields[] = { "version", "display_name", "role", "agency",
					      "disabled", "password", "unlock", NULL };
	struct user_update_request q = { .role = ROLE_NONE, .disabled = -1 };
	struct ops_ctx x;
	struct user u;
	int unlock = 0;

	if (api_body_version(r, fields, &q.version) < 0 ||
	    parse_display_name(r, &q.display_name) < 0 || parse_role(r, false, &q.role) < 0 ||
	    req_body_str(r, "agency", false, 32, &q.agency) < 0 ||
	    req_body_bool(r, "disabled", false, &q.disabled) < 0 ||
	    req_body_bool(r, "unlock", false, &unlock) < 0 ||
	    req_body_str(r, "password", false, ACCOUNT_PASSWORD_MAX, &q.password) < 0)
		return;
	q.unlock = unlock == 1;
	api_ops_begin(r, &x, 200);
	if (api_ops_end(r, &x, ops_user_update(&x, req_param(r, "username"), &q, &u)) == 0)
		req_reply(r, 200, api_user_json(&u));
}
