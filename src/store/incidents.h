/*
 * store/incidents — each case's incident log, append-only and hash-chained,
 * and the attachments (evidence files) its entries cite.
 *
 * An entry is never changed or removed: a correction is a new entry that
 * amends an earlier one (amends = that entry's seq, with a reason).  Each
 * entry's hash covers its fields and the previous entry's hash (core/chain.h);
 * the chain's head per case is kept in chain_heads as "case:<id>", updated in
 * the same transaction, so removing the newest entry is detected too.
 */
#ifndef VIGIL_STORE_INCIDENTS_H
#define VIGIL_STORE_INCIDENTS_H

#include <stdint.h>

#include "core/chain.h"
#include "db/db.h"

struct incident {
	int64_t id;
	int64_t case_id;
	int64_t seq;               /* position in the case's chain, from 1 */
	int64_t recorded_at;
	int64_t recorded_by;
	const char *recorded_by_name;
	int64_t occurred_at;
	int64_t occurred_until;    /* 0: a moment, not a range */
	const char *place;
	const char *behaviour;
	const char *description;
	const char *witnesses;     /* JSON array text, or NULL */
	const char *reporter;
	const char *attachments;   /* JSON array of attachment hashes, or NULL */
	int64_t amends;            /* seq of the entry corrected, 0: none */
	const char *amend_reason;
	char salt[33];             /* 16 random bytes as hex, hashed last; "" in entries
				    * recorded before encryption at rest */
	char prev_hash[CHAIN_HEX_LEN];
	char hash[CHAIN_HEX_LEN];
};

/* Append within the caller's write transaction; fills seq, recorded_at (if 0),
 * the salt and the hashes.  0 or negative.
 *
 * The place, description, witnesses and reporter are sealed (store/sealed.h),
 * and so is the salt: the hash covers the fields as written, and without a
 * secret among them anyone holding the database could try every address
 * against an entry's hash to find its place.  Entries are opened for the
 * callbacks below; one that does not open stops incident_each() with
 * DB_SEALED, and is where incident_verify() finds the chain broken. */
int incident_append(db *d, struct incident *e) DB_CHECKED;
/* Entries in order; the entry passed to fn is valid during the call only. */
int incident_each(db *d, int64_t case_id, int (*fn)(const struct incident *e, void *arg),
		  void *arg) DB_CHECKED;
/* 1 when an entry with this seq exists. */
int incident_exists(db *d, int64_t case_id, int64_t seq) DB_CHECKED;

struct incident_verify_result {
	int64_t checked;
	int64_t broken_seq; /* 0 when intact */
	char reason[200];
};
/* 0 intact, 1 broken (see r), negative on a database error. */
int incident_verify(db *d, int64_t case_id, struct incident_verify_result *r) DB_CHECKED;
/* The same, inside the caller's transaction. */
int incident_verify_in_tx(db *d, int64_t case_id, struct incident_verify_result *r) DB_CHECKED;

/* Summaries count incidents, not corrections: an amendment is not a new
 * incident. */
struct incident_summary {
	int64_t count;
	int64_t first_at, last_at;
};
int incident_summary(db *d, int64_t case_id, struct incident_summary *s) DB_CHECKED;
/* Count of incidents per behaviour across a case: calls fn(behaviour, n). */
int incident_behaviours_each(db *d, int64_t case_id,
			     int (*fn)(const char *behaviour, int64_t n, void *arg), void *arg) DB_CHECKED;

/* Attachments: the file is stored once by hash by the caller; these record it. */
int attachment_record(db *d, const char *hash, int64_t size) DB_CHECKED;
int case_attachment_add(db *d, int64_t case_id, const char *hash, const char *filename,
			const char *content_type, int64_t by) DB_CHECKED;
/* 1 when the case holds the attachment (fills filename/content_type/size). */
int case_attachment_get(db *d, int64_t case_id, const char *hash, char *filename, size_t fnlen,
			char *content_type, size_t ctlen, int64_t *size) DB_CHECKED;

#endif
