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

int64_t help_request_insert(db *d, const struct help_request_in *in)
{
	int64_t id = 0;
	db_stmt *s;
	int rc;

	rc = db_prepare(d, &s,
			"INSERT INTO help_requests (created_at, wants, fixated, obsessive, unwanted,"
			" repeated) VALUES (?, ?, ?, ?, ?, ?) RETURNING id");
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, clock_now_ms());
	db_bind_text(s, 2, in->wants);
	for (int i = 0; i < 4; i++) {
		if (in->four[i] == HELP_UNSURE)
			db_bind_null(s, 3 + i);
		else
			db_bind_int64(s, 3 + i, in->four[i]);
	}
	rc = db_step(s);
	if (rc == DB_ROW)
		id = db_column_int64(s, 0);
	db_finalize(s);
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

int help_request_get(db *d, int64_t id, struct help_request *out)
{
	db_stmt *s;
	int rc;

	rc = db_prepare(d, &s, "SELECT " COLS " WHERE h.id = ?");
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, id);
	rc = db_step(s);
	if (rc == DB_ROW)
		rc = row(d, s, out) < 0 ? DB_SEALED : 1;
	else if (rc == DB_DONE)
		rc = 0;
	db_finalize(s);
	return rc;
}

int help_requests_each(db *d, const char *state, int limit,
		       int (*fn)(const struct help_request *h, void *arg), void *arg)
{
	db_stmt *s;
	int rc;

	/* new first, the oldest of them first (it has waited longest); then
	 * those decided, the latest first */
	rc = db_prepare(d, &s,
			state ? "SELECT " COLS " WHERE h.state = ? ORDER BY CASE WHEN h.state = 'new'"
				" THEN h.created_at ELSE -h.created_at END LIMIT ?"
			      : "SELECT " COLS " ORDER BY CASE WHEN h.state = 'new'"
				" THEN 0 ELSE 1 END, CASE WHEN h.state = 'new' THEN h.created_at"
				" ELSE -h.created_at END LIMIT ?");
	if (rc < 0)
		return rc;
	if (state)
		db_bind_text(s, 1, state);
	db_bind_int64(s, state ? 2 : 1, limit);
	while ((rc = db_step(s)) == DB_ROW) {
		struct help_request h;
		int stop;

		rc = row(d, s, &h);
		if (rc < 0)
			break;
		stop = fn(&h, arg);
		help_request_free(&h);
		if (stop)
			break;
	}
	db_finalize(s);
	return rc < 0 ? rc : 0;
}

int help_request_decide(db *d, int64_t id, int64_t version, const char *state, int64_t case_id,
			int64_t agency_id, const char *note, int64_t by)
{
	db_stmt *s;
	int rc;

	rc = db_prepare(d, &s,
			"UPDATE help_requests SET state = ?, case_id = ?, agency_id = ?, outcome_note = ?,"
			" handled_by = ?, handled_at = ?, version = version + 1"
			" WHERE id = ? AND version = ? AND state = 'new'");
	if (rc < 0)
		return rc;
	db_bind_text(s, 1, state);
	if (case_id)
		db_bind_int64(s, 2, case_id);
	else
		db_bind_null(s, 2);
	if (agency_id)
		db_bind_int64(s, 3, agency_id);
	else
		db_bind_null(s, 3);
	db_bind_text(s, 4, note);
	db_bind_int64(s, 5, by);
	db_bind_int64(s, 6, clock_now_ms());
	db_bind_int64(s, 7, id);
	db_bind_int64(s, 8, version);
	rc = db_step(s);
	if (rc >= 0)
		rc = db_changes(s) > 0;
	db_finalize(s);
	return rc;
}

int64_t help_requests_waiting(db *d)
{
	db_stmt *s;
	int64_t n = 0;
	int rc;

	rc = db_prepare(d, &s, "SELECT COUNT(*) FROM help_requests WHERE state = 'new'");
	if (rc < 0)
		return rc;
	rc = db_step(s);
	if (rc == DB_ROW)
		n = db_column_int64(s, 0);
	db_finalize(s);
	return rc < 0 ? rc : n;
}
