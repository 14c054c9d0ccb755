/*
 * store/sharing — the SQL of case_shares (see sharing.h).
 */
#include "store/sharing.h"

#include <stdio.h>
#include <string.h>

#include "base/clock.h"
#include "store/each.h"

#define SHARE_COLS                                                                          \
	"s.id, s.case_id, c.ref, s.agency_id, a.code, a.name, a.kind, s.purpose, s.basis,"  \
	" s.consent_of, s.lawful_basis, s.note, s.origin, s.starts_at, s.created_at,"       \
	" ub.username, s.withdrawn_at, uw.username, s.withdrawn_reason, s.version"
#define SHARE_FROM                                                                          \
	" FROM case_shares s JOIN cases c ON c.id = s.case_id"                              \
	" JOIN agencies a ON a.id = s.agency_id"                                            \
	" LEFT JOIN users ub ON ub.id = s.shared_by LEFT JOIN users uw ON uw.id = s.withdrawn_by"

static void row_read(db_stmt *s, void *out)
{
	struct share_row *r = out;

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
	int rc;

	rc = db_get_int64(d, &id,
			  "INSERT INTO case_shares (case_id, agency_id, purpose, basis, consent_of,"
			  " lawful_basis, note, origin, starts_at, shared_by, created_at)"
			  " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
			  "iittttttiIi", r->case_id, r->agency_id, r->purpose, r->basis,
			  r->consent_of, r->lawful_basis, r->note, r->origin,
			  r->starts_at ? r->starts_at : now, by, now);
	return rc < 0 ? rc : id;
}

STORE_EACH(share_each, struct share_row, row_read);

int sharing_each(db *d, int64_t case_id, int (*fn)(const struct share_row *s, void *arg),
		 void *arg)
{
	struct share_each c = { fn, arg, 0 };

	return db_each(d, share_each_row, &c,
		       "SELECT " SHARE_COLS SHARE_FROM " WHERE s.case_id = ?"
		       " ORDER BY CASE WHEN s.withdrawn_at IS NULL THEN 0 ELSE 1 END, s.id DESC",
		       "i", case_id);
}

int sharing_get(db *d, int64_t case_id, int64_t id,
		int (*fn)(const struct share_row *s, void *arg), void *arg)
{
	struct share_each c = { fn, arg, 0 };
	int rc = db_each(d, share_each_row, &c,
			 "SELECT " SHARE_COLS SHARE_FROM " WHERE s.case_id = ? AND s.id = ?", "ii",
			 case_id, id);

	return rc < 0 ? rc : c.n > 0;
}

int64_t sharing_active(db *d, int64_t case_id, int64_t agency_id, const char *purpose)
{
	int64_t id = 0;
	int rc = db_get_int64(d, &id,
			      "SELECT id FROM case_shares WHERE case_id = ? AND agency_id = ?"
			      " AND purpose = ? AND withdrawn_at IS NULL ORDER BY id LIMIT 1",
			      "iit", case_id, agency_id, purpose);

	return rc < 0 ? rc : id;
}

int sharing_withdraw(db *d, int64_t case_id, int64_t id, int64_t version, int64_t by,
		     const char *reason)
{
	int rc = db_write(d,
			  "UPDATE case_shares SET withdrawn_at = ?, withdrawn_by = ?,"
			  " withdrawn_reason = ?, version = version + 1"
			  " WHERE id = ? AND case_id = ? AND version = ? AND withdrawn_at IS NULL",
			  "iitiii", clock_now_ms(), by, reason, id, case_id, version);

	return rc < 0 ? rc : rc > 0;
}

/* The next two answer the rows they changed. */
int sharing_withdraw_origin(db *d, int64_t case_id, int64_t agency_id, const char *origin,
			    int64_t by, const char *reason)
{
	return db_write(d,
			"UPDATE case_shares SET withdrawn_at = ?, withdrawn_by = ?,"
			" withdrawn_reason = ?, version = version + 1"
			" WHERE case_id = ? AND agency_id = ? AND origin = ?"
			" AND withdrawn_at IS NULL",
			"iItiit", clock_now_ms(), by, reason, case_id, agency_id, origin);
}

int sharing_adopt(db *d, int64_t case_id, int64_t agency_id, const char *from, const char *to)
{
	return db_write(d,
			"UPDATE case_shares SET origin = ?, version = version + 1"
			" WHERE case_id = ? AND agency_id = ? AND origin = ?"
			" AND withdrawn_at IS NULL",
			"tiit", to, case_id, agency_id, from);
}

int sharing_any_active(db *d, int64_t case_id, int64_t agency_id)
{
	return db_exists(d,
			 "SELECT 1 FROM case_shares WHERE case_id = ? AND agency_id = ?"
			 " AND withdrawn_at IS NULL",
			 "ii", case_id, agency_id);
}

static int purpose_one(db_stmt *s, void *arg)
{
	unsigned *mask = arg;
	enum share_purpose p = access_purpose_parse(db_column_text(s, 0));

	if (p != PURPOSE_NONE)
		*mask |= 1u << p;
	return 0;
}

int sharing_purposes(db *d, int64_t case_id, int64_t agency_id, unsigned *mask)
{
	*mask = 0;
	return db_each(d, purpose_one, mask,
		       "SELECT purpose FROM case_shares WHERE case_id = ? AND agency_id = ?"
		       " AND withdrawn_at IS NULL"
		       " UNION SELECT 'treatment' FROM case_people cp"
		       " JOIN programme_enrolments pe ON pe.person_id = cp.person_id"
		       " WHERE cp.case_id = ? AND cp.role = 'suspect' AND pe.ended_at IS NULL"
		       " AND pe.agency_id = ?",
		       "iiii", case_id, agency_id, case_id, agency_id);
}

/* sharing_caseload_each()'s rows, one per share, grouped into one case
 * (ref) at a time for fn. */
struct caseload {
	int (*fn)(const char *ref, const char *status, const char *risk_level,
		  const char *purposes, int64_t since, void *arg);
	void *arg;
	char ref[32], status[32], level[32], purposes[128];
	int64_t since;
	bool have, stop;
};

static int caseload_one(db_stmt *s, void *arg)
{
	struct caseload *c = arg;
	const char *r = db_column_text(s, 0), *lv = db_column_text(s, 2);
	int64_t at = db_column_int64(s, 4);

	if (c->have && strcmp(c->ref, r) != 0) {
		c->stop = c->fn(c->ref, c->status, c->level[0] ? c->level : NULL, c->purposes,
				c->since, c->arg);
		c->have = false;
	}
	if (c->stop)
		return 1;
	if (!c->have) {
		snprintf(c->ref, sizeof c->ref, "%s", r);
		snprintf(c->status, sizeof c->status, "%s", db_column_text(s, 1));
		snprintf(c->level, sizeof c->level, "%s", lv ? lv : "");
		c->purposes[0] = 0;
		c->since = at;
		c->have = true;
	}
	if (c->purposes[0])
		strncat(c->purposes, " ", sizeof c->purposes - strlen(c->purposes) - 1);
	strncat(c->purposes, db_column_text(s, 3), sizeof c->purposes - strlen(c->purposes) - 1);
	if (at < c->since)
		c->since = at;
	return 0;
}

int sharing_caseload_each(db *d, int64_t agency_id,
			  int (*fn)(const char *ref, const char *status, const char *risk_level,
				    const char *purposes, int64_t since, void *arg),
			  void *arg)
{
	struct caseload c = { .fn = fn, .arg = arg };
	int rc;

	/* one row per share, grouped here: portable (no string_agg/group_concat) */
	rc = db_each(d, caseload_one, &c,
		     "SELECT c.ref, c.status, c.risk_level, s.purpose, s.starts_at"
		     " FROM case_shares s JOIN cases c ON c.id = s.case_id"
		     " WHERE s.agency_id = ? AND s.withdrawn_at IS NULL"
		     " ORDER BY c.ref, s.purpose",
		     "i", agency_id);
	if (rc >= 0 && c.have && !c.stop)
		fn(c.ref, c.status, c.level[0] ? c.level : NULL, c.purposes, c.since, arg);
	return rc < 0 ? rc : 0;
}
