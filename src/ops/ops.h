/*
 * ops — the centre's operations: one function for each thing the centre
 * does (record a report, screen it, assess, decide a type, make a plan,
 * record an order or a breach, share a case, assign a device, resolve an
 * alert...).  This header is what every operation shares: the context it
 * runs in, the error it answers with, and the transaction helpers.  The
 * operations themselves are declared by area (ops/cases.h, ops/plans.h...).
 *
 * An operation takes a typed request (already well formed: api/ and cli/
 * check the syntax at the edge) and the acting user, and in one transaction
 * checks what the records say (who may see the case, its version, the
 * workflow, the centre's rules), makes the store calls, and has the change
 * audited, so that a change, the rules' consequences and its audit entry
 * stand or fall together.  It returns 0 (or an id) or a negative code of
 * base/err.h with ctx->err filled: a refusal (ERR_BAD_REQUEST, ERR_NOT_FOUND,
 * ERR_STALE_VERSION...) naming the input it is about, or a database failure
 * (DB_*).  Operations know nothing of HTTP: api/ maps the codes to statuses.
 *
 * Who calls: api/ handlers (parse, call, answer) and cli/ (the demo
 * caseload).  Operations call store/ and core/, never api/, http/ or cli/.
 */
#ifndef VIGIL_OPS_OPS_H
#define VIGIL_OPS_OPS_H

#include <stdbool.h>
#include <stdint.h>

#include "base/err.h"
#include "core/access.h"
#include "db/db.h"

struct vigil;
struct viewer;
struct case_record;

/* Who acts. */
struct ops_actor {
	int64_t user_id;      /* 0: Vigil itself (the housekeeping sweep) */
	char username[65];
	enum role role;
	int64_t agency_id;
	char agency[33];
	int64_t token_id;     /* the API token the request came with, 0: none */
	int64_t device_token; /* token_id when that token is bound to devices, else 0 */
};

/* Why an operation did not happen.  code is ERR_* (base/err.h): a refusal,
 * or one of the database's codes (DB_*; the engine's message is then in
 * db_errmsg(), and a sealed value's row in db_note()). */
struct ops_error {
	int code;
	char field[160];   /* the input it is about ("victims[0].name"), "" none */
	char message[600]; /* a sentence for the person who asked */
};

struct ops_ctx;
/* A hook run inside the operation's transaction just before it commits;
 * a negative return (an ERR_* or DB_* code, with err filled by ops_fail)
 * rolls the operation back. */
typedef int (*ops_hook)(struct ops_ctx *x, void *arg);

struct ops_ctx {
	struct vigil *v;      /* configuration, instruments, suggestions, the node */
	db *db;
	struct ops_actor who;
	int64_t now;          /* when the operation happens (ms): the clock, set by
			       * ops_init; the demo loader sets the past */
	unsigned parts;       /* the parts of a case the caller's entry point is on
			       * (CASE_PART_FILE, CASE_PART_VICTIM_CARE; the response
			       * part always): api/ takes them from its route table,
			       * so docs/ACCESS.md stays the one statement of them */
	/* The audit trail's object and detail, named by the operation (also for
	 * a refusal, which the caller audits). */
	char object[128];
	char *detail;
	/* The caller's hooks, in this order, in the transaction: answer (build
	 * the reply from what the transaction sees, so that the version
	 * answered is the version written), then audit (append the entry).
	 * NULL: none. */
	ops_hook answer;
	void *answer_arg;
	ops_hook audit;
	void *audit_arg;
	/* Run inside the caller's transaction (the demo loader's one
	 * transaction): ops_begin and ops_commit neither begin nor commit. */
	bool caller_tx;
	bool in_tx;    /* a transaction of ours is open */
	bool audited;  /* the audit hook ran and the transaction committed */
	struct ops_error err;
};

/* A context for one operation (or several in turn) by who on d. */
void ops_init(struct ops_ctx *x, struct vigil *v, db *d, const struct ops_actor *who);
/* Release what the context holds; rolls back a transaction left open. */
void ops_done(struct ops_ctx *x);

/* Refuse: fill x->err and return code (negative). */
int ops_fail(struct ops_ctx *x, int code, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* A database failure rc (DB_*): fill x->err and return rc. */
int ops_fail_db(struct ops_ctx *x, int rc);
/* Name the audit entry's object ("case:STAC-2026-000001") and detail. */
void ops_object(struct ops_ctx *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void ops_detail(struct ops_ctx *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * Transactions.  ops_begin() opens a write transaction (SQLite's write lock
 * taken up front).  ops_commit() runs the answer hook, the audit hook and
 * commits; when any fails it rolls back and returns its code.  ops_rollback()
 * ends a transaction after a refusal.  ops_read_begin()/ops_read_end() hold
 * one read transaction around a page that reads several tables, so that it
 * shows one state of the records (PostgreSQL: REPEATABLE READ).  Each
 * returns 0 or negative with x->err filled.
 */
int ops_begin(struct ops_ctx *x);
int ops_commit(struct ops_ctx *x);
void ops_rollback(struct ops_ctx *x);
int ops_read_begin(struct ops_ctx *x);
void ops_read_end(struct ops_ctx *x);

/* The actor as a case viewer (store/cases.h). */
void ops_viewer(const struct ops_ctx *x, struct viewer *v);
/* Open case ref for the actor: ERR_NOT_FOUND when there is none,
 * ERR_FORBIDDEN when she may not see it, ERR_NEED_TO_KNOW when her role does
 * not read the part x->parts names.  Names it as the audit object.  The
 * caller frees c with case_record_free(). */
int ops_case_open(struct ops_ctx *x, const char *ref, struct case_record *c);
/* Begin a write transaction and open case ref in it (ops_case_open): 0, or
 * the refusal with the transaction rolled back. */
int ops_begin_case(struct ops_ctx *x, const char *ref, struct case_record *c);
/* End an operation that began its transaction: rc >= 0 (the result, kept)
 * commits through ops_commit(); a negative rc, or a failing commit, rolls
 * back, naming a database failure nothing named yet.  Returns the result. */
int ops_end(struct ops_ctx *x, int rc);
/* ops_end() for a change that moved who may see what (rc > 0: it did; a
 * grant, a role, an account disabled, a token revoked, a session ended):
 * every node's open streams are told in the transaction and look again once
 * it commits.  Returns the result. */
int ops_end_seen(struct ops_ctx *x, int rc);
/* Add an event to the case's timeline, by the actor. */
int ops_event(struct ops_ctx *x, int64_t case_id, const char *kind, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Refuse a write made on version sent of what ("case", "plan", "order")
 * whose version is now now: ERR_STALE_VERSION. */
int ops_stale(struct ops_ctx *x, const char *what, int64_t sent, int64_t now);
/* The result rc of looking up the record what ("task", "breach") id of case
 * ref: none (0) is refused, ERR_NOT_FOUND ("case ref has no what id"); any
 * other rc is returned as it is. */
int ops_found(struct ops_ctx *x, int rc, const char *ref, const char *what, int64_t id);

#endif
