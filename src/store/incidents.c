/*
 * store/incidents — SQL for the incident chains and attachments.
 */
#include "store/incidents.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "store/sealed.h"

static void chain_name(int64_t case_id, char *out, size_t n)
{
	snprintf(out, n, "case:%lld", (long long)case_id);
}

static void entry_hash(const struct incident *e, char out[CHAIN_HEX_LEN])
{
	struct chain_hasher h;

	chain_begin(&h, e->prev_hash);
	chain_add_int(&h, e->case_id);
	chain_add_int(&h, e->seq);
	chain_add_int(&h, e->recorded_at);
	chain_add_int(&h, e->recorded_by);
	chain_add_text(&h, e->recorded_by_name);
	chain_add_int(&h, e->occurred_at);
	chain_add_int(&h, e->occurred_until);
	chain_add_text(&h, e->place);
	chain_add_text(&h, e->behaviour);
	chain_add_text(&h, e->description);
	chain_add_text(&h, e->witnesses);
	chain_add_text(&h, e->reporter);
	chain_add_text(&h, e->attachments);
	chain_add_int(&h, e->amends);
	chain_add_text(&h, e->amend_reason);
	if (e->salt[0]) /* entries from before have none, and hash as they did */
		chain_add_text(&h, e->salt);
	chain_end(&h, out);
}

/* The sealed fields of entry (case, seq): their associated data names the
 * column and the entry (its place in its chain, known before it is stored). */
static const char *const sealed_cols[5] = { "place", "description", "witnesses", "reporter",
					    "salt" };

static void incident_ad(char ad[SEALED_AD_MAX], int c, int64_t case_id, int64_t seq)
{
	char what[40];

	snprintf(what, sizeof what, "incidents.%s", sealed_cols[c]);
	sealed_ad2(ad, what, case_id, seq);
}

static int head_get(db *d, const char *chain, int64_t *last, char hash[CHAIN_HEX_LEN])
{
	db_stmt *s;
	int rc;

	rc = db_prepare(d, &s, "SELECT last_id, hash FROM chain_heads WHERE chain = ?");
	if (rc < 0)
		return rc;
	db_bind_text(s, 1, chain);
	rc = db_step(s);
	if (rc == DB_ROW) {
		*last = db_column_int64(s, 0);
		snprintf(hash, CHAIN_HEX_LEN, "%s", db_column_text(s, 1));
	}
	db_finalize(s);
	return rc < 0 ? rc : rc == DB_ROW;
}

int incident_append(db *d, struct incident *e)
{
	char chain[40], *sealed[5] = { NULL, NULL, NULL, NULL, NULL };
	int64_t last = 0;
	db_stmt *s;
	int rc, have;

	chain_name(e->case_id, chain, sizeof chain);
	rc = db_lock_chain(d, chain);
	if (rc < 0)
		return rc;
	have = head_get(d, chain, &last, e->prev_hash);
	if (have < 0)
		return have;
	if (!have)
		memcpy(e->prev_hash, chain_genesis, CHAIN_HEX_LEN);
	e->seq = last + 1;
	if (!e->recorded_at)
		e->recorded_at = clock_now_ms();
	{
		unsigned char salt[16];

		randombytes_buf(salt, sizeof salt);
		sodium_bin2hex(e->salt, sizeof e->salt, salt, sizeof salt);
	}
	entry_hash(e, e->hash);
	{
		const char *plain[5] = { e->place, e->description, e->witnesses, e->reporter, e->salt };
		char ad[SEALED_AD_MAX];

		for (int c = 0; c < 5; c++) {
			incident_ad(ad, c, e->case_id, e->seq);
			rc = sealed_put(d, ad, plain[c], &sealed[c]);
			if (rc < 0)
				goto out;
		}
	}
	rc = db_prepare(d, &s,
			"INSERT INTO incidents (case_id, seq, recorded_at, recorded_by, recorded_by_name,"
			" occurred_at, occurred_until, place, behaviour, description, witnesses,"
			" reporter, attachments, amends, amend_reason, prev_hash, hash, salt)"
			" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id");
	if (rc < 0)
		goto out;
	db_bind_int64(s, 1, e->case_id);
	db_bind_int64(s, 2, e->seq);
	db_bind_int64(s, 3, e->recorded_at);
	/* 0: not a user (the victim, through her app): NULL, hashed as 0 */
	if (e->recorded_by)
		db_bind_int64(s, 4, e->recorded_by);
	else
		db_bind_null(s, 4);
	db_bind_text(s, 5, e->recorded_by_name);
	db_bind_int64(s, 6, e->occurred_at);
	if (e->occurred_until)
		db_bind_int64(s, 7, e->occurred_until);
	else
		db_bind_null(s, 7);
	db_bind_text(s, 8, sealed[0]);
	db_bind_text(s, 9, e->behaviour);
	db_bind_text(s, 10, sealed[1]);
	db_bind_text(s, 11, sealed[2]);
	db_bind_text(s, 12, sealed[3]);
	db_bind_text(s, 13, e->attachments);
	if (e->amends)
		db_bind_int64(s, 14, e->amends);
	else
		db_bind_null(s, 14);
	db_bind_text(s, 15, e->amend_reason);
	db_bind_text(s, 16, e->prev_hash);
	db_bind_text(s, 17, e->hash);
	db_bind_text(s, 18, sealed[4]);
	rc = db_step(s);
	if (rc == DB_ROW)
		e->id = db_column_int64(s, 0);
	db_finalize(s);
	if (rc < 0)
		goto out;
	if (have)
		rc = db_run(d, "UPDATE chain_heads SET last_id = ?, hash = ? WHERE chain = ?", "itt",
			    e->seq, e->hash, chain);
	else
		rc = db_run(d, "INSERT INTO chain_heads (chain, last_id, hash) VALUES (?, ?, ?)", "tit",
			    chain, e->seq, e->hash);
out:
	for (int c = 0; c < 5; c++)
		free(sealed[c]);
	return rc;
}

#define INCIDENT_COLS                                                                        \
	"id, case_id, seq, recorded_at, recorded_by, recorded_by_name, occurred_at,"         \
	" occurred_until, place, behaviour, description, witnesses, reporter, attachments," \
	" amends, amend_reason, prev_hash, hash, salt"

static void incident_row(db_stmt *s, struct incident *e)
{
	e->id = db_column_int64(s, 0);
	e->case_id = db_column_int64(s, 1);
	e->seq = db_column_int64(s, 2);
	e->recorded_at = db_column_int64(s, 3);
	e->recorded_by = db_column_int64(s, 4);
	e->recorded_by_name = db_column_text(s, 5);
	e->occurred_at = db_column_int64(s, 6);
	e->occurred_until = db_column_int64(s, 7);
	e->place = db_column_text(s, 8);
	e->behaviour = db_column_text(s, 9);
	e->description = db_column_text(s, 10);
	e->witnesses = db_column_text(s, 11);
	e->reporter = db_column_text(s, 12);
	e->attachments = db_column_text(s, 13);
	e->amends = db_column_int64(s, 14);
	e->amend_reason = db_column_text(s, 15);
	snprintf(e->prev_hash, CHAIN_HEX_LEN, "%s", db_column_text(s, 16) ? db_column_text(s, 16) : "");
	snprintf(e->hash, CHAIN_HEX_LEN, "%s", db_column_text(s, 17) ? db_column_text(s, 17) : "");
	e->salt[0] = '\0';
}

/* Open an entry's sealed fields (the row as read by incident_row) into
 * opened[5] (caller frees each) and point e at them. */
static int incident_open(db *d, db_stmt *s, struct incident *e, char *opened[5])
{
	static const int cols[5] = { 8, 10, 11, 12, 18 };
	char ad[SEALED_AD_MAX];
	int rc = 0;

	for (int c = 0; c < 5; c++)
		opened[c] = NULL;
	for (int c = 0; c < 5 && rc >= 0; c++) {
		incident_ad(ad, c, e->case_id, e->seq);
		rc = sealed_get(d, ad, db_column_text(s, cols[c]), &opened[c]);
	}
	if (rc < 0) {
		for (int c = 0; c < 5; c++) {
			free(opened[c]);
			opened[c] = NULL;
		}
		return rc;
	}
	e->place = opened[0];
	e->description = opened[1];
	e->witnesses = opened[2];
	e->reporter = opened[3];
	snprintf(e->salt, sizeof e->salt, "%s", opened[4] ? opened[4] : "");
	return 0;
}

int incident_each(db *d, int64_t case_id, int (*fn)(const struct incident *e, void *arg),
		  void *arg)
{
	struct incident e;
	db_stmt *s;
	int rc;

	rc = db_prepare(d, &s, "SELECT " INCIDENT_COLS " FROM incidents WHERE case_id = ? ORDER BY seq");
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, case_id);
	while ((rc = db_step(s)) == DB_ROW) {
		char *opened[5];
		int stop;

		incident_row(s, &e);
		rc = incident_open(d, s, &e, opened);
		if (rc < 0)
			break;
		stop = fn(&e, arg);
		for (int c = 0; c < 5; c++)
			free(opened[c]);
		if (stop)
			break;
	}
	db_finalize(s);
	return rc < 0 ? rc : 0;
}

int incident_exists(db *d, int64_t case_id, int64_t seq)
{
	return db_exists(d, "SELECT 1 FROM incidents WHERE case_id = ? AND seq = ?",
			 "ii", case_id, seq);
}

int incident_verify(db *d, int64_t case_id, struct incident_verify_result *r)
{
	int rc = db_begin(d);

	if (rc < 0)
		return rc;
	rc = incident_verify_in_tx(d, case_id, r);
	db_rollback(d);
	return rc;
}

int incident_verify_in_tx(db *d, int64_t case_id, struct incident_verify_result *r)
{
	char prev[CHAIN_HEX_LEN], computed[CHAIN_HEX_LEN], head_hash[CHAIN_HEX_LEN], chain[40];
	int64_t expect = 1, head_seq = 0;
	struct incident e;
	db_stmt *s;
	int rc, have_head;

	memset(r, 0, sizeof *r);
	memcpy(prev, chain_genesis, CHAIN_HEX_LEN);
	chain_name(case_id, chain, sizeof chain);
	have_head = head_get(d, chain, &head_seq, head_hash);
	if (have_head < 0)
		return have_head;
	rc = db_prepare(d, &s, "SELECT " INCIDENT_COLS " FROM incidents WHERE case_id = ? ORDER BY seq");
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, case_id);
	while ((rc = db_step(s)) == DB_ROW) {
		char *opened[5];

		incident_row(s, &e);
		r->checked++;
		if (incident_open(d, s, &e, opened) < 0) {
			/* its hash cannot be computed: as good as altered */
			r->broken_seq = e.seq;
			snprintf(r->reason, sizeof r->reason,
				 "entry %lld was altered, or is sealed with a data key this file "
				 "lacks: its sealed fields do not open",
				 (long long)e.seq);
			rc = DB_DONE;
			break;
		}
		entry_hash(&e, computed);
		for (int c = 0; c < 5; c++)
			free(opened[c]);
		if (e.seq != expect) {
			r->broken_seq = e.seq;
			snprintf(r->reason, sizeof r->reason,
				 "entry %lld follows entry %lld: entries are missing", (long long)e.seq,
				 (long long)expect - 1);
			break;
		}
		if (strcmp(e.prev_hash, prev) != 0) {
			r->broken_seq = e.seq;
			snprintf(r->reason, sizeof r->reason,
				 "entry %lld does not link to the entry before it", (long long)e.seq);
			break;
		}
		if (strcmp(computed, e.hash) != 0) {
			r->broken_seq = e.seq;
			snprintf(r->reason, sizeof r->reason,
				 "entry %lld was altered: its content does not match its hash",
				 (long long)e.seq);
			break;
		}
		memcpy(prev, e.hash, CHAIN_HEX_LEN);
		expect++;
	}
	db_finalize(s);
	if (rc < 0)
		return rc;
	if (r->broken_seq)
		return 1;
	if (!have_head && r->checked == 0)
		return 0;
	if (!have_head || head_seq != expect - 1 || strcmp(head_hash, prev) != 0) {
		r->broken_seq = expect;
		snprintf(r->reason, sizeof r->reason,
			 "the chain head records entry %lld but the log ends at entry %lld: entries "
			 "were removed from the end",
			 (long long)head_seq, (long long)expect - 1);
		return 1;
	}
	return 0;
}

int incident_summary(db *d, int64_t case_id, struct incident_summary *out)
{
	db_stmt *s;
	int rc;

	memset(out, 0, sizeof *out);
	rc = db_prepare(d, &s,
			"SELECT COUNT(*), MIN(occurred_at), MAX(occurred_at) FROM incidents"
			" WHERE case_id = ? AND amends IS NULL");
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, case_id);
	rc = db_step(s);
	if (rc == DB_ROW) {
		out->count = db_column_int64(s, 0);
		out->first_at = db_column_int64(s, 1);
		out->last_at = db_column_int64(s, 2);
	}
	db_finalize(s);
	return rc < 0 ? rc : 0;
}

int incident_behaviours_each(db *d, int64_t case_id,
			     int (*fn)(const char *behaviour, int64_t n, void *arg), void *arg)
{
	db_stmt *s;
	int rc;

	rc = db_prepare(d, &s,
			"SELECT behaviour, COUNT(*) FROM incidents WHERE case_id = ? AND amends IS NULL"
			" GROUP BY behaviour ORDER BY behaviour");
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, case_id);
	while ((rc = db_step(s)) == DB_ROW)
		if (fn(db_column_text(s, 0), db_column_int64(s, 1), arg))
			break;
	db_finalize(s);
	return rc < 0 ? rc : 0;
}

int attachment_record(db *d, const char *hash, int64_t size)
{
	return db_run(d,
		      "INSERT INTO attachments (hash, size, created_at) VALUES (?, ?, ?)"
		      " ON CONFLICT DO NOTHING",
		      "tii", hash, size, clock_now_ms());
}

int case_attachment_add(db *d, int64_t case_id, const char *hash, const char *filename,
			const char *content_type, int64_t by)
{
	/* by 0: not a user (the victim, through her app) */
	if (!by)
		return db_run(d,
			      "INSERT INTO case_attachments (case_id, hash, filename, content_type,"
			      " uploaded_by, uploaded_at) VALUES (?, ?, ?, ?, ?, ?)"
			      " ON CONFLICT DO NOTHING",
			      "itttni", case_id, hash, filename, content_type, clock_now_ms());
	return db_run(d,
		      "INSERT INTO case_attachments (case_id, hash, filename, content_type,"
		      " uploaded_by, uploaded_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
		      "ittti" "i", case_id, hash, filename, content_type, by, clock_now_ms());
}

int case_attachment_get(db *d, int64_t case_id, const char *hash, char *filename, size_t fnlen,
			char *content_type, size_t ctlen, int64_t *size)
{
	db_stmt *s;
	int rc;

	rc = db_prepare(d, &s,
			"SELECT ca.filename, ca.content_type, a.size FROM case_attachments ca"
			" JOIN attachments a ON a.hash = ca.hash WHERE ca.case_id = ? AND ca.hash = ?");
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, case_id);
	db_bind_text(s, 2, hash);
	rc = db_step(s);
	if (rc == DB_ROW) {
		snprintf(filename, fnlen, "%s", db_column_text(s, 0));
		snprintf(content_type, ctlen, "%s", db_column_text(s, 1));
		*size = db_column_int64(s, 2);
	}
	db_finalize(s);
	return rc < 0 ? rc : rc == DB_ROW;
}
