/*
 * store/audit — the audit trail: append-only and hash-chained.
 *
 * Every state-changing request and every read of a case writes one entry:
 * time, user, agency, action, object, outcome, client address.  Each entry's
 * hash covers its fields and the previous entry's hash (core/chain.h), and the
 * chain head is kept beside it, so that an altered, removed or inserted row is
 * found by audit_verify().  Nothing in Vigil updates or deletes an entry.
 */
#ifndef VIGIL_STORE_AUDIT_H
#define VIGIL_STORE_AUDIT_H

#include <stdint.h>

#include "core/chain.h"
#include "db/db.h"

struct audit_entry {
	int64_t id; /* position in the chain, from 1 */
	int64_t at;
	int64_t user_id; /* 0: none (an anonymous or failed request) */
	const char *username;
	const char *agency;
	const char *action;  /* e.g. "user.create", "login" */
	const char *object;  /* e.g. "user:alice" */
	const char *outcome; /* "ok", "denied", "failed", "error" */
	int status;          /* HTTP status, 0 for the command line */
	const char *client_addr;
	const char *detail;  /* a short free text, never a secret or a location */
	int64_t token_id;    /* the API token the request was made with; 0: none */
	char prev_hash[CHAIN_HEX_LEN];
	char hash[CHAIN_HEX_LEN];
};

/* Append within the caller's write transaction.  Fills id, at (if 0) and the
 * hashes.  0 or negative. */
int audit_append(db *d, struct audit_entry *e);
/* Append in a transaction of its own. */
int audit_record(db *d, struct audit_entry *e);

struct audit_verify_result {
	int64_t checked;       /* rows read */
	int64_t broken_id;     /* 0 when intact; else the first row that fails */
	char reason[200];
};
/* 0 when the whole chain verifies, 1 when broken (see result), negative on a
 * database error. */
int audit_verify(db *d, struct audit_verify_result *r);
/* The same, inside the caller's transaction (e.g. to check an import before
 * committing it). */
int audit_verify_in_tx(db *d, struct audit_verify_result *r);

struct audit_filter {
	const char *username;
	const char *action;
	const char *outcome;
	const char *object;
	int64_t from, to;   /* ms, 0: open */
	int64_t before_id;  /* cursor: entries with id below this, 0: from the newest */
	int limit;
};
/* Newest first.  The entry passed to fn is valid only during the call. */
int audit_each(db *d, const struct audit_filter *f,
	       int (*fn)(const struct audit_entry *e, void *arg), void *arg);

#endif
