/*
 * http/request — response building and validated input for handlers.
 */
#include "http/request.h"

#include <errno.h>
#include <microhttpd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/log.h"
#include "http/route.h"
#include "store/audit.h"
#include "vigil.h"

int req_read(struct req *r, int rc)
{
	if (rc < 0 && r->read_rc >= 0)
		r->read_rc = rc;
	return rc;
}

void req_reply(struct req *r, int status, json_t *body)
{
	if (status < 400 && r->read_rc < 0) {
		int rc = r->read_rc;

		json_decref(body);
		r->read_rc = 0; /* answered once */
		req_fail_db(r, rc);
		return;
	}
	json_decref(r->resp_json);
	free(r->resp_text);
	r->resp_text = NULL;
	r->status = status;
	r->resp_json = body;
}

void req_reply_text(struct req *r, int status, const char *type, const char *text)
{
	json_decref(r->resp_json);
	r->resp_json = NULL;
	free(r->resp_text);
	r->status = status;
	r->resp_text = xstrdup(text);
	r->resp_type = type;
}

void req_reply_file(struct req *r, int fd, int64_t size, const char *type)
{
	json_decref(r->resp_json);
	r->resp_json = NULL;
	free(r->resp_text);
	r->resp_text = NULL;
	if (r->resp_fd >= 0)
		close(r->resp_fd);
	r->status = 200;
	r->resp_fd = fd;
	r->resp_fd_size = size;
	snprintf(r->resp_type_buf, sizeof r->resp_type_buf, "%s", type);
	r->resp_type = r->resp_type_buf;
}

const char *req_header(struct req *r, const char *name)
{
	return MHD_lookup_connection_value((struct MHD_Connection *)r->conn, MHD_HEADER_KIND, name);
}

void req_fail(struct req *r, int status, const char *code, const char *field, const char *fmt,
	      ...)
{
	json_t *err;
	va_list ap;
	struct buf b;

	buf_init(&b);
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	err = json_pack("{s:s, s:s}", "code", code, "message", b.data ? b.data : "");
	if (field)
		json_object_set_new(err, "field", json_string(field));
	buf_free(&b);
	req_reply(r, status, json_pack("{s:o}", "error", err));
}

void req_fail_db(struct req *r, int rc)
{
	/* The database is away (restarting, unreachable) or ended this
	 * session: nothing of the request was committed, and it may be sent
	 * again in a moment.  Not logged per request: the pool says when the
	 * database goes and comes back. */
	if (rc == DB_GONE || (r->db && !db_alive(r->db))) {
		req_add_header(r, "Retry-After", "2");
		req_fail(r, 503, "unavailable", NULL,
			 "the database cannot be reached at the moment; try again shortly");
		return;
	}
	if (rc == DB_BUSY) {
		req_add_header(r, "Retry-After", "1");
		req_fail(r, 503, "busy", NULL, "the database is busy; try again in a moment");
		return;
	}
	/* A sealed value that would not open (altered in the database, or
	 * sealed with a key this server does not hold): said as such, never
	 * passed on as text.  The log names the row and the reason, not the
	 * value. */
	if (rc == DB_SEALED) {
		log_error("%s %s: %s", r->method, r->route ? r->route->name : r->path,
			  r->db ? db_note(r->db) : "no connection");
		req_fail(r, 500, "sealed_value_unreadable", NULL,
			 "a protected value of this record cannot be opened: it was altered in the "
			 "database, or sealed with a data key this server does not hold; the fault "
			 "has been logged");
		return;
	}
	log_error("database error on %s %s: %s", r->method, r->route ? r->route->name : r->path,
		  r->db ? db_errmsg(r->db) : "no connection");
	req_fail(r, 500, "internal", NULL, "an internal error occurred; it has been logged");
}

void req_add_header(struct req *r, const char *name, const char *value)
{
	if (r->nheaders >= REQ_MAX_HEADERS)
		return;
	r->header_name[r->nheaders] = xstrdup(name);
	r->header_value[r->nheaders] = xstrdup(value);
	r->nheaders++;
}

const char *req_param(struct req *r, const char *name)
{
	size_t n = strlen(name);

	for (int i = 0; i < r->nparams; i++)
		if (strncmp(r->param_name[i], name, n) == 0 && r->param_name[i][n] == '}')
			return r->param_value[i];
	return NULL;
}

int req_param_id(struct req *r, const char *name, const char *what, int64_t *out)
{
	const char *text = req_param(r, name);
	char *end;
	long long v;

	errno = 0;
	v = text ? strtoll(text, &end, 10) : 0;
	if (!text || errno || end == text || *end || v <= 0) {
		req_fail(r, 404, "not_found", NULL, "there is no %s %.40s", what, text ? text : "");
		return -1;
	}
	*out = v;
	return 0;
}

/* A query value with a NUL in it (%00) would be cut short where it stands
 * ("a%00b" read as "a"): it is answered instead as this, which holds a
 * control character, so every check refuses it (400) and no lookup matches. */
static const char NUL_IN_VALUE[] = "\x01(a value with a NUL character)";

const char *req_query(struct req *r, const char *name)
{
	const char *v = NULL;
	size_t n = 0;

	if (MHD_lookup_connection_value_n((struct MHD_Connection *)r->conn, MHD_GET_ARGUMENT_KIND,
					  name, strlen(name), &v, &n) != MHD_YES || !v)
		return NULL;
	return strlen(v) == n ? v : NUL_IN_VALUE;
}

/* Parse a whole decimal int64; 0 or -1. */
static int parse_int64(const char *s, int64_t *out)
{
	char *end;
	long long v;

	if (!s || !*s)
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end || end == s)
		return -1;
	*out = v;
	return 0;
}

int req_query_int(struct req *r, const char *name, int64_t min, int64_t max, int64_t def,
		  int64_t *out)
{
	const char *s = req_query(r, name);
	int64_t v;

	if (!s) {
		*out = def;
		return 0;
	}
	if (parse_int64(s, &v) < 0 || v < min || v > max) {
		req_fail(r, 400, "bad_request", name, "%s must be a whole number from %lld to %lld",
			 name, (long long)min, (long long)max);
		return -1;
	}
	*out = v;
	return 0;
}

int req_query_time(struct req *r, const char *name, int64_t *out)
{
	const char *s = req_query(r, name);

	*out = 0;
	if (!s)
		return 0;
	if (clock_parse(s, out) < 0) {
		req_fail(r, 400, "bad_request", name,
			 "%s must be an RFC 3339 time such as 2026-11-28T09:00:00Z", name);
		return -1;
	}
	return 0;
}

int req_body_required(struct req *r)
{
	if (!r->body) {
		req_fail(r, 400, "bad_request", NULL,
			 "this request needs a JSON object body (Content-Type: application/json)");
		return -1;
	}
	return 0;
}

/*
 * The validators: one set, for a body's own fields (req_body_*) and for the
 * fields of objects nested in it (req_obj_*, named by their path, such as
 * "victims[0].name"), so that a rule (an empty required string refused, a
 * NUL refused, a time in RFC 3339) is written once and holds everywhere.
 */

/* The field key of obj when it is present and not null: else NULL, after
 * a 400 when it is required. */
static json_t *field_of(struct req *r, json_t *obj, const char *key, const char *field,
			bool required, int *rc)
{
	json_t *v = obj ? json_object_get(obj, key) : NULL;

	*rc = 0;
	if (v && !json_is_null(v))
		return v;
	if (required) {
		req_fail(r, 400, "bad_request", field, "%s is required", field);
		*rc = -1;
	}
	return NULL;
}

int req_obj_only(struct req *r, json_t *obj, const char *where, const char *const *allowed)
{
	const char *key;
	json_t *val;
	char field[160];

	if (!obj)
		return 0;
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

int req_obj_str(struct req *r, json_t *obj, const char *key, const char *field, bool required,
		size_t maxlen, const char **out)
{
	int rc;
	json_t *v = field_of(r, obj, key, field, required, &rc);

	*out = NULL;
	if (!v)
		return rc;
	if (!json_is_string(v)) {
		req_fail(r, 400, "bad_request", field, "%s must be a string", field);
		return -1;
	}
	if (json_string_length(v) > maxlen) {
		req_fail(r, 400, "bad_request", field, "%s may be at most %zu bytes long", field,
			 maxlen);
		return -1;
	}
	if (strlen(json_string_value(v)) != json_string_length(v)) {
		req_fail(r, 400, "bad_request", field, "%s must not contain NUL characters", field);
		return -1;
	}
	if (required && json_string_length(v) == 0) {
		req_fail(r, 400, "bad_request", field, "%s must not be empty", field);
		return -1;
	}
	*out = json_string_value(v);
	return 0;
}

int req_obj_int(struct req *r, json_t *obj, const char *key, const char *field, bool required,
		int64_t min, int64_t max, int64_t *out, bool *present)
{
	int rc;
	json_t *v = field_of(r, obj, key, field, required, &rc);

	if (present)
		*present = false;
	if (!v)
		return rc;
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

int req_obj_bool(struct req *r, json_t *obj, const char *key, const char *field, bool required,
		 int *out)
{
	int rc;
	json_t *v = field_of(r, obj, key, field, required, &rc);

	if (!v)
		return rc;
	if (!json_is_boolean(v)) {
		req_fail(r, 400, "bad_request", field, "%s must be true or false", field);
		return -1;
	}
	*out = json_is_true(v);
	return 0;
}

int req_obj_time(struct req *r, json_t *obj, const char *key, const char *field, bool required,
		 int64_t *out, bool *present)
{
	int rc;
	json_t *v = field_of(r, obj, key, field, required, &rc);
	int64_t ms;

	if (present)
		*present = false;
	if (!v)
		return rc;
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

int req_body_only(struct req *r, const char *const *allowed)
{
	return req_obj_only(r, r->body, "", allowed);
}

int req_body_str(struct req *r, const char *field, bool required, size_t maxlen,
		 const char **out)
{
	return req_obj_str(r, r->body, field, field, required, maxlen, out);
}

int req_body_int(struct req *r, const char *field, bool required, int64_t min, int64_t max,
		 int64_t *out, bool *present)
{
	return req_obj_int(r, r->body, field, field, required, min, max, out, present);
}

int req_body_bool(struct req *r, const char *field, bool required, int *out)
{
	return req_obj_bool(r, r->body, field, field, required, out);
}

int req_body_time(struct req *r, const char *field, bool required, int64_t *out, bool *present)
{
	return req_obj_time(r, r->body, field, field, required, out, present);
}

/* fmt into *slot, in place of what was there. */
static __attribute__((format(printf, 2, 0))) void set_vfmt(char **slot, const char *fmt,
							      va_list ap)
{
	char *s = xvasprintf(fmt, ap);

	free(*slot);
	*slot = s;
}

void req_audit_object(struct req *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	set_vfmt(&r->object, fmt, ap);
	va_end(ap);
}

void req_audit_detail(struct req *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	set_vfmt(&r->detail, fmt, ap);
	va_end(ap);
}

int req_tx_begin(struct req *r)
{
	int rc = db_begin_write(r->db);

	if (rc < 0) {
		req_fail_db(r, rc);
		return -1;
	}
	r->in_tx = true;
	return 0;
}

void req_tx_rollback(struct req *r)
{
	if (r->in_tx) {
		db_rollback(r->db);
		r->in_tx = false;
	}
}

int req_audit_append(struct req *r)
{
	struct audit_entry e = { 0 };

	e.user_id = r->who.signed_in ? r->who.user_id : 0;
	e.username = r->who.signed_in ? r->who.username : NULL;
	e.agency = r->who.signed_in ? r->who.agency : NULL;
	e.action = r->action ? r->action : (r->route ? r->route->name : "unknown");
	e.object = r->object;
	e.outcome = "ok";
	e.status = r->status;
	e.client_addr = r->client_addr;
	e.token_id = r->who.signed_in && r->who.via_token ? r->who.token_id : 0;
	e.detail = r->detail;
	return audit_append(r->db, &e);
}

int req_tx_commit(struct req *r)
{
	int rc = req_audit_append(r);

	if (rc >= 0)
		rc = db_commit(r->db);
	if (rc < 0) {
		db_rollback(r->db);
		r->in_tx = false;
		req_fail_db(r, rc);
		return -1;
	}
	r->in_tx = false;
	r->audited = true;
	return 0;
}

json_t *req_time_json(int64_t ms)
{
	char buf[40];

	if (!ms)
		return json_null();
	clock_format(ms, buf, sizeof buf);
	return json_string(buf);
}
