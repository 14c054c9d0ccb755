/*
 * store/people — SQL for people, identifiers, links and the register search.
 */
#include "store/people.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/mem.h"
#include "core/casefile.h"

int64_t person_insert(db *d, const struct person_in *p)
{
	char key[512];
	int64_t id = 0;
	db_stmt *s;
	int rc;

	rc = db_prepare(d, &s,
			"INSERT INTO persons (full_name, name_key, dob, description, created_at)"
			" VALUES (?, ?, ?, ?, ?) RETURNING id");
	if (rc < 0)
		return rc;
	db_bind_text(s, 1, p->full_name);
	db_bind_text(s, 2, p->full_name && case_name_key(p->full_name, key, sizeof key) == 0 ? key
											     : NULL);
	db_bind_text(s, 3, p->dob);
	db_bind_text(s, 4, p->description);
	db_bind_int64(s, 5, clock_now_ms());
	rc = db_step(s);
	if (rc == DB_ROW)
		id = db_column_int64(s, 0);
	db_finalize(s);
	if (rc < 0)
		return rc;
	for (int i = 0; i < p->naliases; i++) {
		if (case_name_key(p->aliases[i], key, sizeof key) < 0)
			continue;
		rc = db_run(d, "INSERT INTO person_aliases (person_id, name, name_key) VALUES (?, ?, ?)",
			    "itt", id, p->aliases[i], key);
		if (rc < 0)
			return rc;
	}
	for (int i = 0; i < p->nids; i++) {
		rc = db_run(d,
			    "INSERT INTO person_identifiers (person_id, kind, value, match_key)"
			    " VALUES (?, ?, ?, ?)",
			    "ittt", id, identifier_kind_name(p->ids[i].kind), p->ids[i].value,
			    p->ids[i].match_key);
		if (rc < 0)
			return rc;
	}
	return id;
}

int case_person_add(db *d, int64_t case_id, int64_t person_id, const char *role)
{
	return db_run(d, "INSERT INTO case_people (case_id, person_id, role) VALUES (?, ?, ?)", "iit",
		      case_id, person_id, role);
}

int64_t case_suspect(db *d, int64_t case_id)
{
	db_stmt *s;
	int64_t id = 0;
	int rc;

	rc = db_prepare(d, &s,
			"SELECT person_id FROM case_people WHERE case_id = ? AND role = 'suspect'"
			" ORDER BY person_id LIMIT 1");
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, case_id);
	rc = db_step(s);
	if (rc == DB_ROW)
		id = db_column_int64(s, 0);
	db_finalize(s);
	return rc < 0 ? rc : id;
}

int case_people_each(db *d, int64_t case_id, int (*fn)(const struct person_row *p, void *arg),
		     void *arg)
{
	struct person_row p;
	db_stmt *s;
	int rc;

	rc = db_prepare(d, &s,
			"SELECT p.id, cp.role, p.full_name, p.dob, p.description FROM case_people cp"
			" JOIN persons p ON p.id = cp.person_id WHERE cp.case_id = ?"
			" ORDER BY cp.role DESC, p.id");
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, case_id);
	while ((rc = db_step(s)) == DB_ROW) {
		p.id = db_column_int64(s, 0);
		p.role = db_column_text(s, 1);
		p.full_name = db_column_text(s, 2);
		p.dob = db_column_text(s, 3);
		p.description = db_column_text(s, 4);
		if (fn(&p, arg))
			break;
	}
	db_finalize(s);
	return rc < 0 ? rc : 0;
}

int person_aliases_each(db *d, int64_t person_id, int (*fn)(const char *name, void *arg),
			void *arg)
{
	db_stmt *s;
	int rc;

	rc = db_prepare(d, &s, "SELECT name FROM person_aliases WHERE person_id = ? ORDER BY name");
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, person_id);
	while ((rc = db_step(s)) == DB_ROW)
		if (fn(db_column_text(s, 0), arg))
			break;
	db_finalize(s);
	return rc < 0 ? rc : 0;
}

int person_identifiers_each(db *d, int64_t person_id,
			    int (*fn)(const char *kind, const char *value, void *arg), void *arg)
{
	db_stmt *s;
	int rc;

	rc = db_prepare(d, &s,
			"SELECT kind, value FROM person_identifiers WHERE person_id = ? ORDER BY id");
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, person_id);
	while ((rc = db_step(s)) == DB_ROW)
		if (fn(db_column_text(s, 0), db_column_text(s, 1), arg))
			break;
	db_finalize(s);
	return rc < 0 ? rc : 0;
}

/* ---- links ------------------------------------------------------------------ */

struct idset {
	int64_t *v;
	int n, cap;
};

static bool idset_has(const struct idset *s, int64_t id)
{
	for (int i = 0; i < s->n; i++)
		if (s->v[i] == id)
			return true;
	return false;
}

static void idset_add(struct idset *s, int64_t id)
{
	if (idset_has(s, id))
		return;
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 16;
		s->v = xrealloc(s->v, (size_t)s->cap * sizeof *s->v);
	}
	s->v[s->n++] = id;
}

/*
 * Persons sharing an identifier with person, or a name (or alias) with the
 * same date of birth; only people recorded as suspects when suspects_only.
 */
#define NAMES_SQL \
	"(SELECT id AS person_id, name_key FROM persons WHERE name_key IS NOT NULL" \
	" UNION SELECT person_id, name_key FROM person_aliases)"
static const char same_person_sql[] =
	"SELECT i2.person_id FROM person_identifiers i1"
	" JOIN person_identifiers i2 ON i2.kind = i1.kind AND i2.match_key = i1.match_key"
	" WHERE i1.person_id = ? AND i2.person_id <> i1.person_id"
	" UNION"
	" SELECT n2.person_id FROM " NAMES_SQL " n1"
	" JOIN persons p1 ON p1.id = n1.person_id"
	" JOIN " NAMES_SQL " n2 ON n2.name_key = n1.name_key"
	" JOIN persons p2 ON p2.id = n2.person_id AND p2.dob = p1.dob"
	" WHERE n1.person_id = ? AND n2.person_id <> n1.person_id AND p1.dob IS NOT NULL";

static int same_person(db *d, int64_t person, struct idset *out)
{
	db_stmt *s;
	int rc;

	rc = db_prepare(d, &s, same_person_sql);
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, person);
	db_bind_int64(s, 2, person);
	while ((rc = db_step(s)) == DB_ROW)
		idset_add(out, db_column_int64(s, 0));
	db_finalize(s);
	return rc < 0 ? rc : 0;
}

/* The cases in which person is a suspect. */
static int suspect_cases(db *d, int64_t person, struct idset *out)
{
	db_stmt *s;
	int rc;

	rc = db_prepare(d, &s,
			"SELECT case_id FROM case_people WHERE person_id = ? AND role = 'suspect'");
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, person);
	while ((rc = db_step(s)) == DB_ROW)
		idset_add(out, db_column_int64(s, 0));
	db_finalize(s);
	return rc < 0 ? rc : 0;
}

int links_find(db *d, int64_t case_id, int max, int64_t **cases, int *ncases)
{
	struct idset persons = { 0 }, found = { 0 }, linked = { 0 };
	int64_t start = case_suspect(d, case_id);
	int rc = 0;

	*cases = NULL;
	*ncases = 0;
	if (start <= 0)
		return start < 0 ? (int)start : 0;
	/* breadth-first over suspect persons; persons.n grows as we go */
	idset_add(&persons, start);
	for (int i = 0; i < persons.n && linked.n < max; i++) {
		found.n = 0;
		rc = same_person(d, persons.v[i], &found);
		if (rc < 0)
			goto out;
		for (int k = 0; k < found.n; k++) {
			struct idset pc = { 0 };

			if (idset_has(&persons, found.v[k]))
				continue;
			rc = suspect_cases(d, found.v[k], &pc);
			if (rc < 0) {
				free(pc.v);
				goto out;
			}
			/* only suspects carry the link on (a victim sharing a
			 * phone with a suspect is not the suspect) */
			if (pc.n)
				idset_add(&persons, found.v[k]);
			for (int j = 0; j < pc.n && linked.n < max; j++)
				if (pc.v[j] != case_id)
					idset_add(&linked, pc.v[j]);
			free(pc.v);
		}
	}
	*cases = linked.v;
	*ncases = linked.n;
	linked.v = NULL;
out:
	free(persons.v);
	free(found.v);
	free(linked.v);
	return rc;
}

/* Union-find over victims, joined when same_person() says so. */
static int64_t uf_find(int64_t *parent, int i)
{
	while (parent[i] != i) {
		parent[i] = parent[parent[i]];
		i = (int)parent[i];
	}
	return i;
}

int links_distinct_victims(db *d, const int64_t *cases, int ncases)
{
	struct idset victims = { 0 }, same = { 0 };
	int64_t *parent = NULL;
	int rc = 0, groups = 0;
	db_stmt *s;

	rc = db_prepare(d, &s, "SELECT person_id FROM case_people WHERE case_id = ? AND role = 'victim'");
	if (rc < 0)
		return rc;
	for (int i = 0; i < ncases; i++) {
		db_reset(s);
		db_bind_int64(s, 1, cases[i]);
		while ((rc = db_step(s)) == DB_ROW)
			idset_add(&victims, db_column_int64(s, 0));
		if (rc < 0)
			break;
	}
	db_finalize(s);
	if (rc < 0)
		goto out;
	parent = xcalloc((size_t)victims.n + 1, sizeof *parent);
	for (int i = 0; i < victims.n; i++)
		parent[i] = i;
	for (int i = 0; i < victims.n; i++) {
		same.n = 0;
		rc = same_person(d, victims.v[i], &same);
		if (rc < 0)
			goto out;
		for (int k = 0; k < victims.n; k++)
			if (k != i && idset_has(&same, victims.v[k]))
				parent[uf_find(parent, i)] = uf_find(parent, k);
	}
	for (int i = 0; i < victims.n; i++)
		if (uf_find(parent, i) == i)
			groups++;
	rc = groups;
out:
	free(parent);
	free(victims.v);
	free(same.v);
	return rc;
}

/* ---- the register search ------------------------------------------------------ */

int people_search(db *d, const char *q, int limit,
		  int (*fn)(const struct search_hit *h, void *arg), void *arg)
{
	char norm[IDENTIFIER_MAX + 1], key[512];
	struct search_hit h;
	db_stmt *s;
	int rc, n = 0;

	/* identifiers: q as each kind it parses as */
	rc = db_prepare(d, &s,
			"SELECT p.id, cp.case_id, cp.role, p.full_name, p.dob, i.kind"
			" FROM person_identifiers i JOIN persons p ON p.id = i.person_id"
			" JOIN case_people cp ON cp.person_id = p.id AND cp.role = 'suspect'"
			" WHERE i.kind = ? AND i.match_key = ? ORDER BY cp.case_id DESC LIMIT ?");
	if (rc < 0)
		return rc;
	for (int k = 0; k < IDENT_KIND_COUNT && n < limit; k++) {
		if (k == IDENT_ADDRESS)
			continue; /* the register is searched by what identifies a suspect */
		if (identifier_normalise((enum identifier_kind)k, q, norm, sizeof norm, NULL, 0) < 0)
			continue;
		db_reset(s);
		db_bind_text(s, 1, identifier_kind_name((enum identifier_kind)k));
		db_bind_text(s, 2, norm);
		db_bind_int64(s, 3, limit - n);
		while ((rc = db_step(s)) == DB_ROW && n < limit) {
			h.person_id = db_column_int64(s, 0);
			h.case_id = db_column_int64(s, 1);
			h.role = db_column_text(s, 2);
			h.full_name = db_column_text(s, 3);
			h.dob = db_column_text(s, 4);
			h.matched = db_column_text(s, 5);
			n++;
			if (fn(&h, arg)) {
				db_finalize(s);
				return 0;
			}
		}
		if (rc < 0)
			break;
	}
	db_finalize(s);
	if (rc < 0 || n >= limit || case_name_key(q, key, sizeof key) < 0)
		return rc < 0 ? rc : 0;

	/* names and aliases containing the folded query */
	rc = db_prepare(d, &s,
			"SELECT DISTINCT p.id, cp.case_id, cp.role, p.full_name, p.dob"
			" FROM " NAMES_SQL " n JOIN persons p ON p.id = n.person_id"
			" JOIN case_people cp ON cp.person_id = p.id AND cp.role = 'suspect'"
			" WHERE n.name_key LIKE '%' || ? || '%' ESCAPE '\\'"
			" ORDER BY cp.case_id DESC LIMIT ?");
	if (rc < 0)
		return rc;
	{
		/* escape LIKE's wildcards: the folded key has none but spaces and
		 * word characters, but '_' is a word character here */
		char esc[1100];
		size_t j = 0;

		for (const char *p = key; *p && j + 2 < sizeof esc; p++) {
			if (*p == '%' || *p == '_' || *p == '\\')
				esc[j++] = '\\';
			esc[j++] = *p;
		}
		esc[j] = '\0';
		db_bind_text(s, 1, esc);
	}
	db_bind_int64(s, 2, limit - n);
	while ((rc = db_step(s)) == DB_ROW) {
		h.person_id = db_column_int64(s, 0);
		h.case_id = db_column_int64(s, 1);
		h.role = db_column_text(s, 2);
		h.full_name = db_column_text(s, 3);
		h.dob = db_column_text(s, 4);
		h.matched = "name";
		if (fn(&h, arg))
			break;
	}
	db_finalize(s);
	return rc < 0 ? rc : 0;
}
