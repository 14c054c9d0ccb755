/*
 * http/request — one HTTP request as a handler sees it, and the calls a
 * handler uses to read input and write its response.
 *
 * Handlers in src/api/ never touch libmicrohttpd: they read path parameters,
 * the query and the parsed JSON body through req_*(), and answer with
 * req_reply() or req_fail().  Input helpers validate as they read: on bad
 * input they answer 400 naming the field and return -1, so a handler's code is
 * "if (req_body_str(...) < 0) return;".
 */
#ifndef VIGIL_HTTP_REQUEST_H
#define VIGIL_HTTP_REQUEST_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/mem.h"
#include "base/secret.h"
#include "core/access.h"
#include "db/db.h"
#include "store/auth.h"

struct vigil;
struct route;

/* Who is making the request. */
struct principal {
	bool signed_in;
	int64_t user_id;
	char username[65];
	char display_name[201];
	enum role role;
	int64_t agency_id;
	char agency[33];
	bool via_token;            /* bearer token, not a browser session */
	int64_t token_id;
	int64_t device_token;      /* token_id when the token is bound to devices, else 0 */
	enum token_scope scope;
	char session_digest[SECRET_DIGEST_LEN];
	char csrf[SECRET_TOKEN_LEN];
	int64_t session_expires_at;
};

#define REQ_MAX_PARAMS 4
#define REQ_MAX_HEADERS 6

struct req {
	struct vigil *v;
	db *db;
	void *conn; /* struct MHD_Connection, for the http layer only */
	const char *method;
	const char *path;
	char client_addr[64];
	const struct route *route;
	int nparams;
	const char *param_name[REQ_MAX_PARAMS];
	char *param_value[REQ_MAX_PARAMS];
	json_t *body; /* the parsed JSON object, or NULL when there was none */
	/* An upload route's body: a temporary file (the handler may rename it
	 * away; what is left is removed), its size and BLAKE2b-256 hex hash. */
	const char *upload_path;
	int64_t upload_size;
	char upload_hash[65];
	struct principal who;

	/* response */
	int read_rc;     /* the first failed read of the page being built (req_read) */
	int status;
	json_t *resp_json;
	char *resp_text; /* alternative to JSON: owned text body */
	void *stream;    /* alternative: a struct MHD_Response of a live stream */
	int resp_fd;     /* alternative: a file to stream (-1: none) */
	int64_t resp_fd_size;
	char resp_type_buf[128];
	const char *resp_type;
	int nheaders;
	char *header_name[REQ_MAX_HEADERS];
	char *header_value[REQ_MAX_HEADERS];

	/* audit */
	const char *action;  /* defaults to the route's name */
	char *object;
	char *detail;
	bool audited;        /* the handler's transaction already wrote the entry */
	bool in_tx;
};

/* Answer with JSON (steals the reference). */
void req_reply(struct req *r, int status, json_t *body);
/* Answer with text of the given content type (copied). */
void req_reply_text(struct req *r, int status, const char *type, const char *text);
/* Answer {"error":{"code","message"[,"field"]}}.  field may be NULL. */
void req_fail(struct req *r, int status, const char *code, const char *field, const char *fmt,
	      ...) __attribute__((format(printf, 5, 6)));
/* Answer a database failure: 503 `unavailable` with Retry-After when the
 * connection to the database is lost (DB_GONE, or the request's connection
 * found dead: it is away, or restarting); 503 `busy` when it stayed locked;
 * else 500, logging the engine's message. */
void req_fail_db(struct req *r, int rc);
/* A read a page is built from (a store call's result, returned as given):
 * a failure is remembered, and a success reply (req_reply, status < 400)
 * then answers the database's failure instead (req_fail_db), so that nobody
 * is shown, and acts on, half a page. */
int req_read(struct req *r, int rc);
void req_add_header(struct req *r, const char *name, const char *value);
/* Answer with the contents of an open file (takes the descriptor; type is copied). */
void req_reply_file(struct req *r, int fd, int64_t size, const char *type);
/* A request header, or NULL. */
const char *req_header(struct req *r, const char *name);

/* A path parameter by name ({username} in the route pattern), URL-decoded. */
const char *req_param(struct req *r, const char *name);
/* A path parameter that is a record's id (a whole number from 1): 0, or -1
 * after answering 404 "there is no WHAT ...". */
int req_param_id(struct req *r, const char *name, const char *what, int64_t *out);
/* A query argument, or NULL. */
const char *req_query(struct req *r, const char *name);
/* A query integer in [min,max], or def when absent; -1 after a 400. */
int req_query_int(struct req *r, const char *name, int64_t min, int64_t max, int64_t def,
		  int64_t *out);
/* A query time (RFC 3339) as ms, or 0 when absent; -1 after a 400. */
int req_query_time(struct req *r, const char *name, int64_t *out);

/* Body fields.  Each returns 0 (with *out set, or left NULL/untouched when an
 * optional field is absent) or -1 after answering 400 naming the field. */
int req_body_required(struct req *r);
int req_body_only(struct req *r, const char *const *allowed); /* refuses unknown fields */
int req_body_str(struct req *r, const char *field, bool required, size_t maxlen,
		 const char **out);
int req_body_int(struct req *r, const char *field, bool required, int64_t min, int64_t max,
		 int64_t *out, bool *present);
int req_body_bool(struct req *r, const char *field, bool required, int *out);
/* An RFC 3339 time (or a plain date, midnight UTC) as ms; *out is left as it
 * is when the field is absent or null.  present (may be NULL) says whether a
 * time was given. */
int req_body_time(struct req *r, const char *field, bool required, int64_t *out, bool *present);
/* The same rules for the fields of an object nested in the body: key in obj,
 * named field in an answer (its path: "victims[0].name"); req_obj_only names
 * an unknown key as where.key.  The req_body_* above are these on the body. */
int req_obj_only(struct req *r, json_t *obj, const char *where, const char *const *allowed);
int req_obj_str(struct req *r, json_t *obj, const char *key, const char *field, bool required,
		size_t maxlen, const char **out);
int req_obj_int(struct req *r, json_t *obj, const char *key, const char *field, bool required,
		int64_t min, int64_t max, int64_t *out, bool *present);
int req_obj_bool(struct req *r, json_t *obj, const char *key, const char *field, bool required,
		 int *out);
int req_obj_time(struct req *r, json_t *obj, const char *key, const char *field, bool required,
		 int64_t *out, bool *present);

/* Audit: name the object of the request, and add a detail. */
void req_audit_object(struct req *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void req_audit_detail(struct req *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A write transaction whose commit also appends the audit entry (outcome
 * "ok"), so that a change and its audit row stand or fall together.  Call
 * req_tx_commit() after req_reply(), so the entry records the status; on
 * failure it rolls back and replaces the reply with a 500 (or 503), and
 * returns -1. */
int req_tx_begin(struct req *r);
int req_tx_commit(struct req *r);
/* Append the request's audit entry (outcome "ok", its status as answered so
 * far) in the transaction open on its connection: what req_tx_commit() does
 * before it commits, for a transaction the handler did not open (an
 * operation's, ops/ops.h).  0 or negative. */
int req_audit_append(struct req *r);
/* Roll back an open transaction (after a validation failure inside it). */
void req_tx_rollback(struct req *r);

/* Time as RFC 3339 JSON string, or JSON null for 0. */
json_t *req_time_json(int64_t ms);

#endif
