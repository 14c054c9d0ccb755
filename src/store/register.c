/*
 * store/register — the register's SQL (see store/register.h).  Matching reads
 * the same person_identifiers and name keys as linking (store/people.c), so
 * an entry's phone typed one way finds a suspect's typed another.
 */
#include "store/register.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "core/casefile.h"
#include "core/identifier.h"
#include "store/each.h"

/* A register entry with its person, officer and force, in the order
 * entry_row() reads. */
#define ENTRY_COLS                                                                          \
	"e.id, e.person_id, e.basis, e.basis_ref, e.category, e.level, e.responsible_id,"   \
	" u.username, u.display_name, e.agency_id, a.code, a.name, e.status,"               \
	" e.next_review_at, e.retain_until, e.reason, e.origin, e.origin_id,"               \
	" e.origin_officer, p.full_name, p.dob, e.created_at, e.updated_at, e.version"
#define ENTRY_FROM                                                                          \
	" FROM register_entries e JOIN persons p ON p.id = e.person_id"                     \
	" JOIN users u ON u.id = e.responsible_id JOIN agencies a ON a.id = e.agency_id"

static void entry_row(db_stmt *s, void *out)
{
	struct register_entry *e = out;

	e->id = db_column_int64(s, 0);
	e->person_id = db_column_int64(s, 1);
	e->basis = db_column_text(s, 2);
	e->basis_ref = db_column_text(s, 3);
	e->category = db_column_text(s, 4);
	e->level = (int)db_column_int64(s, 5);
	e->responsible_id = db_column_int64(s, 6);
	e->responsible = db_column_text(s, 7);
	e->responsible_name = db_column_text(s, 8);
	e->agency_id = db_column_int64(s, 9);
	e->agency = db_column_text(s, 10);
	e->agency_name = db_column_text(s, 11);
	e->status = db_column_text(s, 12);
	e->next_review_at = db_column_int64(s, 13);
	e->retain_until = db_column_int64(s, 14);
	e->reason = db_column_text(s, 15);
	e->origin = db_column_text(s, 16);
	e->origin_id = db_column_int64(s, 17);
	e->origin_officer = db_column_text(s, 18);
	e->full_name = db_column_text(s, 19);
	e->dob = db_column_text(s, 20);
	e->created_at = db_column_int64(s, 21);
	e->updated_at = db_column_int64(s, 22);
	e->version = db_column_int64(s, 23);
}

static const char *keep(struct register_entry_buf *b, int i, const char *s)
{
	b->mem[i] = s ? xstrdup(s) : NULL;
	return b->mem[i];
}

/* entry_row(), its texts kept in the buffer (they outlive the statement). */
static void entry_buf_row(db_stmt *s, void *out)
{
	struct register_entry_buf *b = out;
	struct register_entry *e = &b->e;

	entry_row(s, e);
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

int register_entry_get(db *d, int64_t id, struct register_entry_buf *b)
{
	memset(b, 0, sizeof *b);
	return db_one(d, entry_buf_row, b, "SELECT " ENTRY_COLS ENTRY_FROM " WHERE e.id = ?", "i",
		      id);
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
	int64_t id = 0;
	int rc;

	/* origin_id only with an origin (an import, whose id is never 0) */
	rc = db_get_int64(d, &id,
			  "INSERT INTO register_entries (person_id, basis, basis_ref, category,"
			  " level, responsible_id, agency_id, status, next_review_at, retain_until,"
			  " reason, origin, origin_id, origin_officer, created_by, created_at,"
			  " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
			  " RETURNING id",
			  "itttiiitiIttItIii", e->person_id, e->basis, e->basis_ref, e->category,
			  (int64_t)e->level, e->responsible_id, e->agency_id,
			  e->status ? e->status : "active", e->next_review_at, e->retain_until,
			  e->reason, e->origin, e->origin ? e->origin_id : 0, e->origin_officer,
			  created_by, now, now);
	return rc < 0 ? rc : id;
}

int register_entry_update(db *d, const struct register_entry *e, int64_t now)
{
	int rc = db_write(d,
			  "UPDATE register_entries SET basis = ?, basis_ref = ?, category = ?,"
			  " level = ?, responsible_id = ?, status = ?, next_review_at = ?,"
			  " retain_until = ?, reason = ?, origin_officer = ?, updated_at = ?,"
			  " version = version + 1 WHERE id = ? AND version = ?",
			  "tttiitiIttiii", e->basis, e->basis_ref, e->category, (int64_t)e->level,
			  e->responsible_id, e->status, e->next_review_at, e->retain_until,
			  e->reason, e->origin_officer, now, e->id, e->version);

	return rc < 0 ? rc : rc == 1;
}

int64_t register_entry_by_origin(db *d, const char *origin, int64_t origin_id)
{
	int64_t id = 0;
	int rc = db_get_int64(d, &id,
			      "SELECT id FROM register_entries WHERE origin = ? AND origin_id = ?",
			      "ti", origin, origin_id);

	return rc < 0 ? rc : id;
}

int register_origin_version(db *d, int64_t id, int64_t *out)
{
	int rc = db_get_int64(d, out, "SELECT origin_version FROM register_entries WHERE id = ?",
			      "i", id);

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

struct entry_cases_ctx {
	int (*fn)(int64_t case_id, const char *ref, int64_t agency_id, void *arg);
	void *arg;
};

static int entry_case_one(db_stmt *s, void *arg)
{
	struct entry_cases_ctx *c = arg;

	return c->fn(db_column_int64(s, 0), db_column_text(s, 1), db_column_int64(s, 2), c->arg);
}

int register_entry_cases_each(db *d, int64_t entry_id,
			      int (*fn)(int64_t case_id, const char *ref, int64_t agency_id,
					void *arg),
			      void *arg)
{
	struct entry_cases_ctx c = { fn, arg };

	return db_each(d, entry_case_one, &c,
		       "SELECT c.id, c.ref, c.agency_id FROM register_entry_cases rc"
		       " JOIN cases c ON c.id = rc.case_id WHERE rc.entry_id = ? ORDER BY c.id",
		       "i", entry_id);
}

int register_history_add(db *d, int64_t entry_id, int64_t version, int64_t at, int64_t user_id,
			 const char *username, const char *action, const char *reason,
			 const char *snapshot)
{
	return db_run(d,
		      "INSERT INTO register_history (entry_id, version, at, user_id, username,"
		      " action, reason, snapshot) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
		      "iiiItttt", entry_id, version, at, user_id, username, action, reason,
		      snapshot);
}

struct history_ctx {
	int (*fn)(int64_t version, int64_t at, const char *username, const char *action,
		  const char *reason, const char *snapshot, void *arg);
	void *arg;
};

static int history_one(db_stmt *s, void *arg)
{
	struct history_ctx *c = arg;

	return c->fn(db_column_int64(s, 0), db_column_int64(s, 1), db_column_text(s, 2),
		     db_column_text(s, 3), db_column_text(s, 4), db_column_text(s, 5), c->arg);
}

int register_history_each(db *d, int64_t entry_id,
			  int (*fn)(int64_t version, int64_t at, const char *username,
				    const char *action, const char *reason, const char *snapshot,
				    void *arg),
			  void *arg)
{
	struct history_ctx c = { fn, arg };

	return db_each(d, history_one, &c,
		       "SELECT version, at, username, action, reason, snapshot"
		       " FROM register_history WHERE entry_id = ? ORDER BY id",
		       "i", entry_id);
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

/* register_entries_each()'s rows, in its three passes: all (matched NULL),
 * by an identifier (each entry found is recorded in seen) and by name (an
 * entry seen is not given again); at most limit in all. */
struct entries_ctx {
	int (*fn)(const struct register_entry *e, const char *matched, void *arg);
	void *arg;
	const char *matched;
	int n, limit;
	int64_t *seen;
	int nseen;
	bool record, skip_seen;
};

static int entry_found(db_stmt *s, void *arg)
{
	struct entries_ctx *c = arg;
	struct register_entry e;

	if (c->n >= c->limit)
		return 1;
	entry_row(s, &e);
	if (c->skip_seen) {
		bool dup = false;

		for (int i = 0; i < c->nseen; i++)
			dup = dup || c->seen[i] == e.id;
		if (dup)
			return 0;
	}
	if (c->record) {
		c->seen = xrealloc(c->seen, (size_t)(c->nseen + 1) * sizeof *c->seen);
		c->seen[c->nseen++] = e.id;
	}
	c->n++;
	if (c->fn(&e, c->matched, c->arg)) {
		c->n = c->limit;
		return 1;
	}
	return 0;
}

int register_entries_each(db *d, const char *status, const char *q, int limit,
			  int (*fn)(const struct register_entry *e, const char *matched, void *arg),
			  void *arg)
{
	char norm[IDENTIFIER_MAX + 1], key[512], esc[1100];
	struct entries_ctx c = { .fn = fn, .arg = arg, .limit = limit };
	int rc = 0;

	if (!q) {
		c.limit = INT_MAX; /* the query's LIMIT is the limit */
		return db_each(d, entry_found, &c,
			       "SELECT " ENTRY_COLS ENTRY_FROM " WHERE (? IS NULL OR e.status = ?)"
			       " ORDER BY e.id DESC LIMIT ?",
			       "tti", status, status, (int64_t)limit);
	}
	/* identifiers: q as each kind it parses as */
	c.record = true;
	for (int k = 0; k < IDENT_KIND_COUNT && c.n < limit && rc >= 0; k++) {
		if (identifier_normalise((enum identifier_kind)k, q, norm, sizeof norm, NULL, 0) < 0)
			continue;
		c.matched = identifier_kind_name((enum identifier_kind)k);
		rc = db_each(d, entry_found, &c,
			     "SELECT DISTINCT " ENTRY_COLS ENTRY_FROM
			     " JOIN person_identifiers i ON i.person_id = e.person_id"
			     " WHERE i.kind = ? AND i.match_key = ? AND (? IS NULL OR e.status = ?)"
			     " ORDER BY e.id DESC LIMIT ?",
			     "tttti", c.matched, norm, status, status, (int64_t)(limit - c.n));
	}
	if (rc >= 0 && c.n < limit && case_name_key(q, key, sizeof key) >= 0) {
		c.record = false;
		c.skip_seen = true;
		c.matched = "name";
		like_escape(key, esc, sizeof esc);
		rc = db_each(d, entry_found, &c,
			     "SELECT DISTINCT " ENTRY_COLS ENTRY_FROM " JOIN " NAMES_SQL
			     " n ON n.person_id = e.person_id"
			     " WHERE n.name_key LIKE '%' || ? || '%' ESCAPE '\\'"
			     " AND (? IS NULL OR e.status = ?) ORDER BY e.id DESC LIMIT ?",
			     "ttti", esc, status, status, (int64_t)limit);
	}
	free(c.seen);
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

struct recognise_ctx {
	int (*fn)(int64_t id, const char *matched, void *arg);
	void *arg;
};

static int recognised_one(db_stmt *s, void *arg)
{
	struct recognise_ctx *c = arg;
	char what[IDENTIFIER_MAX + 64];

	matched_text(db_column_text(s, 1), db_column_text(s, 2), what, sizeof what);
	return c->fn(db_column_int64(s, 0), what, c->arg);
}

/* Run one recognition query (shared_sql wrapped by outer, person bound
 * twice, then extra when has_extra): fn(id, what matched) for each row. */
static int recognise(db *d, const char *outer, int64_t person_id, bool has_extra, int64_t extra,
		     int (*fn)(int64_t id, const char *matched, void *arg), void *arg)
{
	struct recognise_ctx c = { fn, arg };
	char *sql = xasprintf(outer, shared_sql);
	int rc = db_each(d, recognised_one, &c, sql, has_extra ? "iii" : "ii", person_id, person_id,
			 extra);

	free(sql);
	return rc;
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
	int rc = db_exists(d,
			   "SELECT 1 FROM register_matches WHERE case_id = ? AND matched = ?"
			   " AND COALESCE(entry_id, 0) = ? AND COALESCE(other_case_id, 0) = ?",
			   "itii", case_id, matched, entry_id, other_case_id);

	if (rc != 0)
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

static void match_row(db_stmt *s, void *out)
{
	struct register_match *m = out;

	m->id = db_column_int64(s, 0);
	m->case_id = db_column_int64(s, 1);
	m->entry_id = db_column_int64(s, 2);
	m->other_case_id = db_column_int64(s, 3);
	m->matched = db_column_text(s, 4);
	m->found_at = db_column_int64(s, 5);
	m->seen_at = db_column_int64(s, 6);
	m->told_at = db_column_int64(s, 7);
	m->ask_username = db_column_text(s, 8);
	m->ask_name = db_column_text(s, 9);
	m->ask_agency = db_column_text(s, 10);
	m->other_ref = db_column_text(s, 11);
	m->entry_name = db_column_text(s, 12);
	m->case_ref = db_column_text(s, 13);
	m->case_agency = db_column_text(s, 14);
	m->case_owner = db_column_text(s, 15);
	m->case_owner_name = db_column_text(s, 16);
}

STORE_EACH(match_each, struct register_match, match_row);

int register_matches_each(db *d, int64_t case_id, int64_t entry_id,
			  int (*fn)(const struct register_match *m, void *arg), void *arg)
{
	struct match_each c = { fn, arg, 0 };

	return db_each(d, match_each_row, &c,
		       case_id ? "SELECT " MATCH_COLS MATCH_FROM " WHERE m.case_id = ?"
				 " ORDER BY m.id"
			       : "SELECT " MATCH_COLS MATCH_FROM " WHERE m.entry_id = ?"
				 " ORDER BY m.id",
		       "i", case_id ? case_id : entry_id);
}

int register_match_get(db *d, int64_t id, int (*fn)(const struct register_match *m, void *arg),
		       void *arg)
{
	struct match_each c = { fn, arg, 0 };

	return db_each(d, match_each_row, &c, "SELECT " MATCH_COLS MATCH_FROM " WHERE m.id = ?",
		       "i", id);
}

int register_match_mark(db *d, int64_t id, bool told, int64_t user_id, int64_t now)
{
	int rc = db_write(d,
			  told ? "UPDATE register_matches SET told_at = ?, told_by = ?"
				 " WHERE id = ? AND told_at IS NULL"
			       : "UPDATE register_matches SET seen_at = ?, seen_by = ?"
				 " WHERE id = ? AND seen_at IS NULL",
			  "iii", now, user_id, id);

	return rc < 0 ? rc : rc == 1;
}

/* ---- oversight -------------------------------------------------------------------- */

int register_access_add(db *d, const struct register_access *a)
{
	return db_run(d,
		      "INSERT INTO register_access (at, user_id, username, agency, action, purpose,"
		      " query_kind, query_hash, entry_id, results)"
		      " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		      "iIttttttIi", a->at, a->user_id, a->username, a->agency, a->action,
		      a->purpose, a->query_kind, a->query_hash, a->entry_id, a->results);
}

static void access_row(db_stmt *s, void *out)
{
	struct register_access *a = out;

	a->at = db_column_int64(s, 0);
	a->user_id = db_column_int64(s, 1);
	a->username = db_column_text(s, 2);
	a->agency = db_column_text(s, 3);
	a->action = db_column_text(s, 4);
	a->purpose = db_column_text(s, 5);
	a->query_kind = db_column_text(s, 6);
	a->query_hash = db_column_text(s, 7);
	a->entry_id = db_column_int64(s, 8);
	a->results = db_column_int64(s, 9);
}

STORE_EACH(access_each, struct register_access, access_row);

int register_access_each(db *d, const char *agency, int64_t from, int64_t to,
			 int (*fn)(const struct register_access *a, void *arg), void *arg)
{
	struct access_each c = { fn, arg, 0 };

	return db_each(d, access_each_row, &c,
		       "SELECT at, COALESCE(user_id, 0), username, agency, action, purpose,"
		       " query_kind, query_hash, COALESCE(entry_id, 0), results"
		       " FROM register_access WHERE at >= ? AND at < ?"
		       " AND (? IS NULL OR agency = ?) ORDER BY id",
		       "iitt", from, to, agency, agency);
}

/* ---- review and retention ------------------------------------------------------- */

STORE_EACH(review_each, struct register_entry, entry_row);

int register_reviews_due_each(db *d, int64_t agency_id, int64_t before, int limit,
			      int (*fn)(const struct register_entry *e, void *arg), void *arg)
{
	struct review_each c = { fn, arg, 0 };

	return db_each(d, review_each_row, &c,
		       "SELECT " ENTRY_COLS ENTRY_FROM " WHERE e.status = 'active'"
		       " AND e.next_review_at < ? AND (? = 0 OR u.agency_id = ?)"
		       " ORDER BY e.next_review_at, e.id LIMIT ?",
		       "iiii", before, agency_id, agency_id, (int64_t)limit);
}

struct ids {
	int64_t **ids;
	int *n;
};

static int id_one(db_stmt *s, void *arg)
{
	struct ids *c = arg;

	*c->ids = xrealloc(*c->ids, (size_t)(*c->n + 1) * sizeof **c->ids);
	(*c->ids)[(*c->n)++] = db_column_int64(s, 0);
	return 0;
}

int register_purge_due(db *d, int64_t now, int64_t **ids, int *n)
{
	struct ids c = { ids, n };

	*ids = NULL;
	*n = 0;
	return db_each(d, id_one, &c,
		       "SELECT id FROM register_entries WHERE status = 'removed'"
		       " OR (retain_until IS NOT NULL AND retain_until < ?) ORDER BY id",
		       "i", now);
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
	int rc;

	rc = db_get_int64(d, &person, "SELECT person_id FROM register_entries WHERE id = ?", "i",
			  id);
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
