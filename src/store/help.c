/*
 * store/help — the triage queue of requests for help (see help.h).
 */
#include "store/help.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/mem.h"
#include "store/sealed.h"

/* db_rows() reader of an INSERT ... RETURNING id: the id into arg. */
static int returned_id(db_stmt *s, void *arg)
{
	*(int64_t *)arg = db_column_int64(s, 0);
	return 1;
}

int64_t help_request_insert(db *d, const struct help_request_in *in)
{
	int64_t id = 0;
	db_stmt *s;
	int rc;

	rc = db_query(d, &s,
		      "INSERT INTO help_requests (created_at, wants, fixated, obsessive, unwanted,"
		      " repeated) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
		      "it", clock_now_ms(), in->wants);
	if (rc < 0)
		return rc;
	/* "not sure" is NULL, and a no is 0: not db_bind_id's */
	for (int i = 0; i < 4; i++) {
		if (in->four[i] == HELP_UNSURE)
			db_bind_null(s, 3 + i);
		else
			db_bind_int64(s, 3 + i, in->four[i]);
	}
	rc = db_rows(s, returned_id, &id);
	if (rc >= 0)
		rc = sealed_update(d, "help_requests", "story", id, in->story);
	if (rc >= 0)
		rc = sealed_update(d, "help_requests", "contact", id, in->contact);
	if (rc >= 0)
		rc = sealed_update(d, "help_requests", "safe_times", id, in->safe_times);
	return rc < 0 ? rc : id;
}

void help_request_free(struct help_request *h)
{
	if (!h)
		return;
	free(h->story);
	free(h->contact);
	free(h->safe_times);
	free(h->outcome_note);
	memset(h, 0, sizeof *h);
}

#define COLS \
	"h.id, h.created_at, h.wants, h.fixated, h.obsessive, h.unwanted, h.repeated, h.story," \
	" h.contact, h.safe_times, h.state, c.ref, a.code, h.outcome_note, u.username," \
	" h.handled_at, h.version FROM help_requests h LEFT JOIN cases c ON c.id = h.case_id" \
	" LEFT JOIN agencies a ON a.id = h.agency_id LEFT JOIN users u ON u.id = h.handled_by"

static void copy(char *out, size_t n, db_stmt *s, int col)
{
	snprintf(out, n, "%s", db_column_is_null(s, col) ? "" : db_column_text(s, col));
}

static int open_col(db *d, db_stmt *s, int col, int64_t id, const char *name, char **out)
{
	char ad[SEALED_AD_MAX], what[48];

	snprintf(what, sizeof what, "help_requests.%s", name);
	sealed_ad(ad, what, id);
	return db_column_is_null(s, col) ? 0 : sealed_get(d, ad, db_column_text(s, col), out);
}

static int row(db *d, db_stmt *s, struct help_request *h)
{
	int rc;

	memset(h, 0, sizeof *h);
	h->id = db_column_int64(s, 0);
	h->created_at = db_column_int64(s, 1);
	copy(h->wants, sizeof h->wants, s, 2);
	for (int i = 0; i < 4; i++)
		h->four[i] = db_column_is_null(s, 3 + i) ? HELP_UNSURE : (int)db_column_int64(s, 3 + i);
	rc = open_col(d, s, 7, h->id, "story", &h->story);
	if (rc >= 0)
		rc = open_col(d, s, 8, h->id, "contact", &h->contact);
	if (rc >= 0)
		rc = open_col(d, s, 9, h->id, "safe_times", &h->safe_times);
	copy(h->state, sizeof h->state, s, 10);
	copy(h->case_ref, sizeof h->case_ref, s, 11);
	copy(h->agency, sizeof h->agency, s, 12);
	if (!db_column_is_null(s, 13))
		h->outcome_note = xstrdup(db_column_text(s, 13));
	copy(h->handled_by, sizeof h->handled_by, s, 14);
	h->handled_at = db_column_is_null(s, 15) ? 0 : db_column_int64(s, 15);
	h->version = db_column_int64(s, 16);
	if (rc < 0)
		help_request_free(h);
	return rc;
}

/* A row read by row() (it opens what is sealed, so it needs d), and what
 * that answered. */
struct help_read {
	db *d;
	struct help_request *h;
	int rc;
};

static void help_row(db_stmt *s, void *out)
{
	struct help_read *r = out;

	r->rc = row(r->d, s, r->h);
}

int help_request_get(db *d, int64_t id, struct help_request *out)
{
	struct help_read r = { d, out, 0 };
	int rc = db_one(d, help_row, &r, "SELECT " COLS " WHERE h.id = ?", "i", id);

	return rc == 1 && r.rc < 0 ? DB_SEALED : rc;
}

struct help_each_ctx {
	db *d;
	int (*fn)(const struct help_request *h, void *arg);
	void *arg;
	int rc; /* a row that did not open */
};

static int help_one(db_stmt *s, void *arg)
{
	struct help_each_ctx *c = arg;
	struct help_request h;
	struct help_read r = { c->d, &h, 0 };
	int stop;

	help_row(s, &r);
	if (r.rc < 0) {
		c->rc = r.rc;
		return 1;
	}
	stop = c->fn(&h, c->arg);
	help_request_free(&h);
	return stop;
}

int help_requests_each(db *d, const char *state, int limit,
		       int (*fn)(const struct help_request *h, void *arg), void *arg)
{
	struct help_each_ctx c = { d, fn, arg, 0 };
	int rc;

	/* new first, the oldest of them first (it has waited longest); then
	 * those decided, the latest first */
	if (state)
		rc = db_each(d, help_one, &c,
			     "SELECT " COLS " WHERE h.state = ? ORDER BY CASE WHEN h.state = 'new'"
			     " THEN h.created_at ELSE -h.created_at END LIMIT ?",
			     "ti", state, (int64_t)limit);
	else
		rc = db_each(d, help_one, &c,
			     "SELECT " COLS " ORDER BY CASE WHEN h.state = 'new'"
			     " THEN 0 ELSE 1 END, CASE WHEN h.state = 'new' THEN h.created_at"
			     " ELSE -h.created_at END LIMIT ?",
			     "i", (int64_t)limit);
	return rc < 0 ? rc : c.rc < 0 ? c.rc : 0;
}

int help_request_decide(db *d, int64_t id, int64_t version, const char *state, int64_t case_id,
			int64_t agency_id, const char *note, int64_t by)
{
	int rc = db_write(d,
			  "UPDATE help_requests SET state = ?, case_id = ?, agency_id = ?,"
			  " outcome_note = ?, handled_by = ?, handled_at = ?, version = version + 1"
			  " WHERE id = ? AND version = ? AND state = 'new'",
			  "tIItiiii", state, case_id, agency_id, note, by, clock_now_ms(), id,
			  version);

	return rc < 0 ? rc : rc > 0;
}

int64_t help_requests_waiting(db *d)
{
	int64_t n = 0;
	int rc = db_get_int64(d, &n, "SELECT COUNT(*) FROM help_requests WHERE state = 'new'", "");

	return rc < 0 ? rc : n;
}
