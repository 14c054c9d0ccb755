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
#include "core/account.h"
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

/* where's field name ("victims[0].name", or "name" at the top). */
static const char *field_at(char *out, size_t n, const char *where, const char *name)
{
	snprintf(out, n, "%s%s%s", where, where[0] ? "." : "", name);
	return out;
}

static int person_aliases(struct req *r, json_t *arr, const char *where, struct api_person *p)
{
	char field[160], why[200];
	json_t *it;
	size_t i;

	if (!arr || json_is_null(arr))
		return 0;
	if (!json_is_array(arr) || json_array_size(arr) > API_PERSON_ALIASES) {
		req_fail(r, 400, "bad_request", field_at(field, sizeof field, where, "aliases"),
			 "%s must be a list of at most %d names", field, API_PERSON_ALIASES);
		return -1;
	}
	json_array_foreach(arr, i, it) {
		snprintf(field, sizeof field, "%s%saliases[%zu]", where, where[0] ? "." : "", i);
		if (!json_is_string(it) ||
		    account_display_name_check(json_string_value(it), why, sizeof why) < 0) {
			req_fail(r, 400, "bad_request", field, "%s must be a name", field);
			return -1;
		}
		p->aliases[p->in.naliases++] = json_string_value(it);
	}
	p->in.aliases = p->aliases;
	return 0;
}

static int person_identifiers(struct req *r, json_t *arr, const char *where, struct api_person *p)
{
	static const char *const keys[] = { "kind", "value", NULL };
	char field[200], at[160], why[200];
	json_t *it;
	size_t i;

	if (!arr || json_is_null(arr))
		return 0;
	if (!json_is_array(arr) || json_array_size(arr) > API_PERSON_IDS) {
		req_fail(r, 400, "bad_request", field_at(field, sizeof field, where, "identifiers"),
			 "%s must be a list of at most %d {\"kind\",\"value\"}", field,
			 API_PERSON_IDS);
		return -1;
	}
	json_array_foreach(arr, i, it) {
		struct person_identifier *id = &p->ids[p->in.nids];
		char *norm = p->norm[p->in.nids];
		const char *kind, *value;
		enum identifier_kind k;

		snprintf(at, sizeof at, "%s%sidentifiers[%zu]", where, where[0] ? "." : "", i);
		if (api_obj(r, it, at, keys) < 0 ||
		    req_obj_str(r, it, "kind", field_at(field, sizeof field, at, "kind"), true, 16,
				&kind) < 0)
			return -1;
		if (identifier_kind_parse(kind, &k) < 0) {
			req_fail(r, 400, "bad_request", field,
				 "%s must be phone, email, handle, vehicle or address", field);
			return -1;
		}
		if (req_obj_str(r, it, "value", field_at(field, sizeof field, at, "value"), true,
				IDENTIFIER_MAX, &value) < 0)
			return -1;
		if (identifier_normalise(k, value, norm, sizeof p->norm[0], why, sizeof why) < 0) {
			req_fail(r, 400, "bad_request", field, "%s: %s", field, why);
			return -1;
		}
		id->kind = k;
		/* an address is shown as written, matched as normalised */
		id->value = k == IDENT_ADDRESS ? value : norm;
		id->match_key = norm;
		p->in.nids++;
	}
	p->in.ids = p->ids;
	return 0;
}

int api_person_parse(struct req *r, json_t *obj, const char *where, unsigned flags,
		     struct api_person *p)
{
	static const char *const keys[] = { "name", "aliases", "dob", "description", "identifiers",
					    NULL };
	static const char *const undescribed[] = { "name", "aliases", "dob", "identifiers", NULL };
	const char *const *only = NULL;
	char field[160], why[200];

	memset(p, 0, sizeof *p);
	if (flags & API_PERSON_ONLY)
		only = flags & API_PERSON_DESCRIBED ? keys : undescribed;
	if (api_obj(r, obj, where, only) < 0)
		return -1;
	if (req_obj_str(r, obj, "name", field_at(field, sizeof field, where, "name"),
			flags & API_PERSON_NAMED, 200, &p->in.full_name) < 0)
		return -1;
	if (p->in.full_name && account_display_name_check(p->in.full_name, why, sizeof why) < 0) {
		req_fail(r, 400, "bad_request", field, "%s: %s", field, why);
		return -1;
	}
	if (req_obj_str(r, obj, "dob", field_at(field, sizeof field, where, "dob"), false, 10,
			&p->in.dob) < 0)
		return -1;
	if (p->in.dob && !case_dob_valid(p->in.dob, clock_now_ms())) {
		req_fail(r, 400, "bad_request", field,
			 "%s must be a real date of birth as YYYY-MM-DD, not in the future", field);
		return -1;
	}
	if ((flags & API_PERSON_DESCRIBED) &&
	    req_obj_str(r, obj, "description", field_at(field, sizeof field, where, "description"),
			false, 4000, &p->in.description) < 0)
		return -1;
	if (person_aliases(r, json_object_get(obj, "aliases"), where, p) < 0 ||
	    person_identifiers(r, json_object_get(obj, "identifiers"), where, p) < 0)
		return -1;
	if ((flags & API_PERSON_SOMETHING) && !p->in.full_name && p->in.nids == 0 &&
	    !p->in.description) {
		req_fail(r, 400, "bad_request", where,
			 "%s needs at least a name, an identifier or a description", where);
		return -1;
	}
	return 0;
}

int api_obj(struct req *r, json_t *o, const char *where, const char *const *keys)
{
	if (!json_is_object(o)) {
		req_fail(r, 400, "bad_request", where, "%s must be an object", where[0] ? where : "the body");
		return -1;
	}
	return keys ? req_obj_only(r, o, where, keys) : 0;
}
