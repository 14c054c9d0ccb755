/*
 * store/audit — appending to and verifying the audit chain.
 */
#include "store/audit.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/mem.h"
#include "store/chainlog.h"
#include "store/each.h"

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

int audit_append(db *d, struct audit_entry *e)
{
	int64_t last_id;
	int rc, have;

	have = chainlog_take(d, CHAIN, &last_id, e->prev_hash);
	if (have < 0)
		return have;
	e->id = last_id + 1;
	if (!e->at)
		e->at = clock_now_ms();
	entry_hash(e, e->hash);

	rc = db_run(d,
		    "INSERT INTO audit_log (id, at, user_id, username, agency, action, object,"
		    " outcome, status, client_addr, detail, prev_hash, hash, token_id)"
		    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		    "iiitttttittttI", e->id, e->at, e->user_id, e->username, e->agency, e->action,
		    e->object, e->outcome, (int64_t)e->status, e->client_addr, e->detail,
		    e->prev_hash, e->hash, e->token_id);
	if (rc < 0)
		return rc;
	return chainlog_move(d, CHAIN, have, e->id, e->hash);
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

/* A text column into a buffer of n bytes, "" for NULL. */
static void text_col(db_stmt *s, int col, char *out, size_t n)
{
	snprintf(out, n, "%s", db_column_text(s, col) ? db_column_text(s, col) : "");
}

static void entry_row(db_stmt *s, void *out)
{
	struct audit_entry *e = out;

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
	text_col(s, 11, e->prev_hash, sizeof e->prev_hash);
	text_col(s, 12, e->hash, sizeof e->hash);
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

/* db_each_fn: one entry checked against the one before; 1 (stop) at the
 * first break, said in the walk. */
static int verify_row(db_stmt *s, void *arg)
{
	char computed[CHAIN_HEX_LEN];
	struct audit_entry e;

	entry_row(s, &e);
	entry_hash(&e, computed);
	return chainlog_walk_entry(arg, e.id, e.prev_hash, e.hash, computed);
}

int audit_verify_in_tx(db *d, struct audit_verify_result *r)
{
	struct chainlog_walk w;
	int rc;

	memset(r, 0, sizeof *r);
	rc = chainlog_walk_begin(d, &w, CHAIN, r->reason, sizeof r->reason);
	if (rc >= 0)
		rc = db_each(d, verify_row, &w, "SELECT " AUDIT_COLS " FROM audit_log ORDER BY id",
			     "");
	if (rc < 0)
		return rc;
	rc = chainlog_walk_end(&w);
	r->checked = w.checked;
	r->broken_id = w.broken;
	return rc;
}

STORE_EACH(entry_each, struct audit_entry, entry_row);

int audit_each(db *d, const struct audit_filter *f,
	       int (*fn)(const struct audit_entry *e, void *arg), void *arg)
{
	struct entry_each x = { fn, arg, 0 };

	/* Each filter is "(? IS NULL OR col = ?)" with the value bound twice, so one
	 * fixed statement serves every combination of filters. */
	return db_each(d, entry_each_row, &x,
		       "SELECT " AUDIT_COLS " FROM audit_log WHERE"
		       " (CAST(? AS TEXT) IS NULL OR username = ?)"
		       " AND (CAST(? AS TEXT) IS NULL OR action = ?)"
		       " AND (CAST(? AS TEXT) IS NULL OR outcome = ?)"
		       " AND (CAST(? AS TEXT) IS NULL OR object = ?)"
		       " AND (? = 0 OR at >= ?) AND (? = 0 OR at < ?)"
		       " AND (? = 0 OR id < ?)"
		       " AND (? = 0 OR agency = ? OR (? = 1 AND agency IS NULL)"
		       "  OR object IN (SELECT 'case:' || ref FROM cases WHERE agency_id = ?)"
		       "  OR object IN (SELECT 'device:' || uid FROM devices WHERE agency_id = ?)"
		       "  OR object IN (SELECT 'alert:' || CAST(a.id AS TEXT) FROM alerts a"
		       "   JOIN cases c ON c.id = a.case_id WHERE c.agency_id = ?))"
		       " ORDER BY id DESC LIMIT ?",
		       "ttttttttiiiiiiitiiiii", f->username, f->username, f->action, f->action,
		       f->outcome, f->outcome, f->object, f->object, f->from, f->from, f->to, f->to,
		       f->before_id, f->before_id, f->agency_id, f->agency ? f->agency : "",
		       (int64_t)(f->unattributed ? 1 : 0), f->agency_id, f->agency_id, f->agency_id,
		       (int64_t)f->limit);
}

/* ---- signed checkpoints ---------------------------------------------------------- */

/* The newest checkpoint a key really signed, looked for newest first. */
struct newest_signed {
	const char *pk_hex;
	int64_t newest;
};

static int newest_signed_row(db_stmt *s, void *arg)
{
	struct newest_signed *n = arg;
	const char *h = db_column_text(s, 2), *sig = db_column_text(s, 3);

	if (h && sig &&
	    chain_checkpoint_verify(n->pk_hex, CHAIN, db_column_int64(s, 1), h,
				    db_column_int64(s, 0), sig)) {
		n->newest = db_column_int64(s, 1);
		return 1;
	}
	return 0;
}

int audit_checkpoint_make(db *d, const unsigned char *sk, const char *pk_hex, int64_t at,
			  struct audit_checkpoint *out)
{
	struct newest_signed n = { pk_hex, 0 };
	int64_t id;
	int rc, have;

	memset(out, 0, sizeof *out);
	rc = db_begin_write(d);
	if (rc < 0)
		return rc;
	rc = db_lock_chain(d, CHAIN);
	have = rc < 0 ? rc : chainlog_head(d, CHAIN, &out->last_id, out->hash);
	if (have <= 0) {
		db_rollback(d);
		return have;
	}
	/* the newest checkpoint this key really signed: a forged row with a
	 * high entry number must not stop the signing */
	rc = db_each(d, newest_signed_row, &n,
		     "SELECT at, last_id, hash, signature FROM audit_checkpoints"
		     " WHERE public_key = ? ORDER BY last_id DESC",
		     "t", pk_hex);
	if (rc < 0 || n.newest >= out->last_id) {
		db_rollback(d);
		if (rc >= 0 && n.newest > out->last_id) {
			/* the head is below an entry we signed for: cut */
			out->last_id = n.newest;
			return AUDIT_CUT;
		}
		return rc < 0 ? rc : 0;
	}
	out->at = at;
	snprintf(out->public_key, sizeof out->public_key, "%s", pk_hex);
	chain_checkpoint_sign(sk, CHAIN, out->last_id, out->hash, at, out->signature);
	rc = db_get_int64(d, &id,
			  "INSERT INTO audit_checkpoints (at, last_id, hash, public_key, signature)"
			  " VALUES (?, ?, ?, ?, ?) RETURNING id",
			  "iittt", out->at, out->last_id, out->hash, out->public_key,
			  out->signature);
	if (rc > 0)
		out->id = id;
	if (rc >= 0)
		rc = db_commit(d);
	if (rc < 0) {
		db_rollback(d);
		return rc;
	}
	return 1;
}

static void checkpoint_row(db_stmt *s, void *out)
{
	struct audit_checkpoint *c = out;

	c->id = db_column_int64(s, 0);
	c->at = db_column_int64(s, 1);
	c->last_id = db_column_int64(s, 2);
	text_col(s, 3, c->hash, sizeof c->hash);
	text_col(s, 4, c->public_key, sizeof c->public_key);
	text_col(s, 5, c->signature, sizeof c->signature);
}

STORE_EACH(checkpoint_each, struct audit_checkpoint, checkpoint_row);

int audit_checkpoint_each(db *d, int (*fn)(const struct audit_checkpoint *c, void *arg),
			  void *arg)
{
	struct checkpoint_each x = { fn, arg, 0 };

	return db_each(d, checkpoint_each_row, &x,
		       "SELECT id, at, last_id, hash, public_key, signature FROM audit_checkpoints"
		       " ORDER BY id",
		       "");
}

void audit_checkpoint_line(const struct audit_checkpoint *c, char *out, size_t outlen)
{
	snprintf(out, outlen, "vigil-checkpoint v1 %s %lld %lld %s %s %s\n", CHAIN, (long long)c->at,
		 (long long)c->last_id, c->hash, c->public_key, c->signature);
}

int audit_checkpoint_parse(const char *line, struct audit_checkpoint *out)
{
	char chain[16], hash[CHAIN_HEX_LEN], pk[CHAIN_PK_HEX_LEN], sig[CHAIN_SIG_HEX_LEN];
	long long at, last;

	memset(out, 0, sizeof *out);
	if (sscanf(line, "vigil-checkpoint v1 %15s %lld %lld %64s %64s %128s", chain, &at, &last, hash,
		   pk, sig) != 6 ||
	    strcmp(chain, CHAIN) != 0 || last < 1 || !chain_hex_valid(hash))
		return -1;
	out->at = at;
	out->last_id = last;
	memcpy(out->hash, hash, sizeof hash);
	memcpy(out->public_key, pk, sizeof pk);
	memcpy(out->signature, sig, sizeof sig);
	return 0;
}

struct cp_check {
	db *d;
	const char *const *trusted;
	size_t ntrusted;
	struct audit_checkpoint_result *r;
	const char *where; /* "checkpoint" or "the checkpoint file's line" */
	int err;
};

/* db_row_fn: an entry's hash into a buffer of CHAIN_HEX_LEN. */
static void hash_row(db_stmt *s, void *out)
{
	text_col(s, 0, out, CHAIN_HEX_LEN);
}

static int check_checkpoint(const struct audit_checkpoint *c, void *arg)
{
	struct cp_check *x = arg;
	struct audit_checkpoint_result *r = x->r;
	char hash[CHAIN_HEX_LEN] = "";
	bool signed_ok = false;
	int rc;

	r->checked++;
	if (!x->ntrusted)
		signed_ok = chain_checkpoint_verify(c->public_key, CHAIN, c->last_id, c->hash, c->at,
						    c->signature);
	for (size_t k = 0; k < x->ntrusted && !signed_ok; k++)
		signed_ok = chain_checkpoint_verify(x->trusted[k], CHAIN, c->last_id, c->hash, c->at,
						    c->signature);
	if (!signed_ok) {
		r->broken_id = c->last_id;
		snprintf(r->reason, sizeof r->reason,
			 "a %s for entry %lld is not signed by %s: it was forged or altered",
			 x->where, (long long)c->last_id, x->ntrusted ? "the audit key" : "the key it names");
		return 1;
	}
	rc = db_one(x->d, hash_row, hash, "SELECT hash FROM audit_log WHERE id = ?", "i",
		    c->last_id);
	if (rc < 0) {
		x->err = rc;
		return 1;
	}
	if (!rc || strcmp(hash, c->hash) != 0) {
		r->broken_id = c->last_id;
		snprintf(r->reason, sizeof r->reason,
			 "entry %lld, vouched for by a signed %s, %s: the trail was cut back or "
			 "rewritten after it",
			 (long long)c->last_id, x->where, !rc ? "is missing" : "differs from it");
		return 1;
	}
	if (c->last_id > r->newest_id) {
		r->newest_id = c->last_id;
		r->newest_at = c->at;
	}
	return 0;
}

int audit_verify_checkpoints(db *d, const char *const *trusted, size_t ntrusted,
			     const struct audit_checkpoint *extra, size_t n,
			     struct audit_checkpoint_result *r)
{
	struct cp_check x = { d, trusted, ntrusted, r, "checkpoint", 0 };
	int rc;

	memset(r, 0, sizeof *r);
	rc = db_begin(d);
	if (rc < 0)
		return rc;
	rc = audit_checkpoint_each(d, check_checkpoint, &x);
	x.where = "checkpoint in the checkpoint file";
	for (size_t i = 0; rc >= 0 && !x.err && !r->broken_id && i < n; i++)
		check_checkpoint(&extra[i], &x);
	db_rollback(d);
	if (rc < 0)
		return rc;
	if (x.err)
		return x.err;
	return r->broken_id ? 1 : 0;
}

int audit_checkpoint_file_append(const char *path, const struct audit_checkpoint *c, char *err,
				 size_t errlen)
{
	char line[512];
	size_t len;
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);

	if (fd < 0) {
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	audit_checkpoint_line(c, line, sizeof line);
	len = strlen(line);
	if (write(fd, line, len) != (ssize_t)len || fsync(fd) != 0) {
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

int audit_checkpoint_file_load(const char *path, struct audit_checkpoint **out, size_t *n,
			       char *err, size_t errlen)
{
	char line[512];
	size_t cap = 0, lineno = 0;
	FILE *f = fopen(path, "re");

	*out = NULL;
	*n = 0;
	if (!f) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof line, f)) {
		lineno++;
		if (line[0] == '\n' || line[0] == '#')
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 64;
			*out = xrealloc(*out, cap * sizeof **out);
		}
		if (audit_checkpoint_parse(line, &(*out)[*n]) < 0) {
			snprintf(err, errlen, "%s line %zu is not a checkpoint", path, lineno);
			fclose(f);
			free(*out);
			*out = NULL;
			*n = 0;
			return -1;
		}
		(*n)++;
	}
	fclose(f);
	return 0;
}
