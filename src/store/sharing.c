/*
 * store/sharing — the SQL of case_shares (see sharing.h).
 */
#include "store/sharing.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/clock.h"

#define SHARE_COLS                                                                          \
	"s.id, s.case_id, c.ref, s.agency_id, a.code, a.name, a.kind, s.purpose, s.basis,"  \
	" s.consent_of, s.lawful_basis, s.note, s.origin, s.starts_at, s.created_at,"       \
	" ub.username, s.withdrawn_at, uw.username, s.withdrawn_reason, s.version"
#define SHARE_FROM                                                                          \
	" FROM case_shares s JOIN cases c ON c.id = s.case_id"                              \
	" JOIN agencies a ON a.id = s.agency_id"                                            \
	" LEFT JOIN users ub ON ub.id = s.shared_by LEFT JOIN users uw ON uw.id = s.withdrawn_by"

static void row_read(db_stmt *s, struct share_row *r)
{
	memset(r, 0, sizeof *r);
	r->id = db_column_int64(s, 0);
	r->case_id = db_column_int64(s, 1);
	r->ref = db_column_text(s, 2);
	r->agency_id = db_column_int64(s, 3);
	r->agency = db_column_text(s, 4);
	r->agency_name = db_column_text(s, 5);
	r->agency_kind = db_column_text(s, 6);
	r->purpose = db_column_text(s, 7);
	r->basis = db_column_text(s, 8);
	r->consent_of = db_column_text(s, 9);
	r->lawful_basis = db_column_text(s, 10);
	r->note = db_column_text(s, 11);
	r->origin = db_column_text(s, 12);
	r->starts_at = db_column_int64(s, 13);
	r->created_at = db_column_int64(s, 14);
	r->shared_by = db_column_text(s, 15);
	r->withdrawn_at = db_column_is_null(s, 16) ? 0 : db_column_int64(s, 16);
	r->withdrawn_by = db_column_text(s, 17);
	r->withdrawn_reason = db_column_text(s, 18);
	r->version = db_column_int64(s, 19);
}

int64_t sharing_insert(db *d, const struct share_row *r, int64_t by)
{
	int64_t id = 0, now = clock_now_ms();
	db_stmt *s;
	int rc;

	rc = db_prepare(d, &s,
			"INSERT INTO case_shares (case_id, agency_id, purpose, basis, consent_of,"
			" lawful_basis, note, origin, starts_at, shared_by, created_at)"
			" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id");
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, r->case_id);
	db_bind_int64(s, 2, r->agency_id);
	db_bind_text(s, 3, r->purpose);
	db_bind_text(s, 4, r->basis);
	db_bind_text(s, 5, r->consent_of);
	db_bind_text(s, 6, r->lawful_basis);
	db_bind_text(s, 7, r->note);
	db_bind_text(s, 8, r->origin);
	db_bind_int64(s, 9, r->starts_at ? r->starts_at : now);
	if (by)
		db_bind_int64(s, 10, by);
	else
		db_bind_null(s, 10);
	db_bind_int64(s, 11, now);
	rc = db_step(s);
	if (rc == DB_ROW)
		id = db_column_int64(s, 0);
	db_finalize(s);
	return rc < 0 ? rc : id;
}

static int each(db *d, const char *sql, int64_t a, int64_t b,
		int (*fn)(const struct share_row *s, void *arg), void *arg)
{
	struct share_row row;
	db_stmt *s;
	int rc, n = 0;

	rc = db_prepare(d, &s, sql);
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, a);
	if (b)
		db_bind_int64(s, 2, b);
	while ((rc = db_step(s)) == DB_ROW) {
		row_read(s, &row);
		n++;
		if (fn(&row, arg))
			break;
	}
	db_finalize(s);
	return rc < 0 ? rc : n;
}

int sharing_each(db *d, int64_t case_id, int (*fn)(const struct share_row *s, void *arg),
		 void *arg)
{
	int rc = each(d,
		      "SELECT " SHARE_COLS SHARE_FROM " WHERE s.case_id = ?"
		      " ORDER BY CASE WHEN s.withdrawn_at IS NULL THEN 0 ELSE 1 END, s.id DESC",
		      case_id, 0, fn, arg);
	return rc < 0 ? rc : 0;
}

int sharing_get(db *d, int64_t case_id, int64_t id,
		int (*fn)(const struct share_row *s, void *arg), void *arg)
{
	int rc = each(d, "SELECT " SHARE_COLS SHARE_FROM " WHERE s.case_id = ? AND s.id = ?",
		      case_id, id, fn, arg);
	return rc < 0 ? rc : rc > 0;
}

int64_t sharing_active(db *d, int64_t case_id, int64_t agency_id, const char *purpose)
{
	db_stmt *s;
	int64_t id = 0;
	int rc;

	rc = db_prepare(d, &s,
			"SELECT id FROM case_shares WHERE case_id = ? AND agency_id = ?"
			" AND purpose = ? AND withdrawn_at IS NULL ORDER BY id LIMIT 1");
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, case_id);
	db_bind_int64(s, 2, agency_id);
	db_bind_text(s, 3, purpose);
	rc = db_step(s);
	if (rc == DB_ROW)
		id = db_column_int64(s, 0);
	db_finalize(s);
	return rc < 0 ? rc : id;
}

int sharing_withdraw(db *d, int64_t case_id, int64_t id, int64_t version, int64_t by,
		     const char *reason)
{
	db_stmt *s;
	int64_t n = 0;
	int rc;

	rc = db_prepare(d, &s,
			"UPDATE case_shares SET withdrawn_at = ?, withdrawn_by = ?,"
			" withdrawn_reason = ?, version = version + 1"
			" WHERE id = ? AND case_id = ? AND version = ? AND withdrawn_at IS NULL");
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, clock_now_ms());
	db_bind_int64(s, 2, by);
	db_bind_text(s, 3, reason);
	db_bind_int64(s, 4, id);
	db_bind_int64(s, 5, case_id);
	db_bind_int64(s, 6, version);
	rc = db_step(s);
	if (rc == DB_DONE)
		n = db_changes(s);
	db_finalize(s);
	return rc < 0 ? rc : n > 0;
}

/* Run an UPDATE bound by fmt ('i' int64, 'u' a user id or 0 for NULL, 't' text): the rows
 * it changed. */
static int update_count(db *d, const char *sql, const char *fmt, ...)
{
	va_list ap;
	db_stmt *s;
	int64_t n = 0;
	int rc;

	rc = db_prepare(d, &s, sql);
	if (rc < 0)
		return rc;
	va_start(ap, fmt);
	for (int i = 0; fmt[i]; i++) {
		if (fmt[i] == 'i') {
			db_bind_int64(s, i + 1, va_arg(ap, int64_t));
		} else if (fmt[i] == 'u') { /* a user's id, 0: none */
			int64_t u = va_arg(ap, int64_t);

			if (u)
				db_bind_int64(s, i + 1, u);
			else
				db_bind_null(s, i + 1);
		} else {
			db_bind_text(s, i + 1, va_arg(ap, const char *));
		}
	}
	va_end(ap);
	rc = db_step(s);
	if (rc == DB_DONE)
		n = db_changes(s);
	db_finalize(s);
	return rc < 0 ? rc : (int)n;
}

int sharing_withdraw_origin(db *d, int64_t case_id, int64_t agency_id, const char *origin,
			    int64_t by, const char *reason)
{
	return update_count(d,
			    "UPDATE case_shares SET withdrawn_at = ?, withdrawn_by = ?,"
			    " withdrawn_reason = ?, version = version + 1"
			    " WHERE case_id = ? AND agency_id = ? AND origin = ?"
			    " AND withdrawn_at IS NULL",
			    "iutiit", clock_now_ms(), by, reason, case_id, agency_id, origin);
}

int sharing_adopt(db *d, int64_t case_id, int64_t agency_id, const char *from, const char *to)
{
	return update_count(d,
			    "UPDATE case_shares SET origin = ?, version = version + 1"
			    " WHERE case_id = ? AND agency_id = ? AND origin = ?"
			    " AND withdrawn_at IS NULL",
			    "tiit", to, case_id, agency_id, from);
}

int sharing_any_active(db *d, int64_t case_id, int64_t agency_id)
{
	db_stmt *s;
	int rc;

	rc = db_prepare(d, &s,
			"SELECT 1 FROM case_shares WHERE case_id = ? AND agency_id = ?"
			" AND withdrawn_at IS NULL");
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, case_id);
	db_bind_int64(s, 2, agency_id);
	rc = db_step(s);
	db_finalize(s);
	return rc < 0 ? rc : rc == DB_ROW;
}

int sharing_purposes(db *d, int64_t case_id, int64_t agency_id, unsigned *mask)
{
	db_stmt *s;
	int rc;

	*mask = 0;
	rc = db_prepare(d, &s,
			"SELECT purpose FROM case_shares WHERE case_id = ? AND agency_id = ?"
			" AND withdrawn_at IS NULL"
			" UNION SELECT 'treatment' FROM case_people cp"
			" JOIN programme_enrolments pe ON pe.person_id = cp.person_id"
			" WHERE cp.case_id = ? AND cp.role = 'suspect' AND pe.ended_at IS NULL"
			" AND pe.agency_id = ?");
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, case_id);
	db_bind_int64(s, 2, agency_id);
	db_bind_int64(s, 3, case_id);
	db_bind_int64(s, 4, agency_id);
	while ((rc = db_step(s)) == DB_ROW) {
		enum share_purpose p = access_purpose_parse(db_column_text(s, 0));

		if (p != PURPOSE_NONE)
			*mask |= 1u << p;
	}
	db_finalize(s);
	return rc < 0 ? rc : 0;
}

int sharing_caseload_each(db *d, int64_t agency_id,
			  int (*fn)(const char *ref, const char *status, const char *risk_level,
				    const char *purposes, int64_t since, void *arg),
			  void *arg)
{
	db_stmt *s;
	int rc;

	/* one row per share, grouped here: portable (no string_agg/group_concat) */
	rc = db_prepare(d, &s,
			"SELECT c.ref, c.status, c.risk_level, s.purpose, s.starts_at FROM case_shares s"
			" JOIN cases c ON c.id = s.case_id"
			" WHERE s.agency_id = ? AND s.withdrawn_at IS NULL"
			" ORDER BY c.ref, s.purpose");
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, agency_id);
	{
		char ref[32] = "", status[32] = "", level[32] = "", purposes[128] = "";
		int64_t since = 0;
		bool have = false, stop = false;

		while (!stop && (rc = db_step(s)) == DB_ROW) {
			const char *r = db_column_text(s, 0), *lv = db_column_text(s, 2);
			int64_t at = db_column_int64(s, 4);

			if (have && strcmp(ref, r) != 0) {
				stop = fn(ref, status, level[0] ? level : NULL, purposes, since, arg);
				have = false;
			}
			if (stop)
				break;
			if (!have) {
				snprintf(ref, sizeof ref, "%s", r);
				snprintf(status, sizeof status, "%s", db_column_text(s, 1));
				snprintf(level, sizeof level, "%s", lv ? lv : "");
				purposes[0] = 0;
				since = at;
				have = true;
			}
			if (purposes[0])
				strncat(purposes, " ", sizeof purposes - strlen(purposes) - 1);
			strncat(purposes, db_column_text(s, 3), sizeof purposes - strlen(purposes) - 1);
			if (at < since)
				since = at;
		}
		if (rc >= 0 && have && !stop)
			fn(ref, status, level[0] ? level : NULL, purposes, since, arg);
	}
	db_finalize(s);
	return rc < 0 ? rc : 0;
}
