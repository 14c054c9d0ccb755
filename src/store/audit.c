/*
 * store/audit — appending to and verifying the audit chain.
 */
#include "store/audit.h"

#include <stdio.h>
#include <string.h>

#include "base/clock.h"

static const char CHAIN[] = "audit";

static void entry_hash(const struct audit_entry *e, char out[CHAIN_HEX_LEN])
{
	struct chain_hasher h;

	chain_begin(&h, e->prev_hash);
	chain_add_int(&h, e->id);
	chain_add_int(&h, e->at);
	chain_add_int(&h, e->user_id);
	chain_add_text(&h, e->username);
	chain_add_text(&h, e->agency);
	chain_add_text(&h, e->action);
	chain_add_text(&h, e->object);
	chain_add_text(&h, e->outcome);
	chain_add_int(&h, e->status);
	chain_add_text(&h, e->client_addr);
	chain_add_text(&h, e->detail);
	/* added in schema 8: hashed only when set, so older entries verify */
	if (e->token_id)
		chain_add_int(&h, e->token_id);
	chain_end(&h, out);
}

/* Read the chain head: 1 found, 0 empty chain. */
static int head_get(db *d, int64_t *last_id, char hash[CHAIN_HEX_LEN])
{
	db_stmt *s;
	int rc;

	rc = db_prepare(d, &s, "SELECT last_id, hash FROM chain_heads WHERE chain = ?");
	if (rc < 0)
		return rc;
	db_bind_text(s, 1, CHAIN);
	rc = db_step(s);
	if (rc == DB_ROW) {
		*last_id = db_column_int64(s, 0);
		snprintf(hash, CHAIN_HEX_LEN, "%s", db_column_text(s, 1));
	}
	db_finalize(s);
	return rc < 0 ? rc : rc == DB_ROW;
}

int audit_append(db *d, struct audit_entry *e)
{
	int64_t last_id = 0;
	db_stmt *s;
	int rc, have;

	rc = db_lock_chain(d, CHAIN);
	if (rc < 0)
		return rc;
	have = head_get(d, &last_id, e->prev_hash);
	if (have < 0)
		return have;
	if (!have)
		memcpy(e->prev_hash, chain_genesis, CHAIN_HEX_LEN);
	e->id = last_id + 1;
	if (!e->at)
		e->at = clock_now_ms();
	entry_hash(e, e->hash);

	rc = db_prepare(d, &s,
			"INSERT INTO audit_log (id, at, user_id, username, agency, action, object,"
			" outcome, status, client_addr, detail, prev_hash, hash, token_id)"
			" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, e->id);
	db_bind_int64(s, 2, e->at);
	db_bind_int64(s, 3, e->user_id);
	db_bind_text(s, 4, e->username);
	db_bind_text(s, 5, e->agency);
	db_bind_text(s, 6, e->action);
	db_bind_text(s, 7, e->object);
	db_bind_text(s, 8, e->outcome);
	db_bind_int64(s, 9, e->status);
	db_bind_text(s, 10, e->client_addr);
	db_bind_text(s, 11, e->detail);
	db_bind_text(s, 12, e->prev_hash);
	db_bind_text(s, 13, e->hash);
	if (e->token_id)
		db_bind_int64(s, 14, e->token_id);
	else
		db_bind_null(s, 14);
	rc = db_step(s);
	db_finalize(s);
	if (rc < 0)
		return rc;
	if (have)
		return db_run(d, "UPDATE chain_heads SET last_id = ?, hash = ? WHERE chain = ?",
			      "itt", e->id, e->hash, CHAIN);
	return db_run(d, "INSERT INTO chain_heads (chain, last_id, hash) VALUES (?, ?, ?)", "tit",
		      CHAIN, e->id, e->hash);
}

int audit_record(db *d, struct audit_entry *e)
{
	int rc = db_begin_write(d);

	if (rc < 0)
		return rc;
	rc = audit_append(d, e);
	if (rc < 0) {
		db_rollback(d);
		return rc;
	}
	rc = db_commit(d);
	if (rc < 0)
		db_rollback(d);
	return rc;
}

#define AUDIT_COLS                                                                      \
	"id, at, user_id, username, agency, action, object, outcome, status, client_addr," \
	" detail, prev_hash, hash, token_id"

static void entry_row(db_stmt *s, struct audit_entry *e)
{
	e->id = db_column_int64(s, 0);
	e->at = db_column_int64(s, 1);
	e->user_id = db_column_int64(s, 2);
	e->username = db_column_text(s, 3);
	e->agency = db_column_text(s, 4);
	e->action = db_column_text(s, 5);
	e->object = db_column_text(s, 6);
	e->outcome = db_column_text(s, 7);
	e->status = (int)db_column_int64(s, 8);
	e->client_addr = db_column_text(s, 9);
	e->detail = db_column_text(s, 10);
	snprintf(e->prev_hash, CHAIN_HEX_LEN, "%s", db_column_text(s, 11) ? db_column_text(s, 11) : "");
	snprintf(e->hash, CHAIN_HEX_LEN, "%s", db_column_text(s, 12) ? db_column_text(s, 12) : "");
	e->token_id = db_column_int64(s, 13);
}

int audit_verify(db *d, struct audit_verify_result *r)
{
	/* One read transaction, so that appends made meanwhile do not look like
	 * a mismatch between the rows and the head. */
	int rc = db_begin(d);

	if (rc < 0)
		return rc;
	rc = audit_verify_in_tx(d, r);
	db_rollback(d);
	return rc;
}

int audit_verify_in_tx(db *d, struct audit_verify_result *r)
{
	char expect_prev[CHAIN_HEX_LEN], computed[CHAIN_HEX_LEN], head_hash[CHAIN_HEX_LEN];
	int64_t expect_id = 1, head_id = 0;
	struct audit_entry e;
	db_stmt *s;
	int rc, have_head;

	memset(r, 0, sizeof *r);
	memcpy(expect_prev, chain_genesis, CHAIN_HEX_LEN);
	have_head = head_get(d, &head_id, head_hash);
	if (have_head < 0)
		return have_head;
	rc = db_prepare(d, &s, "SELECT " AUDIT_COLS " FROM audit_log ORDER BY id");
	if (rc < 0)
		return rc;
	while ((rc = db_step(s)) == DB_ROW) {
		entry_row(s, &e);
		r->checked++;
		if (e.id != expect_id) {
			r->broken_id = e.id;
			snprintf(r->reason, sizeof r->reason,
				 "entry %lld follows entry %lld: entries are missing",
				 (long long)e.id, (long long)expect_id - 1);
			break;
		}
		if (strcmp(e.prev_hash, expect_prev) != 0) {
			r->broken_id = e.id;
			snprintf(r->reason, sizeof r->reason,
				 "entry %lld does not link to the entry before it", (long long)e.id);
			break;
		}
		entry_hash(&e, computed);
		if (strcmp(computed, e.hash) != 0) {
			r->broken_id = e.id;
			snprintf(r->reason, sizeof r->reason,
				 "entry %lld was altered: its content does not match its hash",
				 (long long)e.id);
			break;
		}
		memcpy(expect_prev, e.hash, CHAIN_HEX_LEN);
		expect_id++;
	}
	db_finalize(s);
	if (rc < 0)
		return rc;
	if (r->broken_id)
		return 1;
	if (!have_head && r->checked == 0)
		return 0;
	if (!have_head || head_id != expect_id - 1 || strcmp(head_hash, expect_prev) != 0) {
		r->broken_id = expect_id;
		snprintf(r->reason, sizeof r->reason,
			 "the chain head records entry %lld but the log ends at entry %lld: "
			 "entries were removed from the end",
			 (long long)head_id, (long long)expect_id - 1);
		return 1;
	}
	return 0;
}

int audit_each(db *d, const struct audit_filter *f,
	       int (*fn)(const struct audit_entry *e, void *arg), void *arg)
{
	struct audit_entry e;
	db_stmt *s;
	int rc;

	/* Each filter is "(? IS NULL OR col = ?)" with the value bound twice, so one
	 * fixed statement serves every combination of filters. */
	rc = db_prepare(d, &s,
			"SELECT " AUDIT_COLS " FROM audit_log WHERE"
			" (CAST(? AS TEXT) IS NULL OR username = ?)"
			" AND (CAST(? AS TEXT) IS NULL OR action = ?)"
			" AND (CAST(? AS TEXT) IS NULL OR outcome = ?)"
			" AND (CAST(? AS TEXT) IS NULL OR object = ?)"
			" AND (? = 0 OR at >= ?) AND (? = 0 OR at < ?)"
			" AND (? = 0 OR id < ?)"
			" ORDER BY id DESC LIMIT ?");
	if (rc < 0)
		return rc;
	db_bind_text(s, 1, f->username);
	db_bind_text(s, 2, f->username);
	db_bind_text(s, 3, f->action);
	db_bind_text(s, 4, f->action);
	db_bind_text(s, 5, f->outcome);
	db_bind_text(s, 6, f->outcome);
	db_bind_text(s, 7, f->object);
	db_bind_text(s, 8, f->object);
	db_bind_int64(s, 9, f->from);
	db_bind_int64(s, 10, f->from);
	db_bind_int64(s, 11, f->to);
	db_bind_int64(s, 12, f->to);
	db_bind_int64(s, 13, f->before_id);
	db_bind_int64(s, 14, f->before_id);
	db_bind_int64(s, 15, f->limit);
	while ((rc = db_step(s)) == DB_ROW) {
		entry_row(s, &e);
		if (fn(&e, arg))
			break;
	}
	db_finalize(s);
	return rc < 0 ? rc : 0;
}
