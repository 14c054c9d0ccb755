/*
 * store/incidents — SQL for the incident chains and attachments.
 */
#include "store/incidents.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "store/chainlog.h"
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

int incident_append(db *d, struct incident *e)
{
	char chain[40], *sealed[5] = { NULL, NULL, NULL, NULL, NULL };
	int64_t last = 0, id;
	int rc, have;

	chain_name(e->case_id, chain, sizeof chain);
	have = chainlog_take(d, chain, &last, e->prev_hash);
	if (have < 0)
		return have;
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
	/* recorded_by 0: not a user (the victim, through her app): NULL, hashed as 0 */
	rc = db_get_int64(d, &id,
			  "INSERT INTO incidents (case_id, seq, recorded_at, recorded_by,"
			  " recorded_by_name, occurred_at, occurred_until, place, behaviour,"
			  " description, witnesses, reporter, attachments, amends, amend_reason,"
			  " prev_hash, hash, salt)"
			  " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
			  " RETURNING id",
			  "iiiItiIttttttItttt", e->case_id, e->seq, e->recorded_at, e->recorded_by,
			  e->recorded_by_name, e->occurred_at, e->occurred_until, sealed[0],
			  e->behaviour, sealed[1], sealed[2], sealed[3], e->attachments, e->amends,
			  e->amend_reason, e->prev_hash, e->hash, sealed[4]);
	if (rc > 0)
		e->id = id;
	if (rc < 0)
		goto out;
	rc = chainlog_move(d, chain, have, e->seq, e->hash);
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

/* A row as read by incident_row, its sealed fields opened into opened[5]
 * (caller frees each): 0, or negative when they do not open. */
static int incident_read(db *d, db_stmt *s, struct incident *e, char *opened[5])
{
	incident_row(s, e);
	return incident_open(d, s, e, opened);
}

#define INCIDENTS_OF_CASE "SELECT " INCIDENT_COLS " FROM incidents WHERE case_id = ? ORDER BY seq"

struct incident_each {
	db *d;
	int (*fn)(const struct incident *e, void *arg);
	void *arg;
	int rc; /* an entry that did not open */
};

static int incident_each_row(db_stmt *s, void *arg)
{
	struct incident_each *x = arg;
	struct incident e;
	char *opened[5];
	int stop;

	x->rc = incident_read(x->d, s, &e, opened);
	if (x->rc < 0)
		return 1;
	stop = x->fn(&e, x->arg);
	for (int c = 0; c < 5; c++)
		free(opened[c]);
	return stop;
}

int incident_each(db *d, int64_t case_id, int (*fn)(const struct incident *e, void *arg),
		  void *arg)
{
	struct incident_each x = { d, fn, arg, 0 };
	int rc;

	rc = db_each(d, incident_each_row, &x, INCIDENTS_OF_CASE, "i", case_id);
	return rc < 0 ? rc : x.rc < 0 ? x.rc : 0;
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

/* The chain walked so far by incident_verify_in_tx. */
struct verify {
	db *d;
	struct chainlog_walk w;
};

/* db_each_fn: one entry checked against the one before; 1 (stop) at the
 * first break, said in the walk. */
static int verify_row(db_stmt *s, void *arg)
{
	struct verify *v = arg;
	char computed[CHAIN_HEX_LEN];
	struct incident e;
	char *opened[5];

	if (incident_read(v->d, s, &e, opened) < 0) {
		/* its hash cannot be computed: as good as altered */
		return chainlog_walk_unreadable(&v->w, e.seq,
						"was altered, or is sealed with a data key this "
						"file lacks: its sealed fields do not open");
	}
	entry_hash(&e, computed);
	for (int c = 0; c < 5; c++)
		free(opened[c]);
	return chainlog_walk_entry(&v->w, e.seq, e.prev_hash, e.hash, computed);
}

int incident_verify_in_tx(db *d, int64_t case_id, struct incident_verify_result *r)
{
	char chain[40];
	struct verify v = { .d = d };
	int rc;

	memset(r, 0, sizeof *r);
	chain_name(case_id, chain, sizeof chain);
	rc = chainlog_walk_begin(d, &v.w, chain, r->reason, sizeof r->reason);
	if (rc >= 0)
		rc = db_each(d, verify_row, &v, INCIDENTS_OF_CASE, "i", case_id);
	if (rc < 0)
		return rc;
	rc = chainlog_walk_end(&v.w);
	r->checked = v.w.checked;
	r->broken_seq = v.w.broken;
	return rc;
}

static void summary_row(db_stmt *s, void *out)
{
	struct incident_summary *x = out;

	x->count = db_column_int64(s, 0);
	x->first_at = db_column_int64(s, 1);
	x->last_at = db_column_int64(s, 2);
}

int incident_summary(db *d, int64_t case_id, struct incident_summary *out)
{
	int rc;

	memset(out, 0, sizeof *out);
	rc = db_one(d, summary_row, out,
		    "SELECT COUNT(*), MIN(occurred_at), MAX(occurred_at) FROM incidents"
		    " WHERE case_id = ? AND amends IS NULL",
		    "i", case_id);
	return rc < 0 ? rc : 0;
}

struct behaviour_each {
	int (*fn)(const char *behaviour, int64_t n, void *arg);
	void *arg;
};

static int behaviour_each_row(db_stmt *s, void *arg)
{
	struct behaviour_each *e = arg;

	return e->fn(db_column_text(s, 0), db_column_int64(s, 1), e->arg);
}

int incident_behaviours_each(db *d, int64_t case_id,
			     int (*fn)(const char *behaviour, int64_t n, void *arg), void *arg)
{
	struct behaviour_each e = { fn, arg };

	return db_each(d, behaviour_each_row, &e,
		       "SELECT behaviour, COUNT(*) FROM incidents WHERE case_id = ? AND amends IS NULL"
		       " GROUP BY behaviour ORDER BY behaviour",
		       "i", case_id);
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
	/* by 0: not a user (the victim, through her app): NULL */
	return db_run(d,
		      "INSERT INTO case_attachments (case_id, hash, filename, content_type,"
		      " uploaded_by, uploaded_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
		      "itttIi", case_id, hash, filename, content_type, by, clock_now_ms());
}

/* Where case_attachment_get puts what it read. */
struct attachment_out {
	char *filename, *content_type;
	size_t fnlen, ctlen;
	int64_t *size;
};

static void attachment_row(db_stmt *s, void *out)
{
	struct attachment_out *a = out;

	snprintf(a->filename, a->fnlen, "%s", db_column_text(s, 0));
	snprintf(a->content_type, a->ctlen, "%s", db_column_text(s, 1));
	*a->size = db_column_int64(s, 2);
}

int case_attachment_get(db *d, int64_t case_id, const char *hash, char *filename, size_t fnlen,
			char *content_type, size_t ctlen, int64_t *size)
{
	struct attachment_out a = { filename, content_type, fnlen, ctlen, size };

	return db_one(d, attachment_row, &a,
		      "SELECT ca.filename, ca.content_type, a.size FROM case_attachments ca"
		      " JOIN attachments a ON a.hash = ca.hash"
		      " WHERE ca.case_id = ? AND ca.hash = ?",
		      "it", case_id, hash);
}
