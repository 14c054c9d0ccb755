/*
 * store/chainlog — the heads of the hash chains and the walk that verifies
 * one.
 */
#include "store/chainlog.h"

#include <stdio.h>
#include <string.h>

struct head {
	int64_t *last;
	char *hash; /* CHAIN_HEX_LEN */
};

static void head_row(db_stmt *s, void *out)
{
	struct head *h = out;

	*h->last = db_column_int64(s, 0);
	snprintf(h->hash, CHAIN_HEX_LEN, "%s", db_column_text(s, 1));
}

int chainlog_head(db *d, const char *chain, int64_t *last, char hash[CHAIN_HEX_LEN])
{
	struct head h = { last, hash };

	return db_one(d, head_row, &h, "SELECT last_id, hash FROM chain_heads WHERE chain = ?", "t",
		      chain);
}

int chainlog_take(db *d, const char *chain, int64_t *last, char prev[CHAIN_HEX_LEN])
{
	int rc = db_lock_chain(d, chain), have;

	if (rc < 0)
		return rc;
	*last = 0;
	have = chainlog_head(d, chain, last, prev);
	if (have == 0)
		memcpy(prev, chain_genesis, CHAIN_HEX_LEN);
	return have;
}

int chainlog_move(db *d, const char *chain, int had, int64_t last, const char *hash)
{
	if (had)
		return db_run(d, "UPDATE chain_heads SET last_id = ?, hash = ? WHERE chain = ?",
			      "itt", last, hash, chain);
	return db_run(d, "INSERT INTO chain_heads (chain, last_id, hash) VALUES (?, ?, ?)", "tit",
		      chain, last, hash);
}

int chainlog_walk_begin(db *d, struct chainlog_walk *w, const char *chain, char *reason,
			size_t reasonlen)
{
	memset(w, 0, sizeof *w);
	w->reason = reason;
	w->reasonlen = reasonlen;
	reason[0] = '\0';
	w->expect = 1;
	memcpy(w->prev, chain_genesis, CHAIN_HEX_LEN);
	w->have_head = chainlog_head(d, chain, &w->head, w->head_hash);
	return w->have_head < 0 ? w->have_head : 0;
}

int chainlog_walk_entry(struct chainlog_walk *w, int64_t n, const char *prev_hash,
			const char hash[CHAIN_HEX_LEN], const char *computed)
{
	w->checked++;
	if (n != w->expect) {
		w->broken = n;
		snprintf(w->reason, w->reasonlen,
			 "entry %lld follows entry %lld: entries are missing", (long long)n,
			 (long long)w->expect - 1);
		return 1;
	}
	if (strcmp(prev_hash, w->prev) != 0) {
		w->broken = n;
		snprintf(w->reason, w->reasonlen,
			 "entry %lld does not link to the entry before it", (long long)n);
		return 1;
	}
	if (strcmp(computed, hash) != 0) {
		w->broken = n;
		snprintf(w->reason, w->reasonlen,
			 "entry %lld was altered: its content does not match its hash",
			 (long long)n);
		return 1;
	}
	memcpy(w->prev, hash, CHAIN_HEX_LEN);
	w->expect++;
	return 0;
}

int chainlog_walk_unreadable(struct chainlog_walk *w, int64_t n, const char *why)
{
	w->checked++;
	w->broken = n;
	snprintf(w->reason, w->reasonlen, "entry %lld %s", (long long)n, why);
	return 1;
}

int chainlog_walk_end(struct chainlog_walk *w)
{
	if (w->broken)
		return 1;
	if (!w->have_head && w->checked == 0)
		return 0;
	if (!w->have_head || w->head != w->expect - 1 || strcmp(w->head_hash, w->prev) != 0) {
		w->broken = w->expect;
		snprintf(w->reason, w->reasonlen,
			 "the chain head records entry %lld but the log ends at entry %lld: "
			 "entries were removed from the end",
			 (long long)w->head, (long long)w->expect - 1);
		return 1;
	}
	return 0;
}
