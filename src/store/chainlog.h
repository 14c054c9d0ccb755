/*
 * store/chainlog — what the store's hash-chained logs share (private to
 * src/store/): store/audit's trail (the chain "audit") and store/incidents'
 * log of each case ("case:<id>").  An entry's hash covers its fields and the
 * previous entry's hash (core/chain.h); each chain's head (its last entry's
 * number and hash) is kept in chain_heads, updated in the transaction that
 * appends, so that removing the newest entries is found too.  How an entry is
 * read and hashed is each log's own.
 */
#ifndef VIGIL_STORE_CHAINLOG_H
#define VIGIL_STORE_CHAINLOG_H

#include <stddef.h>
#include <stdint.h>

#include "core/chain.h"
#include "db/db.h"

/* Read chain's head: *last and hash; 1 found, 0 an empty chain (both
 * untouched), or negative. */
int chainlog_head(db *d, const char *chain, int64_t *last, char hash[CHAIN_HEX_LEN]) DB_CHECKED;

/* Before appending, in the caller's write transaction: lock chain
 * (db_lock_chain) and read its head, *last (0 when empty) and prev, the hash
 * the next entry links to (chain_genesis when empty).  1 when the chain has a
 * head, 0 when not, or negative. */
int chainlog_take(db *d, const char *chain, int64_t *last, char prev[CHAIN_HEX_LEN]) DB_CHECKED;
/* After appending entry last with hash: the head moved to it (had: what
 * chainlog_take answered).  0 or negative. */
int chainlog_move(db *d, const char *chain, int had, int64_t last, const char *hash) DB_CHECKED;

/*
 * Verifying a chain: chainlog_walk_begin() reads its head, then each entry,
 * in order, is given to chainlog_walk_entry() (or, one that cannot be read,
 * to chainlog_walk_unreadable()) until one answers 1, and chainlog_walk_end()
 * compares where the entries ended with the head.  An entry's number (an
 * audit entry's id, an incident's seq) counts from 1.
 */
struct chainlog_walk {
	int64_t checked; /* entries read */
	int64_t broken;  /* 0 while intact; else the number of the first that fails */
	char *reason;    /* the caller's: why it fails */
	size_t reasonlen;
	/* where the walk is */
	int have_head;
	int64_t head;
	char head_hash[CHAIN_HEX_LEN];
	int64_t expect;           /* the number the next entry must have */
	char prev[CHAIN_HEX_LEN]; /* the hash it must link to */
};
/* reason: where to say why it fails ("" while intact).  0 or negative. */
int chainlog_walk_begin(db *d, struct chainlog_walk *w, const char *chain, char *reason,
			size_t reasonlen) DB_CHECKED;
/* Entry n, which says it links to prev_hash and hashes to hash, whose content
 * hashes to computed: 0 when it follows, 1 (stop) at a break, said in w. */
int chainlog_walk_entry(struct chainlog_walk *w, int64_t n, const char *prev_hash,
			const char hash[CHAIN_HEX_LEN], const char *computed);
/* Entry n cannot be hashed, for why: 1 (stop), the chain broken there. */
int chainlog_walk_unreadable(struct chainlog_walk *w, int64_t n, const char *why);
/* After the last entry: 0 when the chain verifies, 1 when broken (said in w). */
int chainlog_walk_end(struct chainlog_walk *w);

#endif
