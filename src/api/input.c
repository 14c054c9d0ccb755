/*
 * input — validating helpers the handlers share for what req_body_*() does
 * not cover: fields of objects nested in a body (named by their path,
 * "suggestions[0].owner"), vocabularies, accounts named by username, and the
 * 409 answer to a stale version.  Each answers 400 (or 409) and returns -1.
 */
#include "api/api.h"

#include <stdio.h>
#include <string.h>

#include "base/clock.h"
#include "core/casefile.h"
#include "http/request.h"
#include "store/account.h"
#include "store/cases.h"

int api_obj_only(struct req *r, json_t *obj, const char *where, const char *const *allowed)
{
	const char *key;
	json_t *val;
	char field[160];

	json_object_foreach(obj, key, val) {
		const char *const *a = allowed;

		while (*a && strcmp(*a, key) != 0)
			a++;
		if (!*a) {
			snprintf(field, sizeof field, "%s%s%.64s", where, *where ? "." : "", key);
			req_fail(r, 400, "bad_request", field, "unknown field '%s'", field);
			return -1;
		}
	}
	return 0;
}

int api_obj_str(struct req *r, json_t *obj, const char *key, const char *field, bool required,
		size_t maxlen, const char **out)
{
	json_t *v = json_object_get(obj, key);

	*out = NULL;
	if (!v || json_is_null(v)) {
		if (required) {
			req_fail(r, 400, "bad_request", field, "%s is required", field);
			return -1;
		}
		return 0;
	}
	if (!json_is_string(v) || json_string_length(v) > maxlen ||
	    strlen(json_string_value(v)) != json_string_length(v)) {
		req_fail(r, 400, "bad_request", field, "%s must be text of at most %zu bytes", field,
			 maxlen);
		return -1;
	}
	if (required && json_string_length(v) == 0) {
		req_fail(r, 400, "bad_request", field, "%s must not be empty", field);
		return -1;
	}
	*out = json_string_value(v);
	return 0;
}

int api_obj_time(struct req *r, json_t *obj, const char *key, const char *field, bool required,
		 int64_t *out, bool *present)
{
	json_t *v = json_object_get(obj, key);
	int64_t ms;

	if (present)
		*present = false;
	if (!v || json_is_null(v)) {
		if (required) {
			req_fail(r, 400, "bad_request", field, "%s is required", field);
			return -1;
		}
		return 0;
	}
	if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v) ||
	    clock_parse(json_string_value(v), &ms) < 0) {
		req_fail(r, 400, "bad_request", field,
			 "%s must be an RFC 3339 time such as 2026-11-28T09:00:00Z (or a date)", field);
		return -1;
	}
	*out = ms;
	if (present)
		*present = true;
	return 0;
}

int api_obj_int(struct req *r, json_t *obj, const char *key, const char *field, bool required,
		int64_t min, int64_t max, int64_t *out, bool *present)
{
	json_t *v = json_object_get(obj, key);

	if (present)
		*present = false;
	if (!v || json_is_null(v)) {
		if (required) {
			req_fail(r, 400, "bad_request", field, "%s is required", field);
			return -1;
		}
		return 0;
	}
	if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max) {
		req_fail(r, 400, "bad_request", field, "%s must be a whole number from %lld to %lld",
			 field, (long long)min, (long long)max);
		return -1;
	}
	*out = json_integer_value(v);
	if (present)
		*present = true;
	return 0;
}

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
