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
int audit_append(db *d, struct audit_entry *e) DB_CHECKED;
/* Append in a transaction of its own. */
int audit_record(db *d, struct audit_entry *e) DB_CHECKED;

struct audit_verify_result {
	int64_t checked;       /* rows read */
	int64_t broken_id;     /* 0 when intact; else the first row that fails */
	char reason[300];
};
/* 0 when the whole chain verifies, 1 when broken (see result), negative on a
 * database error. */
int audit_verify(db *d, struct audit_verify_result *r) DB_CHECKED;
/* The same, inside the caller's transaction (e.g. to check an import before
 * committing it). */
int audit_verify_in_tx(db *d, struct audit_verify_result *r) DB_CHECKED;

/*
 * Signed checkpoints of the chain's head (core/chain.h): made by the server
 * every few minutes with a key kept outside the database, kept in
 * audit_checkpoints and, by the server, in a file beside the key.  Removing
 * the newest entries and moving the head to match passes the chain check but
 * not this one: a checkpoint vouches for an entry that is gone or differs.
 */
struct audit_checkpoint {
	int64_t id, at, last_id;
	char hash[CHAIN_HEX_LEN];
	char public_key[CHAIN_PK_HEX_LEN];
	char signature[CHAIN_SIG_HEX_LEN];
};
/* Sign the chain's head with sk (public key pk_hex) and keep the checkpoint,
 * in a write transaction of its own: 1 made (in *out), 0 when the head has
 * not moved since the newest checkpoint this key signed (or the chain is
 * empty), AUDIT_CUT when the head is below that checkpoint (entries were cut:
 * out->last_id is the entry it vouches for), negative on error.  A row no key
 * of ours signed is not taken as the newest, so a forged row cannot stop the
 * signing. */
#define AUDIT_CUT 2
int audit_checkpoint_make(db *d, const unsigned char *sk, const char *pk_hex, int64_t at,
			  struct audit_checkpoint *out) DB_CHECKED;
/* The stored checkpoints, oldest first. */
int audit_checkpoint_each(db *d, int (*fn)(const struct audit_checkpoint *c, void *arg),
			  void *arg) DB_CHECKED;
/* A checkpoint as a line of text (the checkpoint file) and back: 0, or -1
 * for a line that is not one. */
void audit_checkpoint_line(const struct audit_checkpoint *c, char *out, size_t outlen);
int audit_checkpoint_parse(const char *line, struct audit_checkpoint *out) DB_CHECKED;

/* The checkpoint file: one line per checkpoint, appended and synced. */
int audit_checkpoint_file_append(const char *path, const struct audit_checkpoint *c, char *err,
				 size_t errlen) DB_CHECKED;
/* Its checkpoints into *out (the caller frees), their count in *n; a file
 * that does not exist yet has none.  0, or -1 with err (a line that is not a
 * checkpoint is an error: the file was tampered with or is not one). */
int audit_checkpoint_file_load(const char *path, struct audit_checkpoint **out, size_t *n,
			       char *err, size_t errlen) DB_CHECKED;

struct audit_checkpoint_result {
	int64_t checked;       /* checkpoints checked */
	int64_t newest_id;     /* the newest entry a checkpoint vouches for (0: none) */
	int64_t newest_at;
	int64_t broken_id;     /* 0 when all hold; else the entry a checkpoint found wrong */
	char reason[300];
};
/*
 * Check every stored checkpoint, and those in extra[0..n) (from the file,
 * which the database's holder cannot edit away): each signed by one of the
 * trusted public keys (hex; none given: by the key it names, which proves
 * less; several: the keys of before and after a rotation), and each vouching
 * for an entry that is still there with the same hash.  0 when all hold, 1
 * when not (see r), negative on a database error.
 */
int audit_verify_checkpoints(db *d, const char *const *trusted, size_t ntrusted,
			     const struct audit_checkpoint *extra, size_t n,
			     struct audit_checkpoint_result *r) DB_CHECKED;

struct audit_filter {
	const char *username;
	const char *action;
	const char *outcome;
	const char *object;
	int64_t from, to;   /* ms, 0: open */
	int64_t before_id;  /* cursor: entries with id below this, 0: from the newest */
	int limit;
	/* one agency's part of the trail (0: all): what its staff did, and what
	 * anyone did to its cases and devices */
	int64_t agency_id;
	const char *agency; /* its code */
	bool unattributed;  /* and the entries of no agency (anonymous sign-ins, the
			     * command line): for administrators */
};
/* Newest first.  The entry passed to fn is valid only during the call. */
int audit_each(db *d, const struct audit_filter *f,
	       int (*fn)(const struct audit_entry *e, void *arg), void *arg) DB_CHECKED;

#endif
