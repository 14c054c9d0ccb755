/*
 * store/sealed — sealed columns, the keys the database records, and the pass
 * that seals every value with one key.
 */
#include "store/sealed.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/clock.h"
#include "base/mem.h"
#include "core/casefile.h"
#include "core/identifier.h"

/* ---- sealing and opening columns ---------------------------------------------------- */

void sealed_ad(char out[SEALED_AD_MAX], const char *what, int64_t id)
{
	snprintf(out, SEALED_AD_MAX, "%s:%lld", what, (long long)id);
}

void sealed_ad2(char out[SEALED_AD_MAX], const char *what, int64_t a, int64_t b)
{
	snprintf(out, SEALED_AD_MAX, "%s:%lld.%lld", what, (long long)a, (long long)b);
}

static int no_key(db *d, const char *ad)
{
	crypt_keys *k = db_keys(d);

	db_set_note(d, "cannot seal %s: %s", ad,
		    k ? "no data key is current (the key the database names is not in the key file)"
		      : "this connection has no data keys");
	return DB_SEALED;
}

int sealed_put(db *d, const char *ad, const char *plain, char **out)
{
	crypt_keys *k = db_keys(d);

	*out = NULL;
	if (!plain)
		return 0;
	if (!k || !(*out = crypt_seal(k, ad, plain, strlen(plain))))
		return no_key(d, ad);
	return 0;
}

int sealed_get(db *d, const char *ad, const char *text, char **out)
{
	crypt_keys *k = db_keys(d);
	char why[300];

	*out = NULL;
	if (!text)
		return 0;
	if (!k) {
		db_set_note(d, "cannot open %s: this connection has no data keys", ad);
		return DB_SEALED;
	}
	if (crypt_open(k, ad, text, out, NULL, why, sizeof why) < 0) {
		db_set_note(d, "the sealed value %s cannot be opened: %s", ad, why);
		return DB_SEALED;
	}
	return 0;
}

int sealed_update(db *d, const char *table, const char *col, int64_t id, const char *plain)
{
	char ad[SEALED_AD_MAX], what[64], sql[128], *text;
	int rc;

	if (!plain)
		return 0;
	snprintf(what, sizeof what, "%s.%s", table, col);
	sealed_ad(ad, what, id);
	rc = sealed_put(d, ad, plain, &text);
	if (rc < 0)
		return rc;
	snprintf(sql, sizeof sql, "UPDATE %s SET %s = ? WHERE id = ?", table, col);
	rc = db_run(d, sql, "ti", text, id);
	free(text);
	return rc;
}

static void put_num(struct buf *b, double v)
{
	if (isnan(v))
		buf_puts(b, " -");
	else
		buf_printf(b, " %.17g", v);
}

int sealed_put_position(db *d, const char *ad, double lat, double lon, double acc, double speed,
			double heading, double alt, char **out)
{
	struct buf b;
	int rc;

	buf_init(&b);
	buf_printf(&b, "%.17g %.17g", lat, lon);
	put_num(&b, acc);
	put_num(&b, speed);
	put_num(&b, heading);
	put_num(&b, alt);
	rc = sealed_put(d, ad, b.data, out);
	buf_free(&b);
	return rc;
}

int sealed_get_position(db *d, const char *ad, const char *text, double *lat, double *lon,
			double *acc, double *speed, double *heading, double *alt)
{
	double *v[6] = { lat, lon, acc, speed, heading, alt };
	char *plain, *p, *end;
	int rc = sealed_get(d, ad, text, &plain);

	if (rc < 0 || !plain)
		return rc < 0 ? rc : DB_SEALED;
	p = plain;
	for (int i = 0; i < 6 && rc == 0; i++) {
		while (*p == ' ')
			p++;
		if (i >= 2 && *p == '-' && (p[1] == ' ' || p[1] == '\0')) {
			*v[i] = NAN;
			p++;
			continue;
		}
		*v[i] = strtod(p, &end);
		if (end == p || !isfinite(*v[i]))
			rc = DB_SEALED;
		p = end;
	}
	if (rc == 0 && *p != '\0')
		rc = DB_SEALED;
	if (rc < 0)
		db_set_note(d, "the sealed position %s opened but is not a position", ad);
	free(plain);
	return rc;
}

int sealed_match(db *d, const char *domain, const char *value, char out[CRYPT_MATCH_LEN])
{
	crypt_keys *k = db_keys(d);

	if (!k || crypt_match(k, 0, domain, value, out) < 0)
		return no_key(d, domain);
	return 0;
}

int sealed_match_all(db *d, const char *domain, const char *value, char (*out)[CRYPT_MATCH_LEN],
		     int max)
{
	crypt_keys *k = db_keys(d);
	int ids[CRYPT_KEYS_MAX], n, m = 0;

	if (!k)
		return 0;
	n = crypt_keys_ids(k, ids, CRYPT_KEYS_MAX);
	for (int i = 0; i < n && m < max; i++)
		if (crypt_match(k, ids[i], domain, value, out[m]) == 0)
			m++;
	return m;
}

/* ---- the keys the database records ------------------------------------------------- */

struct key_each {
	int (*fn)(int id, const char *checksum, const char *state, int64_t added_at, void *arg);
	void *arg;
};

static int key_each_row(db_stmt *s, void *arg)
{
	struct key_each *e = arg;

	return e->fn((int)db_column_int64(s, 0), db_column_text(s, 1), db_column_text(s, 2),
		     db_column_int64(s, 3), e->arg);
}

int sealed_keys_each(db *d, int (*fn)(int id, const char *checksum, const char *state,
				      int64_t added_at, void *arg),
		     void *arg)
{
	struct key_each e = { fn, arg };

	return db_each(d, key_each_row, &e,
		       "SELECT id, checksum, state, added_at FROM data_keys ORDER BY id", "");
}

struct attach {
	crypt_keys *k;
	int current;
	int n;
	char *err;
	size_t errlen;
	bool bad;
};

static int attach_key(int id, const char *checksum, const char *state, int64_t added_at, void *arg)
{
	struct attach *a = arg;
	char check[CRYPT_CHECK_LEN];

	(void)added_at;
	a->n++;
	if (strcmp(state, "current") == 0)
		a->current = id;
	if (strcmp(state, "retired") == 0)
		return 0;
	if (crypt_keys_check(a->k, id, check) < 0) {
		snprintf(a->err, a->errlen,
			 "the data key file %s does not hold key %d, with which this database's "
			 "protected values are sealed: is it the right file?",
			 crypt_keys_path(a->k), id);
		a->bad = true;
		return 1;
	}
	if (strcmp(check, checksum) != 0) {
		snprintf(a->err, a->errlen,
			 "the data key file %s is the wrong one for this database: its key %d is not "
			 "the key %d this database's protected values are sealed with (their check "
			 "values differ)",
			 crypt_keys_path(a->k), id, id);
		a->bad = true;
		return 1;
	}
	return 0;
}

int sealed_attach(db *d, crypt_keys *k, char *err, size_t errlen)
{
	struct attach a = { k, 0, 0, err, errlen, false };
	char check[CRYPT_CHECK_LEN];
	int ids[CRYPT_KEYS_MAX], n, rc;
	int64_t now = clock_now_ms();

	rc = db_begin_write(d);
	if (rc >= 0)
		rc = db_lock_chain(d, "data_keys"); /* two nodes starting at once */
	if (rc >= 0)
		rc = sealed_keys_each(d, attach_key, &a);
	if (rc >= 0 && !a.bad && a.n == 0) {
		/* never sealed anything: the file's newest key seals, and what is
		 * in clear (a database from before) is sealed now */
		n = crypt_keys_ids(k, ids, CRYPT_KEYS_MAX);
		a.current = ids[n - 1];
		crypt_keys_check(k, a.current, check);
		rc = db_run(d, "INSERT INTO data_keys (id, checksum, state, added_at) VALUES (?, ?, 'current', ?)",
			    "iti", (int64_t)a.current, check, now);
		if (rc >= 0)
			rc = db_run(d, "INSERT INTO data_key_jobs (kind, target, started_at) VALUES ('seal', ?, ?)",
				    "ii", (int64_t)a.current, now);
	}
	if (rc >= 0 && !a.bad && !a.current) {
		snprintf(err, errlen, "the database names no current data key (data_keys)");
		a.bad = true;
	}
	if (rc < 0 || a.bad) {
		if (rc < 0)
			snprintf(err, errlen, "cannot read the data keys: %s", db_errmsg(d));
		db_rollback(d);
		return -1;
	}
	if (db_commit(d) < 0) {
		snprintf(err, errlen, "cannot record the data key: %s", db_errmsg(d));
		db_rollback(d);
		return -1;
	}
	crypt_keys_set_current(k, a.current);
	return 0;
}

int sealed_check(db *d, crypt_keys *k, char *err, size_t errlen)
{
	struct attach a = { k, 0, 0, err, errlen, false };
	int rc = sealed_keys_each(d, attach_key, &a);

	if (rc < 0) {
		snprintf(err, errlen, "cannot read the data keys: %s", db_errmsg(d));
		return -1;
	}
	if (a.bad)
		return -1;
	if (a.n == 0)
		return 1;
	if (!a.current) {
		snprintf(err, errlen, "the database names no current data key (data_keys)");
		return -1;
	}
	crypt_keys_set_current(k, a.current);
	return 0;
}

int sealed_refresh(db *d, crypt_keys *k, char *err, size_t errlen)
{
	int64_t current;
	int id;

	err[0] = '\0';
	if (crypt_keys_reload(k, false, err, errlen) < 0)
		return -1; /* the keys held stay in use; the caller logs it */
	/* the database away (or naming no current key): as we were */
	if (db_get_int64(d, &current, "SELECT id FROM data_keys WHERE state = 'current'", "") <= 0)
		return 0;
	id = (int)current;
	if (id == crypt_keys_current(k))
		return 0;
	if (!crypt_keys_has(k, id))
		crypt_keys_reload(k, true, err, errlen);
	if (crypt_keys_set_current(k, id) < 0) {
		crypt_keys_set_current(k, 0);
		snprintf(err, errlen,
			 "the database seals with data key %d, which %s does not hold: nothing is "
			 "sealed (victims' details cannot be written) until the key file with it is "
			 "in place",
			 id, crypt_keys_path(k));
		return -1;
	}
	return 0;
}

/* ---- the pass ----------------------------------------------------------------------- */

enum pass_mode {
	PASS_SEAL,   /* the first sealing: a value in clear is sealed */
	PASS_ROTATE, /* a value in clear is an error, reported and left */
	PASS_CENSUS, /* count what each key seals; change nothing */
};

struct pass {
	db *d;
	enum pass_mode mode;
	int target;
	int64_t changed; /* values sealed anew in this pass */
	struct sealed_progress *pr;
	sealed_say say;
	void *arg;
	/* census */
	int64_t *counts;
	int maxid;
	int64_t clear;
};

/* Count a value's key in a census. */
static void count(struct pass *p, int id)
{
	if (id > 0 && id < p->maxid)
		p->counts[id]++;
	else if (id == 0)
		p->clear++;
}

static void broken(struct pass *p, const char *ad, const char *why)
{
	p->pr->broken++;
	if (p->say)
		p->say(p->arg, "cannot re-seal %s: %s", ad, why);
}

/*
 * Look at one sealed column's value old: 0 when it stays as it is, 1 with
 * *out (caller frees) the value sealed with the target key, 2 when it would
 * not open (reported, left), negative on an error.  plain (may be NULL) gets
 * the opened value when it had to be opened, or want_plain asks for it.
 */
static int reseal(struct pass *p, const char *ad, const char *old, bool want_plain, char **out,
		  char **plain)
{
	crypt_keys *k = db_keys(p->d);
	int id = crypt_sealed_key(old), rc;
	char why[300], *m = NULL;

	*out = NULL;
	if (plain)
		*plain = NULL;
	if (!old)
		return 0;
	if (p->mode == PASS_CENSUS) {
		count(p, id);
		return 0;
	}
	if (id == p->target && !want_plain)
		return 0;
	if (id) {
		if (crypt_open(k, ad, old, &m, NULL, why, sizeof why) < 0) {
			broken(p, ad, why);
			return 2;
		}
	} else if (p->mode == PASS_SEAL) {
		m = xstrdup(old);
	} else {
		broken(p, ad, "it is not sealed (written in clear into the database?)");
		return 2;
	}
	rc = 0;
	if (id != p->target) {
		rc = sealed_put(p->d, ad, m, out);
		if (rc == 0)
			rc = 1;
	}
	if (plain)
		*plain = m;
	else
		free(m);
	return rc;
}

/* The values sealed anew by an UPDATE that answered rc (db_write: the rows it
 * changed, none when the row changed meanwhile; or an error): counted in the
 * pass and in its progress. */
static void resealed(struct pass *p, int rc)
{
	if (rc > 0) {
		p->changed += rc;
		p->pr->sealed += rc;
	}
}

/* Set column col of the row to text where it is still old (a value changed
 * meanwhile by a request is left to it: it was sealed with the current key). */
static int put_column(struct pass *p, const char *table, const char *col, const char *where,
		      int64_t a, int64_t b, int nkeys, const char *text, const char *old)
{
	char sql[256];
	int rc;

	snprintf(sql, sizeof sql, "UPDATE %s SET %s = ? WHERE %s AND %s = ?", table, col, where, col);
	if (nkeys == 2)
		rc = db_write(p->d, sql, "tiit", text, a, b, old);
	else
		rc = db_write(p->d, sql, "tit", text, a, old);
	resealed(p, rc);
	return rc < 0 ? rc : 0;
}

/* Re-seal text column col of table's row id (AD "table.col:id"). */
static int text_column(struct pass *p, const char *table, const char *col, int64_t id,
		       const char *old)
{
	char ad[SEALED_AD_MAX], what[64], *neu;
	int rc;

	snprintf(what, sizeof what, "%s.%s", table, col);
	sealed_ad(ad, what, id);
	rc = reseal(p, ad, old, false, &neu, NULL);
	if (rc == 1)
		rc = put_column(p, table, col, "id = ?", id, 0, 1, neu, old);
	free(neu);
	return rc < 0 ? rc : 0;
}

/* A match key stored beside a sealed value: is it the target key's? */
static bool match_current(struct pass *p, const char *match)
{
	if (p->mode == PASS_CENSUS) {
		/* none (a name that gives none): not a value in clear */
		if (match)
			count(p, crypt_match_key(match));
		return true;
	}
	return crypt_match_key(match) == p->target;
}

/* A batch of rows: keys and copies of their columns. */
#define PASS_COLS 8
struct prow {
	int64_t key[2];
	int64_t extra[2];
	char *txt[PASS_COLS];
	double num[PASS_COLS];
};

struct spec {
	const char *name;
	const char *select; /* keys, then extra, then text columns, then numbers; ? cursor..., ? limit */
	int nkeys, nextra, ntxt, nnum;
	int (*row)(struct pass *p, const struct spec *t, struct prow *r);
	/* row_text's and row_incident's: the text columns' names */
	const char *cols[PASS_COLS];
};

#define VICTIM_PERSON \
	"EXISTS (SELECT 1 FROM case_people cp WHERE cp.person_id = t.id AND cp.role = 'victim')"
#define VICTIM_DEVICE \
	"t.device_id IN (SELECT id FROM devices WHERE kind IN ('victim_phone', 'victim_alarm'))"

/* A person's aliases, copied: every one, however many (a pass that left one
 * out would neither re-seal it nor count it, and its key could be retired
 * while it still sealed it).  They have no key to read them a page at a
 * time by. */
struct aliases {
	struct { char *name, *key; } *a;
	int n, max;
};

static int alias_row(db_stmt *s, void *arg)
{
	struct aliases *al = arg;

	if (al->n == al->max) {
		al->max = al->max ? 2 * al->max : 16;
		al->a = xrealloc(al->a, (size_t)al->max * sizeof *al->a);
	}
	al->a[al->n].name = xstrdup(db_column_text(s, 0));
	al->a[al->n].key = xstrdup(db_column_text(s, 1));
	al->n++;
	return 0;
}

/* A page of a person's identifiers, copied: IDENTS_PAGE of them after the
 * one whose id is the cursor (in order of id, so every one is read, however
 * many). */
#define IDENTS_PAGE 64
struct idents {
	struct { int64_t id; char *kind, *value, *match; } a[IDENTS_PAGE];
	int n;
};

static int ident_row(db_stmt *s, void *arg)
{
	struct idents *ids = arg;

	ids->a[ids->n].id = db_column_int64(s, 0);
	ids->a[ids->n].kind = xstrdup(db_column_text(s, 1));
	ids->a[ids->n].value = xstrdup(db_column_text(s, 2));
	ids->a[ids->n].match = xstrdup(db_column_text(s, 3));
	return ++ids->n == IDENTS_PAGE;
}

/* A victim: her name, date of birth and description, her aliases and her
 * identifiers, each with its match key. */
static int person_aliases(struct pass *p, int64_t person)
{
	char ad[SEALED_AD_MAX], key[512], match[CRYPT_MATCH_LEN];
	struct aliases al = { NULL, 0, 0 };
	int n, rc;

	rc = db_each(p->d, alias_row, &al,
		     "SELECT name, name_key FROM person_aliases WHERE person_id = ?", "i", person);
	n = al.n;
	sealed_ad(ad, "person_aliases.name", person);
	for (int i = 0; i < n && rc >= 0; i++) {
		char *neu = NULL, *plain = NULL;
		bool mc = match_current(p, al.a[i].key);

		rc = reseal(p, ad, al.a[i].name, !mc, &neu, &plain);
		if (rc >= 0 && rc != 2 && plain && !mc) {
			/* the name as matched: folded, under the target key */
			if (case_name_key(plain, key, sizeof key) < 0 ||
			    sealed_match(p->d, "name", key, match) < 0) {
				rc = DB_SEALED;
			} else {
				rc = db_write(p->d,
					      "UPDATE person_aliases SET name = ?, name_key = ? WHERE person_id = ?"
					      " AND name = ? AND name_key = ?",
					      "ttitt", neu ? neu : al.a[i].name, match, person,
					      al.a[i].name, al.a[i].key);
				resealed(p, rc);
			}
		} else if (rc == 1) {
			rc = db_write(p->d,
				      "UPDATE person_aliases SET name = ? WHERE person_id = ? AND name = ?",
				      "tit", neu, person, al.a[i].name);
			resealed(p, rc);
		}
		free(neu);
		free(plain);
	}
	for (int i = 0; i < n; i++) {
		free(al.a[i].name);
		free(al.a[i].key);
	}
	free(al.a);
	return rc < 0 ? rc : 0;
}

/* One of a person's identifiers: its value, and its match key from the value
 * normalised again. */
static int person_identifier(struct pass *p, int64_t id, const char *kind_name,
			     const char *value, const char *match_key)
{
	char ad[SEALED_AD_MAX], norm[IDENTIFIER_MAX + 1], match[CRYPT_MATCH_LEN];
	char *neu = NULL, *plain = NULL;
	bool mc = match_current(p, match_key);
	enum identifier_kind kind;
	int rc;

	sealed_ad(ad, "person_identifiers.value", id);
	rc = reseal(p, ad, value, !mc, &neu, &plain);
	if (rc >= 0 && rc != 2 && (neu || !mc)) {
		/* the match key from the value, normalised again */
		if (identifier_kind_parse(kind_name, &kind) < 0 ||
		    identifier_normalise(kind, plain, norm, sizeof norm, NULL, 0) < 0) {
			broken(p, ad, "its value no longer normalises");
			rc = 0;
		} else if (sealed_match(p->d, kind_name, norm, match) < 0) {
			rc = DB_SEALED;
		} else {
			rc = db_write(p->d,
				      "UPDATE person_identifiers SET value = ?, match_key = ? WHERE id = ?"
				      " AND value = ?",
				      "ttit", neu ? neu : value, match, id, value);
			resealed(p, rc);
		}
	}
	free(neu);
	free(plain);
	return rc < 0 ? rc : 0;
}

/* Every one of a person's identifiers, a page at a time. */
static int person_identifiers(struct pass *p, int64_t person)
{
	struct idents ids;
	int64_t after = 0;
	int rc;

	do {
		ids.n = 0;
		rc = db_each(p->d, ident_row, &ids,
			     "SELECT id, kind, value, match_key FROM person_identifiers"
			     " WHERE person_id = ? AND id > ? ORDER BY id LIMIT ?",
			     "iii", person, after, (int64_t)IDENTS_PAGE);
		for (int i = 0; i < ids.n && rc >= 0; i++)
			rc = person_identifier(p, ids.a[i].id, ids.a[i].kind, ids.a[i].value,
					       ids.a[i].match);
		if (ids.n > 0)
			after = ids.a[ids.n - 1].id;
		for (int i = 0; i < ids.n; i++) {
			free(ids.a[i].kind);
			free(ids.a[i].value);
			free(ids.a[i].match);
		}
	} while (rc >= 0 && ids.n == IDENTS_PAGE);
	return rc < 0 ? rc : 0;
}

static int row_person(struct pass *p, const struct spec *t, struct prow *r)
{
	static const char *const cols[3] = { "full_name", "dob", "description" };
	char ad[SEALED_AD_MAX], key[512], match[CRYPT_MATCH_LEN], *neu, *plain;
	int64_t id = r->key[0];
	bool mc = !r->txt[0] || match_current(p, r->txt[3]);
	int rc = 0;

	(void)t;

	/* the name, with its match key */
	sealed_ad(ad, "persons.full_name", id);
	rc = reseal(p, ad, r->txt[0], !mc, &neu, &plain);
	if (rc >= 0 && rc != 2 && (neu || !mc) && plain) {
		if (case_name_key(plain, key, sizeof key) < 0) {
			match[0] = '\0';
		} else if (sealed_match(p->d, "name", key, match) < 0) {
			rc = DB_SEALED;
		}
		/* a name that gives no match key (no letter or digit in it) and has
		 * none, already sealed with the target key: nothing to write (else
		 * every pass would write it, and a rotation never ends) */
		if (rc >= 0 && (neu || match[0] || r->txt[3])) {
			rc = db_write(p->d,
				      "UPDATE persons SET full_name = ?, name_key = ? WHERE id = ? AND full_name = ?",
				      "ttit", neu ? neu : r->txt[0], match[0] ? match : NULL, id, r->txt[0]);
			resealed(p, rc);
		}
	}
	free(neu);
	free(plain);
	for (int c = 1; c < 3 && rc >= 0; c++)
		rc = text_column(p, "persons", cols[c], id, r->txt[c]);
	if (rc >= 0)
		rc = person_aliases(p, id);
	if (rc >= 0)
		rc = person_identifiers(p, id);
	return rc;
}

/* A row whose text columns t->cols are each sealed on their own. */
static int row_text(struct pass *p, const struct spec *t, struct prow *r)
{
	int rc = 0;

	for (int c = 0; c < t->ntxt && rc >= 0; c++)
		rc = text_column(p, t->name, t->cols[c], r->key[0], r->txt[c]);
	return rc;
}

/* An incident: keyed by its case and seq (known before it is stored, and
 * what its chain names it by). */
static int row_incident(struct pass *p, const struct spec *t, struct prow *r)
{
	int rc = 0;

	for (int c = 0; c < t->ntxt && rc >= 0; c++) {
		char ad[SEALED_AD_MAX], what[64], *neu;

		snprintf(what, sizeof what, "incidents.%s", t->cols[c]);
		sealed_ad2(ad, what, r->extra[0], r->extra[1]);
		rc = reseal(p, ad, r->txt[c], false, &neu, NULL);
		if (rc == 1)
			rc = put_column(p, "incidents", t->cols[c], "id = ?", r->key[0], 0, 1, neu,
					r->txt[c]);
		free(neu);
	}
	return rc < 0 ? rc : 0;
}

/* A position sealed beside lat and lon (fixes, device reports, alerts): in
 * clear (the first sealing) it is sealed and the clear columns emptied. */
static int position(struct pass *p, struct prow *r, const char *table, const char *ad,
		    const char *where, int nkeys, bool full)
{
	char *neu = NULL, sql[320];
	int rc;

	if (r->txt[0] || p->mode != PASS_SEAL) {
		rc = reseal(p, ad, r->txt[0], false, &neu, NULL);
		if (rc == 1)
			rc = put_column(p, table, "sealed", where, r->key[0], r->key[1], nkeys, neu,
					r->txt[0]);
		if (!r->txt[0] && p->mode != PASS_SEAL && !isnan(r->num[0])) {
			if (p->mode == PASS_CENSUS)
				p->clear++;
			else
				broken(p, ad, "a victim's position in clear");
		}
		free(neu);
		return rc < 0 ? rc : 0;
	}
	if (isnan(r->num[0]) || isnan(r->num[1]))
		return 0; /* an event with no position */
	rc = sealed_put_position(p->d, ad, r->num[0], r->num[1], full ? r->num[2] : NAN,
				 full ? r->num[3] : NAN, full ? r->num[4] : NAN, full ? r->num[5] : NAN,
				 &neu);
	if (rc < 0)
		return rc;
	snprintf(sql, sizeof sql,
		 full ? "UPDATE %s SET sealed = ?, lat = NULL, lon = NULL, accuracy_m = NULL,"
			" speed_mps = NULL, heading = NULL, altitude = NULL WHERE %s AND sealed IS NULL"
		      : "UPDATE %s SET sealed = ?, lat = NULL, lon = NULL WHERE %s AND sealed IS NULL",
		 table, where);
	if (nkeys == 2)
		rc = db_write(p->d, sql, "tii", neu, r->key[0], r->key[1]);
	else
		rc = db_write(p->d, sql, "ti", neu, r->key[0]);
	free(neu);
	resealed(p, rc);
	return rc < 0 ? rc : 0;
}

/* A device's position (fixes, device reports), keyed by device and time, its
 * AD "table:device.at"; a fix's also how it moved (its six numbers). */
static int row_device_position(struct pass *p, const struct spec *t, struct prow *r)
{
	char ad[SEALED_AD_MAX];

	sealed_ad2(ad, t->name, r->key[0], r->key[1]);
	return position(p, r, t->name, ad, "device_id = ? AND at = ?", 2, t->nnum == 6);
}

static int row_alert(struct pass *p, const struct spec *t, struct prow *r)
{
	char ad[SEALED_AD_MAX];

	(void)t;
	sealed_ad(ad, "alerts.position", r->key[0]);
	return position(p, r, "alerts", ad, "id = ?", 1, false);
}

#define AFTER1 " AND t.id > ? ORDER BY t.id LIMIT ?"
#define AFTER2 \
	" AND (t.device_id > ? OR (t.device_id = ? AND t.at > ?)) ORDER BY t.device_id, t.at LIMIT ?"

/* Everything sealed, in the order the pass walks it (its stages). */
static const struct spec tables[] = {
	{ "persons",
	  "SELECT t.id, t.full_name, t.dob, t.description, t.name_key FROM persons t WHERE "
	  VICTIM_PERSON AFTER1,
	  1, 0, 4, 0, row_person, { NULL } },
	{ "victim_contacts", "SELECT t.id, t.told, t.notes FROM victim_contacts t WHERE 1 = 1" AFTER1,
	  1, 0, 2, 0, row_text, { "told", "notes" } },
	{ "victim_referrals",
	  "SELECT t.id, t.consent_note, t.note FROM victim_referrals t WHERE 1 = 1" AFTER1, 1, 0, 2,
	  0, row_text, { "consent_note", "note" } },
	{ "cases", "SELECT t.id, t.summary FROM cases t WHERE 1 = 1" AFTER1, 1, 0, 1, 0, row_text,
	  { "summary" } },
	{ "case_events",
	  "SELECT t.id, t.detail FROM case_events t WHERE t.kind IN ('victim_recorded', 'zone')"
	  AFTER1, 1, 0, 1, 0, row_text, { "detail" } },
	{ "zones", "SELECT t.id, t.geometry, t.name FROM zones t WHERE 1 = 1" AFTER1, 1, 0, 2, 0,
	  row_text, { "geometry", "name" } },
	{ "order_conditions",
	  "SELECT t.id, t.zone, t.detail FROM order_conditions t WHERE 1 = 1" AFTER1, 1, 0, 2, 0,
	  row_text, { "zone", "detail" } },
	{ "incidents",
	  "SELECT t.id, t.case_id, t.seq, t.place, t.description, t.witnesses, t.reporter, t.salt"
	  " FROM incidents t WHERE 1 = 1" AFTER1,
	  1, 2, 5, 0, row_incident, { "place", "description", "witnesses", "reporter", "salt" } },
	{ "alerts", "SELECT t.id, t.sealed, t.lat, t.lon FROM alerts t WHERE " VICTIM_DEVICE AFTER1,
	  1, 0, 1, 2, row_alert, { NULL } },
	{ "device_reports",
	  "SELECT t.device_id, t.at, t.sealed, t.lat, t.lon FROM device_reports t WHERE "
	  VICTIM_DEVICE AFTER2,
	  2, 0, 1, 2, row_device_position, { NULL } },
	{ "fixes",
	  "SELECT t.device_id, t.at, t.sealed, t.lat, t.lon, t.accuracy_m, t.speed_mps, t.heading,"
	  " t.altitude FROM fixes t WHERE " VICTIM_DEVICE AFTER2,
	  2, 0, 1, 6, row_device_position, { NULL } },
	/* issue 20: last, so a pass begun before they existed goes on as it was */
	{ "case_warning_words",
	  "SELECT t.id, t.code_word FROM case_warning_words t WHERE 1 = 1" AFTER1, 1, 0, 1, 0,
	  row_text, { "code_word" } },
	{ "help_requests",
	  "SELECT t.id, t.story, t.contact, t.safe_times FROM help_requests t WHERE 1 = 1" AFTER1,
	  1, 0, 3, 0, row_text, { "story", "contact", "safe_times" } },
	/* the programme's clinical record (issue 18); last, so that a pass
	 * interrupted before they were added goes on where it was */
	{ "clinical_notes", "SELECT t.id, t.body FROM clinical_notes t WHERE 1 = 1" AFTER1, 1, 0, 1,
	  0, row_text, { "body" } },
	{ "programme_disclosures",
	  "SELECT t.id, t.detail FROM programme_disclosures t WHERE 1 = 1" AFTER1, 1, 0, 1, 0,
	  row_text, { "detail" } },
};
#define NTABLES ((int)(sizeof tables / sizeof tables[0]))

static void prow_free(struct prow *r, int n)
{
	for (int i = 0; i < n; i++)
		for (int c = 0; c < PASS_COLS; c++)
			free(r[i].txt[c]);
}

/* Rows of a spec being read into a batch. */
struct batch {
	const struct spec *t;
	struct prow *rows;
	int max, n;
};

static int batch_row(db_stmt *s, void *arg)
{
	struct batch *b = arg;
	const struct spec *t = b->t;
	struct prow *r;
	int col = 0;

	if (b->n >= b->max)
		return 1;
	r = &b->rows[b->n++];
	memset(r, 0, sizeof *r);
	for (int i = 0; i < t->nkeys; i++)
		r->key[i] = db_column_int64(s, col++);
	for (int i = 0; i < t->nextra; i++)
		r->extra[i] = db_column_int64(s, col++);
	for (int i = 0; i < t->ntxt; i++, col++)
		r->txt[i] = db_column_is_null(s, col) ? NULL : xstrdup(db_column_text(s, col));
	for (int i = 0; i < t->nnum; i++, col++)
		r->num[i] = db_column_is_null(s, col) ? NAN : db_column_double(s, col);
	return b->n >= b->max;
}

/* Read up to batch rows of spec t after cursor (c0, c1): their count. */
static int read_batch(struct pass *p, const struct spec *t, int64_t c0, int64_t c1, int batch,
		      struct prow *rows)
{
	struct batch b = { t, rows, batch, 0 };
	int rc;

	if (t->nkeys == 2)
		rc = db_each(p->d, batch_row, &b, t->select, "iiii", c0, c0, c1, (int64_t)batch);
	else
		rc = db_each(p->d, batch_row, &b, t->select, "ii", c0, (int64_t)batch);
	if (rc < 0) {
		prow_free(rows, b.n);
		return rc;
	}
	return b.n;
}

/* The job being run: its id, kind, target, stage and cursor. */
struct job {
	int64_t id;
	char kind[16];
	int target;
	int stage;
	int64_t c0, c1;
};

static void job_row(db_stmt *s, void *out)
{
	struct job *j = out;
	const char *cur = db_column_text(s, 4);
	long long a = 0, b = 0;

	j->id = db_column_int64(s, 0);
	snprintf(j->kind, sizeof j->kind, "%s", db_column_text(s, 1));
	j->target = (int)db_column_int64(s, 2);
	j->stage = (int)db_column_int64(s, 3);
	if (cur && sscanf(cur, "%lld %lld", &a, &b) >= 1) {
		j->c0 = a;
		j->c1 = b;
	}
}

static int job_load(db *d, struct job *j)
{
	memset(j, 0, sizeof *j);
	return db_one(d, job_row, j,
		      "SELECT id, kind, target, stage, cursor FROM data_key_jobs"
		      " WHERE finished_at IS NULL ORDER BY id DESC LIMIT 1",
		      "");
}

static int job_save(db *d, const struct job *j, int64_t sealed)
{
	char cur[64];

	snprintf(cur, sizeof cur, "%lld %lld", (long long)j->c0, (long long)j->c1);
	return db_run(d, "UPDATE data_key_jobs SET stage = ?, cursor = ?, sealed = sealed + ? WHERE id = ?",
		      "itii", (int64_t)j->stage, cur, sealed, j->id);
}

int sealed_job_pending(db *d, char kind[16], int *target)
{
	struct job j;
	int rc = job_load(d, &j);

	if (rc == 1) {
		snprintf(kind, 16, "%s", j.kind);
		*target = j.target;
	}
	return rc;
}

/* One batch of stage t of the job, in a transaction of its own: the rows
 * read, 0 when the stage is done, negative on an error. */
static int job_batch(struct pass *p, struct job *j, int batch, struct prow *rows)
{
	const struct spec *t = &tables[j->stage % NTABLES];
	int64_t before = p->pr->sealed;
	int n, rc;

	rc = db_begin_write(p->d);
	if (rc < 0)
		return rc;
	n = read_batch(p, t, j->c0, j->c1, batch, rows);
	rc = n;
	for (int i = 0; rc >= 0 && i < n; i++)
		rc = t->row(p, t, &rows[i]);
	if (rc >= 0 && n > 0) {
		j->c0 = rows[n - 1].key[0];
		j->c1 = rows[n - 1].key[1];
	}
	if (rc >= 0 && n < batch) {
		/* the stage is done: the next from its start */
		j->stage++;
		j->c0 = j->c1 = 0;
	}
	if (rc >= 0)
		rc = job_save(p->d, j, p->pr->sealed - before);
	if (n > 0)
		prow_free(rows, n);
	if (rc < 0) {
		db_rollback(p->d);
		p->pr->sealed = before;
		return rc;
	}
	rc = db_commit(p->d);
	if (rc < 0) {
		db_rollback(p->d);
		p->pr->sealed = before;
		return rc;
	}
	p->pr->rows += n;
	return n;
}

/* Run stages of the job until stage reaches end. */
static int job_run(struct pass *p, struct job *j, int end, int batch)
{
	struct prow *rows = xcalloc((size_t)batch, sizeof *rows);
	int rc = 0, stage = -1;

	while (j->stage < end) {
		int at = j->stage;

		rc = job_batch(p, j, batch, rows);
		if (rc < 0)
			break;
		/* named once it has rows: an empty table says nothing */
		if (at != stage && rc > 0 && p->say) {
			stage = at;
			p->say(p->arg, "sealing %s with key %d%s", tables[at % NTABLES].name,
			       j->target, at >= NTABLES ? " (looking again)" : "");
		}
	}
	free(rows);
	return rc < 0 ? rc : 0;
}

static int job_finish(db *d, const struct job *j)
{
	int rc = db_begin_write(d);

	if (rc >= 0)
		rc = db_run(d, "UPDATE data_key_jobs SET finished_at = ? WHERE id = ?", "ii",
			    clock_now_ms(), j->id);
	if (rc >= 0)
		rc = db_commit(d);
	if (rc < 0)
		db_rollback(d);
	return rc;
}

int sealed_run_pending(db *d, int batch, struct sealed_progress *pr, sealed_say say, void *arg)
{
	struct pass p = { d, PASS_SEAL, 0, 0, pr, say, arg, NULL, 0, 0 };
	struct job j;
	int rc = job_load(d, &j);

	if (rc <= 0 || strcmp(j.kind, "seal") != 0)
		return rc < 0 ? rc : 0;
	p.target = j.target;
	if (crypt_keys_current(db_keys(d)) != j.target) {
		db_set_note(d, "the first sealing is with key %d, which is not the current key",
			    j.target);
		return DB_SEALED;
	}
	rc = db_scrub_on(d);
	if (rc >= 0)
		rc = job_run(&p, &j, NTABLES, batch);
	if (rc >= 0) {
		pr->passes++;
		rc = job_finish(d, &j);
	}
	/* what was in clear is sealed: the clear bytes must not stay where the
	 * engine freed them (nor in the pages migration 14 freed when it made
	 * fixes anew) */
	if (rc >= 0 && pr->sealed > 0)
		rc = db_compact(d);
	return rc;
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0)
		;
}

int sealed_rotate(db *d, int new_id, int batch, int settle_ms, struct sealed_progress *pr,
		  sealed_say say, void *arg)
{
	struct pass p = { d, PASS_ROTATE, 0, 0, pr, say, arg, NULL, 0, 0 };
	crypt_keys *k = db_keys(d);
	char check[CRYPT_CHECK_LEN];
	struct job j;
	int rc;

	rc = job_load(d, &j);
	if (rc < 0)
		return rc;
	if (rc == 1 && strcmp(j.kind, "seal") == 0) {
		db_set_note(d, "the first sealing of this database is not finished: a server's start, "
			       "or vigil key encrypt, finishes it");
		return DB_SEALED;
	}
	if (rc == 1 && new_id && new_id != j.target) {
		db_set_note(d, "a rotation to key %d is not finished: run vigil key rotate again to "
			       "finish it first",
			    j.target);
		return DB_SEALED;
	}
	if (rc == 0) {
		/* a new rotation: the new key current, the others old */
		if (!new_id || crypt_keys_check(k, new_id, check) < 0) {
			db_set_note(d, "the key file holds no key %d", new_id);
			return DB_SEALED;
		}
		rc = db_begin_write(d);
		if (rc >= 0)
			rc = db_lock_chain(d, "data_keys");
		if (rc >= 0)
			rc = db_run(d, "UPDATE data_keys SET state = 'old' WHERE state = 'current'", "");
		if (rc >= 0)
			rc = db_run(d,
				    "INSERT INTO data_keys (id, checksum, state, added_at) VALUES (?, ?, 'current', ?)"
				    " ON CONFLICT (id) DO UPDATE SET state = 'current', retired_at = NULL",
				    "iti", (int64_t)new_id, check, clock_now_ms());
		if (rc >= 0)
			rc = db_run(d,
				    "INSERT INTO data_key_jobs (kind, target, started_at) VALUES ('rotate', ?, ?)",
				    "ii", (int64_t)new_id, clock_now_ms());
		if (rc >= 0)
			rc = db_commit(d);
		if (rc < 0) {
			db_rollback(d);
			return rc;
		}
		rc = job_load(d, &j);
		if (rc <= 0)
			return rc < 0 ? rc : DB_ERROR;
		if (say)
			say(arg, "key %d is current: servers seal with it within a second", new_id);
	}
	p.target = j.target;
	if (crypt_keys_set_current(k, j.target) < 0) {
		db_set_note(d, "the key file does not hold key %d, the rotation's", j.target);
		return DB_SEALED;
	}
	/* what the old key sealed is overwritten where it is freed (SQLite) */
	rc = db_scrub_on(d);
	if (rc < 0)
		return rc;
	/* every server seals with the new key before the pass begins */
	if (j.stage == 0 && j.c0 == 0)
		sleep_ms(settle_ms);
	/* the pass (or the rest of the one interrupted) */
	rc = job_run(&p, &j, (j.stage / NTABLES + 1) * NTABLES, batch);
	pr->passes++;
	/* then again, until a whole pass finds nothing sealed with another key:
	 * a server that was slow to see the new key sealed some values with the
	 * old one meanwhile.  Each pass after the first only reads, unless it
	 * finds such a value. */
	for (int again = 1; rc >= 0; again++) {
		if (again > 4) {
			db_set_note(d, "values are still being sealed with an older key: does every "
				       "server read a key file holding key %d?",
				    j.target);
			return DB_SEALED;
		}
		sleep_ms(settle_ms);
		p.changed = 0;
		rc = job_run(&p, &j, j.stage + NTABLES, batch);
		pr->passes++;
		if (rc >= 0 && p.changed == 0)
			break;
	}
	if (rc >= 0)
		rc = job_finish(d, &j);
	return rc < 0 ? rc : pr->broken ? 1 : 0;
}

int sealed_census(db *d, int64_t *counts, int max, int64_t *clear)
{
	struct sealed_progress pr = { 0 };
	struct pass p = { d, PASS_CENSUS, 0, 0, &pr, NULL, NULL, counts, max, 0 };
	struct prow *rows = xcalloc(500, sizeof *rows);
	int rc = 0;

	memset(counts, 0, (size_t)max * sizeof *counts);
	for (int t = 0; t < NTABLES && rc >= 0; t++) {
		int64_t c0 = 0, c1 = 0;
		int n;

		do {
			rc = db_begin(d);
			if (rc < 0)
				break;
			n = read_batch(&p, &tables[t], c0, c1, 500, rows);
			rc = n;
			for (int i = 0; rc >= 0 && i < n; i++)
				rc = tables[t].row(&p, &tables[t], &rows[i]);
			if (n > 0) {
				c0 = rows[n - 1].key[0];
				c1 = rows[n - 1].key[1];
				prow_free(rows, n);
			}
			db_rollback(d);
		} while (rc >= 0 && n == 500);
	}
	free(rows);
	*clear = p.clear;
	return rc < 0 ? rc : 0;
}

/* db_row_fn: a key's state into a buffer of 16. */
static void state_row(db_stmt *s, void *out)
{
	snprintf(out, 16, "%s", db_column_text(s, 0));
}

int sealed_retire(db *d, int id, char *err, size_t errlen)
{
	int64_t counts[CRYPT_KEY_ID_MAX + 1 > 4096 ? 4096 : CRYPT_KEY_ID_MAX + 1], clear;
	char kind[16];
	int target, rc;
	char state[16] = "";

	rc = db_one(d, state_row, state, "SELECT state FROM data_keys WHERE id = ?", "i",
		    (int64_t)id);
	if (rc < 0)
		goto dberr;
	if (strcmp(state, "current") == 0) {
		snprintf(err, errlen, "key %d is the current key: rotate to another first", id);
		return -1;
	}
	rc = sealed_job_pending(d, kind, &target);
	if (rc < 0)
		goto dberr;
	if (rc == 1) {
		snprintf(err, errlen, "a %s job to key %d is not finished: run vigil key rotate first",
			 kind, target);
		return -1;
	}
	if (id >= (int)(sizeof counts / sizeof counts[0])) {
		snprintf(err, errlen, "key %d: too high a number", id);
		return -1;
	}
	rc = sealed_census(d, counts, (int)(sizeof counts / sizeof counts[0]), &clear);
	if (rc < 0)
		goto dberr;
	if (counts[id] > 0) {
		snprintf(err, errlen,
			 "%lld value(s) are still sealed with key %d: run vigil key rotate to re-seal "
			 "them first",
			 (long long)counts[id], id);
		return -1;
	}
	rc = db_run(d, "UPDATE data_keys SET state = 'retired', retired_at = ? WHERE id = ?", "ii",
		    clock_now_ms(), (int64_t)id);
	if (rc < 0)
		goto dberr;
	return 0;
dberr:
	snprintf(err, errlen, "database error: %s", db_errmsg(d));
	return -1;
}
