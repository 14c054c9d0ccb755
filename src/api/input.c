/*
 * input — validating helpers the handlers share for what the one set of
 * validators (http/request.h: req_body_* for a body's fields, req_obj_* for
 * nested objects') does not cover: vocabularies, accounts named by username,
 * and the 409 answer to a stale version.  Each answers 400 (or 409) and
 * returns -1.
 */
#include "api/api.h"

#include <stdio.h>
#include <string.h>

#include "base/clock.h"
#include "core/casefile.h"
#include "http/request.h"
#include "store/account.h"
#include "store/cases.h"

int api_vocab(struct req *r, const char *field, const char *value, const char *const *list)
{
	char names[600];

	if (case_vocab_has(list, value))
		return 0;
	case_vocab_list(list, names, sizeof names);
	req_fail(r, 400, "bad_request", field, "%s must be one of: %s", field, names);
	return -1;
}

int api_user_active(struct req *r, const char *field, const char *username, struct user *u)
{
	int rc = user_get_by_name(r->db, username, u);

	if (rc < 0) {
		req_fail_db(r, rc);
		return -1;
	}
	if (rc == 0 || u->disabled) {
		req_fail(r, 400, "bad_request", field, "%s: '%.64s' is not an active account", field,
			 username);
		return -1;
	}
	return 0;
}

int api_user_sees_case(struct req *r, const char *field, const struct user *u,
		       const struct case_record *c)
{
	struct viewer v = { .user_id = u->id, .role = u->role, .agency_id = u->agency_id };
	int rc = case_visible(r->db, c->id, &v);

	if (rc < 0) {
		req_fail_db(r, rc);
		return -1;
	}
	if (rc == 0) {
		req_fail(r, 400, "bad_request", field,
			 "%s: '%s' cannot see case %s: a case is shared with its own agency and "
			 "the agencies it is referred to, and within them with those who work it; "
			 "refer it to her agency or assign her first",
			 field, u->username, c->ref);
		return -1;
	}
	return 0;
}

void api_stale(struct req *r, const char *what, int64_t sent, int64_t now)
{
	req_fail(r, 409, "stale_version", "version",
		 "the %s has changed since you read it (you sent version %lld, it is now %lld); "
		 "reload it and try again",
		 what, (long long)sent, (long long)now);
}

int api_body_version(struct req *r, const char *const *fields, int64_t *version)
{
	if (req_body_required(r) < 0 || req_body_only(r, fields) < 0 ||
	    req_body_int(r, "version", true, 1, INT64_MAX, version, NULL) < 0)
		return -1;
	return 0;
}

int api_obj(struct req *r, json_t *o, const char *where, const char *const *keys)
{
	if (!json_is_object(o)) {
		req_fail(r, 400, "bad_request", where, "%s must be an object", where);
		return -1;
	}
	return req_obj_only(r, o, where, keys);
}
