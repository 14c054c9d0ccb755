/*
 * store/register — the register's SQL (see store/register.h).  Matching reads
 * the same person_identifiers and name keys as linking (store/people.c), so
 * an entry's phone typed one way finds a suspect's typed another.
 */
#include "store/register.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "core/casefile.h"
#include "core/identifier.h"

/* A register entry with its person, officer and force, in the order
 * fill_entry() reads. */
#define ENTRY_COLS                                                                          \
	"e.id, e.person_id, e.basis, e.basis_ref, e.category, e.level, e.responsible_id,"   \
	" u.username, u.display_name, e.agency_id, a.code, a.name, e.status,"               \
	" e.next_review_at, e.retain_until, e.reason, e.origin, e.origin_id,"               \
	" e.origin_officer, p.full_name, p.dob, e.created_at, e.updated_at, e.version"
#define ENTRY_FROM                                                                          \
	" FROM register_entries e JOIN persons p ON p.id = e.person_id"                     \
	" JOIN users u ON u.id = e.responsible_id JOIN agencies a ON a.id = e.agency_id"

static void fill_entry(db_stmt *s, int c, struct register_entry *e)
{
	e->id = db_column_int64(s, c + 0);
	e->person_id = db_column_int64(s, c + 1);
	e->basis = db_column_text(s, c + 2);
	e->basis_ref = db_column_text(s, c + 3);
	e->category = db_column_text(s, c + 4);
	e->level = (int)db_column_int64(s, c + 5);
	e->responsible_id = db_column_int64(s, c + 6);
	e->responsible = db_column_text(s, c + 7);
	e->responsible_name = db_column_text(s, c + 8);
	e->agency_id = db_column_int64(s, c + 9);
	e->agency = db_column_text(s, c + 10);
	e->agency_name = db_column_text(s, c + 11);
	e->status = db_column_text(s, c + 12);
	e->next_review_at = db_column_int64(s, c + 13);
	e->retain_until = db_column_int64(s, c + 14);
	e->reason = db_column_text(s, c + 15);
	e->origin = db_column_text(s, c + 16);
	e->origin_id = db_column_int64(s, c + 17);
	e->origin_officer = db_column_text(s, c + 18);
	e->full_name = db_column_text(s, c + 19);
	e->dob = db_column_text(s, c + 20);
	e->created_at = db_column_int64(s, c + 21);
	e->updated_at = db_column_int64(s, c + 22);
	e->version = db_column_int64(s, c + 23);
}

static const char *keep(struct register_entry_buf *b, int i, const char *s)
{
	b->mem[i] = s ? xstrdup(s) : NULL;
	return b->mem[i];
}

int register_entry_get(db *d, int64_t id, struct register_entry_buf *b)
{
	db_stmt *s;
	int rc;

	memset(b, 0, sizeof *b);
	rc = db_prepare(d, &s, "SELECT " ENTRY_COLS ENTRY_FROM " WHERE e.id = ?");
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, id);
	rc = db_step(s);
	if (rc == DB_ROW) {
		struct register_entry *e = &b->e;

		fill_entry(s, 0, e);
		e->basis = keep(b, 0, e->basis);
		e->basis_ref = keep(b, 1, e->basis_ref);
		e->category = keep(b, 2, e->category);
		e->responsible = keep(b, 3, e->responsible);
		e->responsible_name = keep(b, 4, e->responsible_name);
		e->agency = keep(b, 5, e->agency);
		e->agency_name = keep(b, 6, e->agency_name);
		e->status = keep(b, 7, e->status);
		e->reason = keep(b, 8, e->reason);
		e->origin = keep(b, 9, e->origin);
		e->origin_officer = keep(b, 10, e->origin_officer);
		e->full_name = keep(b, 11, e->full_name);
		e->dob = keep(b, 12, e->dob);
	}
	db_finalize(s);
	return rc < 0 ? rc : rc == DB_ROW;
}

void register_entry_free(struct register_entry_buf *b)
{
	if (!b)
		return;
	for (size_t i = 0; i < sizeof b->mem / sizeof b->mem[0]; i++) {
		free(b->mem[i]);
		b->mem[i] = NULL;
	}
}

int64_t register_entry_insert(db *d, const struct register_entry *e, int64_t created_by,
			      int64_t now)
{
	db_stmt *s;
	int64_t id = 0;
	int rc;

	rc = db_prepare(d, &s,
			"INSERT INTO register_entries (person_id, basis, basis_ref, category, level,"
			" responsible_id, agency_id, status, next_review_at, retain_until, reason,"
			" origin, origin_id, origin_officer, created_by, created_at, updated_at)"
			" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id");
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, e->person_id);
	db_bind_text(s, 2, e->basis);
	db_bind_text(s, 3, e->basis_ref);
	db_bind_text(s, 4, e->category);
	db_bind_int64(s, 5, e->level);
	db_bind_int64(s, 6, e->responsible_id);
	db_bind_int64(s, 7, e->agency_id);
	db_bind_text(s, 8, e->status ? e->status : "active");
	db_bind_int64(s, 9, e->next_review_at);
	if (e->retain_until)
		db_bind_int64(s, 10, e->retain_until);
	else
		db_bind_null(s, 10);
	db_bind_text(s, 11, e->reason);
	db_bind_text(s, 12, e->origin);
	if (e->origin)
		db_bind_int64(s, 13, e->origin_id);
	else
		db_bind_null(s, 13);
	db_bind_text(s, 14, e->origin_officer);
	if (created_by)
		db_bind_int64(s, 15, created_by);
	else
		db_bind_null(s, 15);
	db_bind_int64(s, 16, now);
	db_bind_int64(s, 17, now);
	rc = db_step(s);
	if (rc == DB_ROW)
		id = db_column_int64(s, 0);
	db_finalize(s);
	return rc < 0 ? rc : id;
}

int register_entry_update(db *d, const struct register_entry *e, int64_t now)
{
	db_stmt *s;
	int rc;

	rc = db_prepare(d, &s,
			"UPDATE register_entries SET basis = ?, basis_ref = ?, category = ?, level = ?,"
			" responsible_id = ?, status = ?, next_review_at = ?, retain_until = ?,"
			" reason = ?, origin_officer = ?, updated_at = ?, version = version + 1"
			" WHERE id = ? AND version = ?");
	if (rc < 0)
		return rc;
	db_bind_text(s, 1, e->basis);
	db_bind_text(s, 2, e->basis_ref);
	db_bind_text(s, 3, e->category);
	db_bind_int64(s, 4, e->level);
	db_bind_int64(s, 5, e->responsible_id);
	db_bind_text(s, 6, e->status);
	db_bind_int64(s, 7, e->next_review_at);
	if (e->retain_until)
		db_bind_int64(s, 8, e->retain_until);
	else
		db_bind_null(s, 8);
	db_bind_text(s, 9, e->reason);
	db_bind_text(s, 10, e->origin_officer);
	db_bind_int64(s, 11, now);
	db_bind_int64(s, 12, e->id);
	db_bind_int64(s, 13, e->version);
	rc = db_step(s);
	if (rc >= 0)
		rc = db_changes(s) == 1;
	db_finalize(s);
	return rc;
}

int64_t register_entry_by_origin(db *d, const char *origin, int64_t origin_id)
{
	db_stmt *s;
	int64_t id = 0;
	int rc;

	rc = db_prepare(d, &s, "SELECT id FROM register_entries WHERE origin = ? AND origin_id = ?");
	if (rc < 0)
		return rc;
	db_bind_text(s, 1, origin);
	db_bind_int64(s, 2, origin_id);
	rc = db_step(s);
	if (rc == DB_ROW)
		id = db_column_int64(s, 0);
	db_finalize(s);
	return rc < 0 ? rc : id;
}

int register_origin_version(db *d, int64_t id, int64_t *out)
{
	db_stmt *s;
	int rc;

	*out = 0;
	rc = db_prepare(d, &s, "SELECT origin_version FROM register_entries WHERE id = ?");
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, id);
	rc = db_step(s);
	if (rc == DB_ROW && !db_column_is_null(s, 0))
		*out = db_column_int64(s, 0);
	db_finalize(s);
	return rc < 0 ? rc : 0;
}

int register_origin_version_set(db *d, int64_t id, int64_t version)
{
	return db_run(d, "UPDATE register_entries SET origin_version = ? WHERE id = ?", "ii", version,
		      id);
}

int register_entry_case_add(db *d, int64_t entry_id, int64_t case_id)
{
	return db_run(d,
		      "INSERT INTO register_entry_cases (entry_id, case_id) SELECT ?, ?"
		      " WHERE NOT EXISTS (SELECT 1 FROM register_entry_cases WHERE entry_id = ?"
		      " AND case_id = ?)",
		      "iiii", entry_id, case_id, entry_id, case_id);
}

int register_entry_cases_each(db *d, int64_t entry_id,
			      int (*fn)(int64_t case_id, const char *ref, int64_t agency_id,
					void *arg),
			      void *arg)
{
	db_stmt *s;
	int rc;

	rc = db_prepare(d, &s,
			"SELECT c.id, c.ref, c.agency_id FROM register_entry_cases rc"
			" JOIN cases c ON c.id = rc.case_id WHERE rc.entry_id = ? ORDER BY c.id");
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, entry_id);
	while ((rc = db_step(s)) == DB_ROW)
		if (fn(db_column_int64(s, 0), db_column_text(s, 1), db_column_int64(s, 2), arg))
			break;
	db_finalize(s);
	return rc < 0 ? rc : 0;
}

int register_history_add(db *d, int64_t entry_id, int64_t version, int64_t at, int64_t user_id,
			 const char *username, const char *action, const char *reason,
			 const char *snapshot)
{
	db_stmt *s;
	int rc;

	rc = db_prepare(d, &s,
			"INSERT INTO register_history (entry_id, version, at, user_id, username, action,"
			" reason, snapshot) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, entry_id);
	db_bind_int64(s, 2, version);
	db_bind_int64(s, 3, at);
	if (user_id)
		db_bind_int64(s, 4, user_id);
	else
		db_bind_null(s, 4);
	db_bind_text(s, 5, username);
	db_bind_text(s, 6, action);
	db_bind_text(s, 7, reason);
	db_bind_text(s, 8, snapshot);
	rc = db_step(s);
	db_finalize(s);
	return rc < 0 ? rc : 0;
}

int register_history_each(db *d, int64_t entry_id,
			  int (*fn)(int64_t version, int64_t at, const char *username,
				    const char *action, const char *reason, const char *snapshot,
				    void *arg),
			  void *arg)
{
	db_stmt *s;
	int rc;

	rc = db_prepare(d, &s,
			"SELECT version, at, username, action, reason, snapshot FROM register_history"
			" WHERE entry_id = ? ORDER BY id");
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, entry_id);
	while ((rc = db_step(s)) == DB_ROW)
		if (fn(db_column_int64(s, 0), db_column_int64(s, 1), db_column_text(s, 2),
		       db_column_text(s, 3), db_column_text(s, 4), db_column_text(s, 5), arg))
			break;
	db_finalize(s);
	return rc < 0 ? rc : 0;
}

/* Names and aliases with their person (as store/people.c's). */
#define NAMES_SQL                                                                           \
	"(SELECT id AS person_id, name_key FROM persons WHERE name_key IS NOT NULL"         \
	" UNION SELECT person_id, name_key FROM person_aliases)"

static void like_escape(const char *in, char *out, size_t outlen)
{
	size_t j = 0;

	for (const char *p = in; *p && j + 2 < outlen; p++) {
		if (*p == '%' || *p == '_' || *p == '\\')
			out[j++] = '\\';
		out[j++] = *p;
	}
	out[j] = '\0';
}

int register_entries_each(db *d, const char *status, const char *q, int limit,
			  int (*fn)(const struct register_entry *e, const char *matched, void *arg),
			  void *arg)
{
	char norm[IDENTIFIER_MAX + 1], key[512], esc[1100];
	struct register_entry e;
	db_stmt *s;
	int rc, n = 0;
	int64_t *seen = NULL;
	int nseen = 0;

	if (!q) {
		rc = db_prepare(d, &s,
				"SELECT " ENTRY_COLS ENTRY_FROM " WHERE (? IS NULL OR e.status = ?)"
				" ORDER BY e.id DESC LIMIT ?");
		if (rc < 0)
			return rc;
		db_bind_text(s, 1, status);
		db_bind_text(s, 2, status);
		db_bind_int64(s, 3, limit);
		while ((rc = db_step(s)) == DB_ROW) {
			fill_entry(s, 0, &e);
			if (fn(&e, NULL, arg))
				break;
		}
		db_finalize(s);
		return rc < 0 ? rc : 0;
	}
	/* identifiers: q as each kind it parses as */
	rc = db_prepare(d, &s,
			"SELECT DISTINCT " ENTRY_COLS ENTRY_FROM
			" JOIN person_identifiers i ON i.person_id = e.person_id"
			" WHERE i.kind = ? AND i.match_key = ? AND (? IS NULL OR e.status = ?)"
			" ORDER BY e.id DESC LIMIT ?");
	if (rc < 0)
		return rc;
	for (int k = 0; k < IDENT_KIND_COUNT && n < limit; k++) {
		if (identifier_normalise((enum identifier_kind)k, q, norm, sizeof norm, NULL, 0) < 0)
			continue;
		db_reset(s);
		db_bind_text(s, 1, identifier_kind_name((enum identifier_kind)k));
		db_bind_text(s, 2, norm);
		db_bind_text(s, 3, status);
		db_bind_text(s, 4, status);
		db_bind_int64(s, 5, limit - n);
		while ((rc = db_step(s)) == DB_ROW && n < limit) {
			fill_entry(s, 0, &e);
			seen = xrealloc(seen, (size_t)(nseen + 1) * sizeof *seen);
			seen[nseen++] = e.id;
			n++;
			if (fn(&e, identifier_kind_name((enum identifier_kind)k), arg)) {
				n = limit;
				break;
			}
		}
		if (rc < 0)
			break;
	}
	db_finalize(s);
	if (rc < 0 || n >= limit || case_name_key(q, key, sizeof key) < 0) {
		free(seen);
		return rc < 0 ? rc : 0;
	}
	rc = db_prepare(d, &s,
			"SELECT DISTINCT " ENTRY_COLS ENTRY_FROM " JOIN " NAMES_SQL
			" n ON n.person_id = e.person_id"
			" WHERE n.name_key LIKE '%' || ? || '%' ESCAPE '\\'"
			" AND (? IS NULL OR e.status = ?) ORDER BY e.id DESC LIMIT ?");
	if (rc < 0) {
		free(seen);
		return rc;
	}
	like_escape(key, esc, sizeof esc);
	db_bind_text(s, 1, esc);
	db_bind_text(s, 2, status);
	db_bind_text(s, 3, status);
	db_bind_int64(s, 4, limit);
	while ((rc = db_step(s)) == DB_ROW && n < limit) {
		bool dup = false;

		fill_entry(s, 0, &e);
		for (int i = 0; i < nseen; i++)
			dup = dup || seen[i] == e.id;
		if (dup)
			continue;
		n++;
		if (fn(&e, "name", arg))
			break;
	}
	db_finalize(s);
	free(seen);
	return rc < 0 ? rc : 0;
}

/* ---- recognition --------------------------------------------------------------- */

/* What person ? shares with other persons: (other person, what matched). */
static const char shared_sql[] =
	"SELECT i2.person_id, i1.kind, i1.value FROM person_identifiers i1"
	" JOIN person_identifiers i2 ON i2.kind = i1.kind AND i2.match_key = i1.match_key"
	" WHERE i1.person_id = ? AND i2.person_id <> i1.person_id"
	" UNION"
	" SELECT n2.person_id, 'name', p1.dob FROM " NAMES_SQL " n1"
	" JOIN persons p1 ON p1.id = n1.person_id"
	" JOIN " NAMES_SQL " n2 ON n2.name_key = n1.name_key"
	" JOIN persons p2 ON p2.id = n2.person_id AND p2.dob = p1.dob"
	" WHERE n1.person_id = ? AND n2.person_id <> n1.person_id AND p1.dob IS NOT NULL";

static void matched_text(const char *kind, const char *value, char *out, size_t outlen)
{
	if (strcmp(kind, "name") == 0)
		snprintf(out, outlen, "name and date of birth");
	else
		snprintf(out, outlen, "%s %s", kind, value ? value : "");
}

/* Run one recognition query (shared_sql wrapped by outer, person bound
 * twice, then extra when has_extra): fn(id, what matched) for each row. */
static int recognise(db *d, const char *outer, int64_t person_id, bool has_extra, int64_t extra,
		     int (*fn)(int64_t id, const char *matched, void *arg), void *arg)
{
	char *sql = xasprintf(outer, shared_sql);
	char what[IDENTIFIER_MAX + 64];
	db_stmt *s;
	int rc;

	rc = db_prepare(d, &s, sql);
	free(sql);
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, person_id);
	db_bind_int64(s, 2, person_id);
	if (has_extra)
		db_bind_int64(s, 3, extra);
	while ((rc = db_step(s)) == DB_ROW) {
		matched_text(db_column_text(s, 1), db_column_text(s, 2), what, sizeof what);
		if (fn(db_column_int64(s, 0), what, arg))
			break;
	}
	db_finalize(s);
	return rc < 0 ? rc : 0;
}

int register_recognise_entries(db *d, int64_t person_id,
			       int (*fn)(int64_t entry_id, const char *matched, void *arg),
			       void *arg)
{
	/* the column names of a UNION are its first SELECT's */
	return recognise(d,
			 "SELECT e.id, x.kind, x.value FROM (%s) x"
			 " JOIN register_entries e ON e.person_id = x.person_id"
			 " WHERE e.status = 'active' ORDER BY e.id",
			 person_id, false, 0, fn, arg);
}

int register_recognise_cases(db *d, int64_t person_id, int64_t case_id,
			     int (*fn)(int64_t other_case_id, const char *matched, void *arg),
			     void *arg)
{
	return recognise(d,
			 "SELECT cp.case_id, x.kind, x.value FROM (%s) x"
			 " JOIN case_people cp ON cp.person_id = x.person_id"
			 " AND cp.role = 'suspect' WHERE cp.case_id <> ? ORDER BY cp.case_id",
			 person_id, true, case_id, fn, arg);
}

int register_match_add(db *d, int64_t case_id, int64_t entry_id, int64_t other_case_id,
		       const char *matched, int64_t now)
{
	db_stmt *s;
	int rc;

	rc = db_prepare(d, &s,
			"SELECT 1 FROM register_matches WHERE case_id = ? AND matched = ?"
			" AND COALESCE(entry_id, 0) = ? AND COALESCE(other_case_id, 0) = ?");
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, case_id);
	db_bind_text(s, 2, matched);
	db_bind_int64(s, 3, entry_id);
	db_bind_int64(s, 4, other_case_id);
	rc = db_step(s);
	db_finalize(s);
	if (rc < 0 || rc == DB_ROW)
		return rc < 0 ? rc : 0;
	rc = db_run(d,
		    entry_id ? "INSERT INTO register_matches (case_id, entry_id, matched, found_at)"
			       " VALUES (?, ?, ?, ?)"
			     : "INSERT INTO register_matches (case_id, other_case_id, matched,"
			       " found_at) VALUES (?, ?, ?, ?)",
		    "iiti", case_id, entry_id ? entry_id : other_case_id, matched, now);
	return rc < 0 ? rc : 1;
}

#define MATCH_COLS                                                                          \
	"m.id, m.case_id, COALESCE(m.entry_id, 0), COALESCE(m.other_case_id, 0), m.matched,"  \
	" m.found_at, COALESCE(m.seen_at, 0), COALESCE(m.told_at, 0),"                        \
	" COALESCE(eu.username, ou.username), COALESCE(eu.display_name, ou.display_name),"    \
	" COALESCE(ea.code, oa.code), oc.ref, ep.full_name, c.ref, ca.code, cu.username,"     \
	" cu.display_name"
#define MATCH_FROM                                                                          \
	" FROM register_matches m JOIN cases c ON c.id = m.case_id"                           \
	" JOIN agencies ca ON ca.id = c.agency_id JOIN users cu ON cu.id = c.owner_id"        \
	" LEFT JOIN register_entries e ON e.id = m.entry_id"                                  \
	" LEFT JOIN persons ep ON ep.id = e.person_id"                                        \
	" LEFT JOIN users eu ON eu.id = e.responsible_id"                                     \
	" LEFT JOIN agencies ea ON ea.id = eu.agency_id"                                      \
	" LEFT JOIN cases oc ON oc.id = m.other_case_id"                                      \
	" LEFT JOIN users ou ON ou.id = oc.owner_id"                                          \
	" LEFT JOIN agencies oa ON oa.id = oc.agency_id"

static int match_rows(db_stmt *s, int (*fn)(const struct register_match *m, void *arg),
		      void *arg)
{
	struct register_match m;
	int rc;

	while ((rc = db_step(s)) == DB_ROW) {
		m.id = db_column_int64(s, 0);
		m.case_id = db_column_int64(s, 1);
		m.entry_id = db_column_int64(s, 2);
		m.other_case_id = db_column_int64(s, 3);
		m.matched = db_column_text(s, 4);
		m.found_at = db_column_int64(s, 5);
		m.seen_at = db_column_int64(s, 6);
		m.told_at = db_column_int64(s, 7);
		m.ask_username = db_column_text(s, 8);
		m.ask_name = db_column_text(s, 9);
		m.ask_agency = db_column_text(s, 10);
		m.other_ref = db_column_text(s, 11);
		m.entry_name = db_column_text(s, 12);
		m.case_ref = db_column_text(s, 13);
		m.case_agency = db_column_text(s, 14);
		m.case_owner = db_column_text(s, 15);
		m.case_owner_name = db_column_text(s, 16);
		if (fn(&m, arg))
			break;
	}
	db_finalize(s);
	return rc < 0 ? rc : 0;
}

int register_matches_each(db *d, int64_t case_id, int64_t entry_id,
			  int (*fn)(const struct register_match *m, void *arg), void *arg)
{
	db_stmt *s;
	int rc;

	rc = db_prepare(d, &s,
			case_id ? "SELECT " MATCH_COLS MATCH_FROM " WHERE m.case_id = ? ORDER BY m.id"
				: "SELECT " MATCH_COLS MATCH_FROM " WHERE m.entry_id = ? ORDER BY m.id");
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, case_id ? case_id : entry_id);
	return match_rows(s, fn, arg);
}

int register_match_get(db *d, int64_t id, int (*fn)(const struct register_match *m, void *arg),
		       void *arg)
{
	db_stmt *s;
	int rc;

	rc = db_prepare(d, &s, "SELECT " MATCH_COLS MATCH_FROM " WHERE m.id = ?");
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, id);
	return match_rows(s, fn, arg);
}

int register_match_mark(db *d, int64_t id, bool told, int64_t user_id, int64_t now)
{
	db_stmt *s;
	int rc;

	rc = db_prepare(d, &s,
			told ? "UPDATE register_matches SET told_at = ?, told_by = ?"
			       " WHERE id = ? AND told_at IS NULL"
			     : "UPDATE register_matches SET seen_at = ?, seen_by = ?"
			       " WHERE id = ? AND seen_at IS NULL");
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, now);
	db_bind_int64(s, 2, user_id);
	db_bind_int64(s, 3, id);
	rc = db_step(s);
	if (rc >= 0)
		rc = db_changes(s) == 1;
	db_finalize(s);
	return rc;
}

/* ---- oversight -------------------------------------------------------------------- */

int register_access_add(db *d, const struct register_access *a)
{
	db_stmt *s;
	int rc;

	rc = db_prepare(d, &s,
			"INSERT INTO register_access (at, user_id, username, agency, action, purpose,"
			" query_kind, query_hash, entry_id, results) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, a->at);
	if (a->user_id)
		db_bind_int64(s, 2, a->user_id);
	else
		db_bind_null(s, 2);
	db_bind_text(s, 3, a->username);
	db_bind_text(s, 4, a->agency);
	db_bind_text(s, 5, a->action);
	db_bind_text(s, 6, a->purpose);
	db_bind_text(s, 7, a->query_kind);
	db_bind_text(s, 8, a->query_hash);
	if (a->entry_id)
		db_bind_int64(s, 9, a->entry_id);
	else
		db_bind_null(s, 9);
	db_bind_int64(s, 10, a->results);
	rc = db_step(s);
	db_finalize(s);
	return rc < 0 ? rc : 0;
}

int register_access_each(db *d, const char *agency, int64_t from, int64_t to,
			 int (*fn)(const struct register_access *a, void *arg), void *arg)
{
	struct register_access a;
	db_stmt *s;
	int rc;

	rc = db_prepare(d, &s,
			"SELECT at, COALESCE(user_id, 0), username, agency, action, purpose, query_kind,"
			" query_hash, COALESCE(entry_id, 0), results FROM register_access"
			" WHERE at >= ? AND at < ? AND (? IS NULL OR agency = ?) ORDER BY id");
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, from);
	db_bind_int64(s, 2, to);
	db_bind_text(s, 3, agency);
	db_bind_text(s, 4, agency);
	while ((rc = db_step(s)) == DB_ROW) {
		a.at = db_column_int64(s, 0);
		a.user_id = db_column_int64(s, 1);
		a.username = db_column_text(s, 2);
		a.agency = db_column_text(s, 3);
		a.action = db_column_text(s, 4);
		a.purpose = db_column_text(s, 5);
		a.query_kind = db_column_text(s, 6);
		a.query_hash = db_column_text(s, 7);
		a.entry_id = db_column_int64(s, 8);
		a.results = db_column_int64(s, 9);
		if (fn(&a, arg))
			break;
	}
	db_finalize(s);
	return rc < 0 ? rc : 0;
}

/* ---- review and retention ------------------------------------------------------- */

int register_reviews_due_each(db *d, int64_t agency_id, int64_t before, int limit,
			      int (*fn)(const struct register_entry *e, void *arg), void *arg)
{
	struct register_entry e;
	db_stmt *s;
	int rc;

	rc = db_prepare(d, &s,
			"SELECT " ENTRY_COLS ENTRY_FROM " WHERE e.status = 'active'"
			" AND e.next_review_at < ? AND (? = 0 OR u.agency_id = ?)"
			" ORDER BY e.next_review_at, e.id LIMIT ?");
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, before);
	db_bind_int64(s, 2, agency_id);
	db_bind_int64(s, 3, agency_id);
	db_bind_int64(s, 4, limit);
	while ((rc = db_step(s)) == DB_ROW) {
		fill_entry(s, 0, &e);
		if (fn(&e, arg))
			break;
	}
	db_finalize(s);
	return rc < 0 ? rc : 0;
}

int register_purge_due(db *d, int64_t now, int64_t **ids, int *n)
{
	db_stmt *s;
	int rc;

	*ids = NULL;
	*n = 0;
	rc = db_prepare(d, &s,
			"SELECT id FROM register_entries WHERE status = 'removed'"
			" OR (retain_until IS NOT NULL AND retain_until < ?) ORDER BY id");
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, now);
	while ((rc = db_step(s)) == DB_ROW) {
		*ids = xrealloc(*ids, (size_t)(*n + 1) * sizeof **ids);
		(*ids)[(*n)++] = db_column_int64(s, 0);
	}
	db_finalize(s);
	return rc < 0 ? rc : 0;
}

int register_entry_purge(db *d, int64_t id)
{
	static const char *const steps[] = {
		"DELETE FROM register_matches WHERE entry_id = ?",
		"DELETE FROM register_history WHERE entry_id = ?",
		"DELETE FROM register_entry_cases WHERE entry_id = ?",
		/* the register's person is its own: no case holds him */
		"DELETE FROM person_identifiers WHERE person_id ="
		" (SELECT person_id FROM register_entries WHERE id = ?)",
		"DELETE FROM person_aliases WHERE person_id ="
		" (SELECT person_id FROM register_entries WHERE id = ?)",
		"UPDATE register_access SET entry_id = NULL WHERE entry_id = ?",
	};
	int64_t person = 0;
	db_stmt *s;
	int rc;

	rc = db_prepare(d, &s, "SELECT person_id FROM register_entries WHERE id = ?");
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, id);
	rc = db_step(s);
	if (rc == DB_ROW)
		person = db_column_int64(s, 0);
	db_finalize(s);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
		rc = db_run(d, steps[i], "i", id);
		if (rc < 0)
			return rc;
	}
	rc = db_run(d, "DELETE FROM register_entries WHERE id = ?", "i", id);
	if (rc >= 0 && person)
		rc = db_run(d, "DELETE FROM persons WHERE id = ?", "i", person);
	return rc < 0 ? rc : 0;
}
