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
#include "store/sealed.h"

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A victim: her row with its name's match key, then her name, date of birth
 * and description sealed with the id the row was given; her aliases and
 * identifiers sealed, each beside its match key. */
static int64_t person_insert_sealed(db *d, const struct person_in *p)
{
	char key[512], match[CRYPT_MATCH_LEN], ad[SEALED_AD_MAX];
	char *name = NULL, *dob = NULL, *desc = NULL;
	bool has_key = p->full_name && case_name_key(p->full_name, key, sizeof key) == 0;
	int64_t id = 0;
	int rc;

	if (has_key && (rc = sealed_match(d, "name", key, match)) < 0)
		return rc;
	rc = db_get_int64(d, &id,
			  "INSERT INTO persons (full_name, name_key, dob, description, created_at)"
			  " VALUES (NULL, ?, NULL, NULL, ?) RETURNING id",
			  "ti", (const char *)(has_key ? match : NULL), clock_now_ms());
	if (rc < 0)
		return rc;
	sealed_ad(ad, "persons.full_name", id);
	rc = sealed_put(d, ad, p->full_name, &name);
	sealed_ad(ad, "persons.dob", id);
	if (rc >= 0)
		rc = sealed_put(d, ad, p->dob, &dob);
	sealed_ad(ad, "persons.description", id);
	if (rc >= 0)
		rc = sealed_put(d, ad, p->description, &desc);
	if (rc >= 0)
		rc = db_run(d, "UPDATE persons SET full_name = ?, dob = ?, description = ? WHERE id = ?",
			    "ttti", name, dob, desc, id);
	free(name);
	free(dob);
	free(desc);
	sealed_ad(ad, "person_aliases.name", id);
	for (int i = 0; rc >= 0 && i < p->naliases; i++) {
		char *alias = NULL;

		if (case_name_key(p->aliases[i], key, sizeof key) < 0)
			continue;
		rc = sealed_match(d, "name", key, match);
		if (rc >= 0)
			rc = sealed_put(d, ad, p->aliases[i], &alias);
		if (rc >= 0)
			rc = db_run(d, "INSERT INTO person_aliases (person_id, name, name_key) VALUES (?, ?, ?)",
				    "itt", id, alias, match);
		free(alias);
	}
	for (int i = 0; rc >= 0 && i < p->nids; i++) {
		const char *kind = identifier_kind_name(p->ids[i].kind);
		int64_t iid = 0;

		rc = sealed_match(d, kind, p->ids[i].match_key, match);
		/* the value is sealed with the row's id, known once it is stored */
		if (rc >= 0)
			rc = db_get_int64(d, &iid,
					  "INSERT INTO person_identifiers (person_id, kind, value,"
					  " match_key) VALUES (?, ?, '', ?) RETURNING id",
					  "itt", id, kind, (const char *)match);
		if (rc >= 0)
			rc = sealed_update(d, "person_identifiers", "value", iid, p->ids[i].value);
	}
	return rc < 0 ? rc : id;
}

int64_t person_insert(db *d, const struct person_in *p)
{
	char key[512];
	bool has_key;
	int64_t id = 0;
	int rc;

	if (p->sealed)
		return person_insert_sealed(d, p);
	has_key = p->full_name && case_name_key(p->full_name, key, sizeof key) == 0;
	rc = db_get_int64(d, &id,
			  "INSERT INTO persons (full_name, name_key, dob, description, created_at)"
			  " VALUES (?, ?, ?, ?, ?) RETURNING id",
			  "tttti", p->full_name, (const char *)(has_key ? key : NULL), p->dob,
			  p->description, clock_now_ms());
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

int person_more_add(db *d, int64_t person_id, const struct person_in *more)
{
	char key[512];
	int rc;

	if (more->dob) {
		rc = db_run(d, "UPDATE persons SET dob = ? WHERE id = ? AND dob IS NULL", "ti", more->dob,
			    person_id);
		if (rc < 0)
			return rc;
	}
	for (int i = 0; i < more->naliases; i++) {
		if (case_name_key(more->aliases[i], key, sizeof key) < 0)
			continue;
		rc = db_run(d,
			    "INSERT INTO person_aliases (person_id, name, name_key) SELECT ?, ?, ?"
			    " WHERE NOT EXISTS (SELECT 1 FROM person_aliases WHERE person_id = ?"
			    " AND name_key = ?)",
			    "ittit", person_id, more->aliases[i], key, person_id, key);
		if (rc < 0)
			return rc;
	}
	for (int i = 0; i < more->nids; i++) {
		const char *kind = identifier_kind_name(more->ids[i].kind);

		rc = db_run(d,
			    "INSERT INTO person_identifiers (person_id, kind, value, match_key)"
			    " SELECT ?, ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM person_identifiers"
			    " WHERE person_id = ? AND kind = ? AND match_key = ?)",
			    "itttitt", person_id, kind, more->ids[i].value, more->ids[i].match_key,
			    person_id, kind, more->ids[i].match_key);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int case_person_add(db *d, int64_t case_id, int64_t person_id, const char *role)
{
	return db_run(d, "INSERT INTO case_people (case_id, person_id, role) VALUES (?, ?, ?)", "iit",
		      case_id, person_id, role);
}

int64_t case_suspect(db *d, int64_t case_id)
{
	int64_t id = 0;
	int rc;

	rc = db_get_int64(d, &id,
			  "SELECT person_id FROM case_people WHERE case_id = ? AND role = 'suspect'"
			  " ORDER BY person_id LIMIT 1",
			  "i", case_id);
	return rc < 0 ? rc : id;
}

/* A victim's name, date of birth and description, columns col to col + 2 of
 * s, opened (caller frees). */
static int person_open(db *d, db_stmt *s, int col, int64_t id, char **out_name, char **out_dob,
		       char **out_desc)
{
	char ad[SEALED_AD_MAX];
	int rc;

	*out_name = *out_dob = *out_desc = NULL;
	sealed_ad(ad, "persons.full_name", id);
	rc = sealed_get(d, ad, db_column_text(s, col), out_name);
	sealed_ad(ad, "persons.dob", id);
	if (rc >= 0)
		rc = sealed_get(d, ad, db_column_text(s, col + 1), out_dob);
	sealed_ad(ad, "persons.description", id);
	if (rc >= 0)
		rc = sealed_get(d, ad, db_column_text(s, col + 2), out_desc);
	if (rc < 0) {
		free(*out_name);
		free(*out_dob);
		free(*out_desc);
		*out_name = *out_dob = *out_desc = NULL;
	}
	return rc;
}

/* A case_people_each caller's fn and arg, for db_each, and the first failure
 * to open a victim (which stops the rows). */
struct person_ctx {
	db *d;
	int (*fn)(const struct person_row *p, void *arg);
	void *arg;
	int rc;
};

static int person_call(db_stmt *s, void *arg)
{
	struct person_ctx *x = arg;
	struct person_row p;
	char *name = NULL, *dob = NULL, *desc = NULL;
	int stop;

	p.id = db_column_int64(s, 0);
	p.role = db_column_text(s, 1);
	p.full_name = db_column_text(s, 2);
	p.dob = db_column_text(s, 3);
	p.description = db_column_text(s, 4);
	if (strcmp(p.role, "victim") == 0) {
		x->rc = person_open(x->d, s, 2, p.id, &name, &dob, &desc);
		if (x->rc < 0)
			return 1;
		p.full_name = name;
		p.dob = dob;
		p.description = desc;
	}
	stop = x->fn(&p, x->arg);
	free(name);
	free(dob);
	free(desc);
	return stop;
}

int case_people_each(db *d, int64_t case_id, int (*fn)(const struct person_row *p, void *arg),
		     void *arg)
{
	struct person_ctx x = { d, fn, arg, 0 };
	int rc;

	rc = db_each(d, person_call, &x,
		     "SELECT p.id, cp.role, p.full_name, p.dob, p.description FROM case_people cp"
		     " JOIN persons p ON p.id = cp.person_id WHERE cp.case_id = ?"
		     " ORDER BY cp.role DESC, p.id",
		     "i", case_id);
	return rc < 0 ? rc : x.rc < 0 ? x.rc : 0;
}

/* A person_aliases_each caller's fn and arg, for db_each; sealed, the names
 * opened (every one: they are sorted once all are open) and the first
 * failure to open one (which stops the rows). */
struct alias_ctx {
	db *d;
	bool sealed;
	int (*fn)(const char *name, void *arg);
	void *arg;
	char ad[SEALED_AD_MAX];
	char **names;
	int n, max, rc;
};

static int alias_call(db_stmt *s, void *arg)
{
	struct alias_ctx *x = arg;

	if (!x->sealed)
		return x->fn(db_column_text(s, 0), x->arg);
	if (x->n == x->max) {
		x->max = x->max ? 2 * x->max : 16;
		x->names = xrealloc(x->names, (size_t)x->max * sizeof *x->names);
	}
	x->rc = sealed_get(x->d, x->ad, db_column_text(s, 0), &x->names[x->n]);
	if (x->rc < 0)
		return 1;
	x->n++;
	return 0;
}

int person_aliases_each(db *d, int64_t person_id, bool sealed,
			int (*fn)(const char *name, void *arg), void *arg)
{
	struct alias_ctx x = { .d = d, .sealed = sealed, .fn = fn, .arg = arg };
	int rc;

	sealed_ad(x.ad, "person_aliases.name", person_id);
	rc = db_each(d, alias_call, &x,
		     "SELECT name FROM person_aliases WHERE person_id = ? ORDER BY name", "i",
		     person_id);
	if (rc >= 0 && x.rc < 0)
		rc = x.rc;
	/* sealed: in name order once opened (the sealed text has no order) */
	if (x.n)
		qsort(x.names, (size_t)x.n, sizeof x.names[0], cmp_str);
	for (int i = 0; rc >= 0 && i < x.n; i++)
		if (fn(x.names[i], arg))
			break;
	for (int i = 0; i < x.n; i++)
		free(x.names[i]);
	free(x.names);
	return rc < 0 ? rc : 0;
}

/* A person_identifiers_each caller's fn and arg, for db_each; sealed, the
 * first failure to open a value (which stops the rows). */
struct identifier_ctx {
	db *d;
	bool sealed;
	int (*fn)(const char *kind, const char *value, void *arg);
	void *arg;
	int rc;
};

static int identifier_call(db_stmt *s, void *arg)
{
	struct identifier_ctx *x = arg;
	char ad[SEALED_AD_MAX], *value = NULL;
	int stop;

	if (x->sealed) {
		sealed_ad(ad, "person_identifiers.value", db_column_int64(s, 0));
		x->rc = sealed_get(x->d, ad, db_column_text(s, 2), &value);
		if (x->rc < 0)
			return 1;
	}
	stop = x->fn(db_column_text(s, 1), value ? value : db_column_text(s, 2), x->arg);
	free(value);
	return stop;
}

int person_identifiers_each(db *d, int64_t person_id, bool sealed,
			    int (*fn)(const char *kind, const char *value, void *arg), void *arg)
{
	struct identifier_ctx x = { d, sealed, fn, arg, 0 };
	int rc;

	rc = db_each(d, identifier_call, &x,
		     "SELECT id, kind, value FROM person_identifiers WHERE person_id = ? ORDER BY id",
		     "i", person_id);
	return rc < 0 ? rc : x.rc < 0 ? x.rc : 0;
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

/* Every row's column 0 into the idset arg. */
static int idset_call(db_stmt *s, void *arg)
{
	idset_add(arg, db_column_int64(s, 0));
	return 0;
}

static int same_person(db *d, int64_t person, struct idset *out)
{
	return db_each(d, idset_call, out, same_person_sql, "ii", person, person);
}

/* The cases in which person is a suspect. */
static int suspect_cases(db *d, int64_t person, struct idset *out)
{
	return db_each(d, idset_call, out,
		       "SELECT case_id FROM case_people WHERE person_id = ? AND role = 'suspect'",
		       "i", person);
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

/* Union-find over victims. */
static int64_t uf_find(int64_t *parent, int i)
{
	while (parent[i] != i) {
		parent[i] = parent[parent[i]];
		i = (int)parent[i];
	}
	return i;
}

/*
 * What tells one victim from another, opened: her identifiers as "kind
 * normalised" and her name and aliases as folded, with her date of birth.
 * Her match keys would do in SQL, but during a rotation two victims' keys may
 * be under two data keys; the opened values match whatever sealed them.
 */
struct victim_keys {
	char *dob;
	struct buf ids;   /* "kind value\n" each */
	struct buf names; /* "folded\n" each */
};

static int add_victim_name(const char *name, void *arg)
{
	char key[512];

	if (name && case_name_key(name, key, sizeof key) == 0)
		buf_printf(arg, "%s\n", key);
	return 0;
}

static int add_victim_id(const char *kind, const char *value, void *arg)
{
	char norm[IDENTIFIER_MAX + 1];
	enum identifier_kind k;

	if (identifier_kind_parse(kind, &k) == 0 &&
	    identifier_normalise(k, value, norm, sizeof norm, NULL, 0) == 0)
		buf_printf(arg, "%s %s\n", kind, norm);
	return 0;
}

/* A victim's row opened by victim_row: what person_open() answered. */
struct victim_read {
	db *d;
	int64_t id;
	char *name, *dob, *desc;
	int rc;
};

static void victim_row(db_stmt *s, void *out)
{
	struct victim_read *r = out;

	r->rc = person_open(r->d, s, 0, r->id, &r->name, &r->dob, &r->desc);
}

static int victim_keys_load(db *d, int64_t person, struct victim_keys *v)
{
	struct victim_read r = { d, person, NULL, NULL, NULL, 0 };
	char *name, *desc;
	int rc;

	buf_init(&v->ids);
	buf_init(&v->names);
	rc = db_one(d, victim_row, &r,
		    "SELECT full_name, dob, description FROM persons WHERE id = ?", "i", person);
	if (rc >= 0)
		rc = r.rc;
	name = r.name;
	v->dob = r.dob;
	desc = r.desc;
	if (rc >= 0) {
		add_victim_name(name, &v->names);
		rc = person_aliases_each(d, person, true, add_victim_name, &v->names);
	}
	if (rc >= 0)
		rc = person_identifiers_each(d, person, true, add_victim_id, &v->ids);
	free(name);
	free(desc);
	return rc < 0 ? rc : 0;
}

static void victim_keys_free(struct victim_keys *v)
{
	free(v->dob);
	buf_free(&v->ids);
	buf_free(&v->names);
}

/* Do two lists of lines share a line? */
static bool share_line(const struct buf *a, const struct buf *b)
{
	for (const char *p = a->data; p && *p;) {
		const char *nl = strchr(p, '\n');
		size_t n = (size_t)(nl - p);

		for (const char *q = b->data; q && *q;) {
			const char *nl2 = strchr(q, '\n');

			if ((size_t)(nl2 - q) == n && memcmp(p, q, n) == 0)
				return true;
			q = nl2 + 1;
		}
		p = nl + 1;
	}
	return false;
}

/* The same person: an identifier in common, or a name (or alias) with the
 * same date of birth (as same_person() for suspects). */
static bool same_victim(const struct victim_keys *a, const struct victim_keys *b)
{
	if (share_line(&a->ids, &b->ids))
		return true;
	return a->dob && b->dob && strcmp(a->dob, b->dob) == 0 && share_line(&a->names, &b->names);
}

int links_distinct_victims(db *d, const int64_t *cases, int ncases)
{
	struct idset victims = { 0 };
	struct victim_keys *keys = NULL;
	int64_t *parent = NULL;
	int rc = 0, groups = 0, loaded = 0;

	for (int i = 0; i < ncases && rc >= 0; i++)
		rc = db_each(d, idset_call, &victims,
			     "SELECT person_id FROM case_people WHERE case_id = ? AND role = 'victim'",
			     "i", cases[i]);
	if (rc < 0)
		goto out;
	keys = xcalloc((size_t)victims.n + 1, sizeof *keys);
	for (; loaded < victims.n; loaded++) {
		rc = victim_keys_load(d, victims.v[loaded], &keys[loaded]);
		if (rc < 0) {
			victim_keys_free(&keys[loaded]);
			goto out;
		}
	}
	parent = xcalloc((size_t)victims.n + 1, sizeof *parent);
	for (int i = 0; i < victims.n; i++)
		parent[i] = i;
	for (int i = 0; i < victims.n; i++)
		for (int k = i + 1; k < victims.n; k++)
			if (same_victim(&keys[i], &keys[k]))
				parent[uf_find(parent, i)] = uf_find(parent, k);
	for (int i = 0; i < victims.n; i++)
		if (uf_find(parent, i) == i)
			groups++;
	rc = groups;
out:
	for (int i = 0; i < loaded; i++)
		victim_keys_free(&keys[i]);
	free(keys);
	free(parent);
	free(victims.v);
	return rc;
}

/* ---- the register search ------------------------------------------------------ */

/* A register search's fn and arg, for db_each: the hits so far and the most
 * wanted, what matched (NULL: column 5 says), whether fn said stop, and the
 * first failure to open a victim (which stops the rows). */
struct search_ctx {
	db *d;
	int (*fn)(const struct search_hit *h, void *arg);
	void *arg;
	const char *matched;
	int n, limit;
	int stop, rc;
};

/* A suspect found: id, case, role, name, date of birth (and what matched). */
static int suspect_hit_call(db_stmt *s, void *arg)
{
	struct search_ctx *x = arg;
	struct search_hit h;

	h.person_id = db_column_int64(s, 0);
	h.case_id = db_column_int64(s, 1);
	h.role = db_column_text(s, 2);
	h.full_name = db_column_text(s, 3);
	h.dob = db_column_text(s, 4);
	h.matched = x->matched ? x->matched : db_column_text(s, 5);
	x->n++;
	x->stop = x->fn(&h, x->arg);
	return x->stop || x->n >= x->limit;
}

/* A victim found: id, case, then her sealed name, date of birth and
 * description. */
static int victim_hit_call(db_stmt *s, void *arg)
{
	struct search_ctx *x = arg;
	struct search_hit h;
	char *name, *dob, *desc;

	h.person_id = db_column_int64(s, 0);
	h.case_id = db_column_int64(s, 1);
	h.role = "victim";
	x->rc = person_open(x->d, s, 2, h.person_id, &name, &dob, &desc);
	if (x->rc < 0)
		return 1;
	h.full_name = name;
	h.dob = dob;
	h.matched = x->matched;
	x->n++;
	x->stop = x->fn(&h, x->arg);
	free(name);
	free(dob);
	free(desc);
	return x->stop || x->n >= x->limit;
}

/* Victims whose identifier is q, as each kind it parses as (addresses
 * excepted), by its match key under every key held.  1 when fn said stop. */
static int victims_search(db *d, const char *q, struct search_ctx *x)
{
	char norm[IDENTIFIER_MAX + 1], match[CRYPT_KEYS_MAX][CRYPT_MATCH_LEN];
	int rc = 0;

	for (int k = 0; k < IDENT_KIND_COUNT && x->n < x->limit && rc >= 0; k++) {
		const char *kind = identifier_kind_name((enum identifier_kind)k);
		int nm;

		if (k == IDENT_ADDRESS ||
		    identifier_normalise((enum identifier_kind)k, q, norm, sizeof norm, NULL, 0) < 0)
			continue;
		/* under each key: a rotation may be half done */
		nm = sealed_match_all(d, kind, norm, match, CRYPT_KEYS_MAX);
		x->matched = kind;
		for (int m = 0; m < nm && x->n < x->limit && rc >= 0; m++) {
			rc = db_each(d, victim_hit_call, x,
				     "SELECT p.id, cp.case_id, p.full_name, p.dob, p.description, i.kind"
				     " FROM person_identifiers i JOIN persons p ON p.id = i.person_id"
				     " JOIN case_people cp ON cp.person_id = p.id AND cp.role = 'victim'"
				     " WHERE i.kind = ? AND i.match_key = ? ORDER BY cp.case_id DESC"
				     " LIMIT ?",
				     "tti", kind, (const char *)match[m],
				     (int64_t)(x->limit - x->n));
			if (rc >= 0 && x->rc < 0)
				rc = x->rc;
			if (x->stop)
				return 1;
		}
	}
	return rc < 0 ? rc : 0;
}

int people_search(db *d, const char *q, int limit,
		  int (*fn)(const struct search_hit *h, void *arg), void *arg)
{
	char norm[IDENTIFIER_MAX + 1], key[512];
	struct search_ctx x = { d, fn, arg, NULL, 0, limit, 0, 0 };
	int rc = 0;

	/* identifiers: q as each kind it parses as */
	for (int k = 0; k < IDENT_KIND_COUNT && x.n < limit && rc >= 0; k++) {
		if (k == IDENT_ADDRESS)
			continue; /* the register is searched by what identifies a suspect */
		if (identifier_normalise((enum identifier_kind)k, q, norm, sizeof norm, NULL, 0) < 0)
			continue;
		rc = db_each(d, suspect_hit_call, &x,
			     "SELECT p.id, cp.case_id, cp.role, p.full_name, p.dob, i.kind"
			     " FROM person_identifiers i JOIN persons p ON p.id = i.person_id"
			     " JOIN case_people cp ON cp.person_id = p.id AND cp.role = 'suspect'"
			     " WHERE i.kind = ? AND i.match_key = ? ORDER BY cp.case_id DESC LIMIT ?",
			     "tti", identifier_kind_name((enum identifier_kind)k),
			     (const char *)norm, (int64_t)(limit - x.n));
		if (x.stop)
			return 0;
	}
	if (rc < 0)
		return rc;
	rc = victims_search(d, q, &x);
	if (rc != 0 || x.n >= limit || case_name_key(q, key, sizeof key) < 0)
		return rc < 0 ? rc : 0;

	/* names and aliases containing the folded query */
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
		x.matched = "name";
		return db_each(d, suspect_hit_call, &x,
			       "SELECT DISTINCT p.id, cp.case_id, cp.role, p.full_name, p.dob"
			       " FROM " NAMES_SQL " n JOIN persons p ON p.id = n.person_id"
			       " JOIN case_people cp ON cp.person_id = p.id AND cp.role = 'suspect'"
			       " WHERE n.name_key LIKE '%' || ? || '%' ESCAPE '\\'"
			       " ORDER BY cp.case_id DESC LIMIT ?",
			       "ti", (const char *)esc, (int64_t)(limit - x.n));
	}
}
