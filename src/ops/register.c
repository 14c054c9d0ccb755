/*
 * ops/register — the register's rules (see ops/register.h).
 *
 * An entry is a decision: who entered, reviewed or removed it, why, and the
 * entry as it stood after, is one history row per decision (its version).
 * The entry's person is a person of its own, so that removing and purging
 * the entry touches no case.  Recognition compares a case's suspect with
 * every active entry and every other case's suspect through the same match
 * keys that link cases (store/people.c): the same phone typed two ways is
 * one key.
 */
#include "ops/register.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/mem.h"
#include "core/account.h"
#include "core/casefile.h"
#include "core/identifier.h"
#include "store/account.h"
#include "store/audit.h"
#include "store/cases.h"
#include "store/register.h"
#include "store/sealed.h"

#define DAY_MS (24LL * 3600 * 1000)
#define EXPORT_FORMAT "vigil-register"
#define EXPORT_VERSION 1
#define MAX_EXPORT 10000

const char *const reg_bases[] = { "conviction", "spo", "panel", NULL };
const char *const reg_categories[] = { "serial", "high_harm", "persistent", NULL };

static bool in_list(const char *const *list, const char *s)
{
	for (int i = 0; s && list[i]; i++)
		if (strcmp(list[i], s) == 0)
			return true;
	return false;
}

/* ---- the entry as JSON ------------------------------------------------------------ */

static int add_id_json(const char *kind, const char *value, void *arg)
{
	json_array_append_new(arg, json_pack("{s:s, s:s}", "kind", kind, "value", value));
	return 0;
}

static int add_alias_json(const char *name, void *arg)
{
	json_array_append_new(arg, json_string(name));
	return 0;
}

static json_t *time_json(int64_t ms)
{
	char buf[40];
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (!ms)
		return json_null();
	gmtime_r(&t, &tm);
	strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return json_string(buf);
}

static json_t *entry_fields_json(const struct register_entry *e)
{
	json_t *o = json_pack("{s:I, s:s?, s:s?, s:s, s:s, s:s, s:i, s:{s:s, s:s, s:s}, s:s, s:o, "
			      "s:o, s:s, s:I, s:o, s:o}",
			      "id", (json_int_t)e->id, "name", e->full_name, "dob", e->dob, "basis",
			      e->basis, "basis_ref", e->basis_ref, "category", e->category, "level",
			      e->level, "responsible", "username", e->responsible, "name",
			      e->responsible_name, "agency", e->agency, "agency", e->agency,
			      "next_review_at", time_json(e->next_review_at), "retain_until",
			      time_json(e->retain_until), "status", e->status, "version",
			      (json_int_t)e->version, "entered_at", time_json(e->created_at),
			      "updated_at", time_json(e->updated_at));

	if (e->origin)
		json_object_set_new(o, "origin",
				    json_pack("{s:s, s:I, s:s?}", "vigil", e->origin, "id",
					      (json_int_t)e->origin_id, "officer", e->origin_officer));
	return o;
}

static json_t *entry_json_from(struct ops_ctx *x, const struct register_entry *e, int *rc)
{
	json_t *o = entry_fields_json(e), *ids = json_array(), *aliases = json_array();

	*rc = person_identifiers_each(x->db, e->person_id, false, add_id_json, ids);
	if (*rc >= 0)
		*rc = person_aliases_each(x->db, e->person_id, false, add_alias_json, aliases);
	json_object_set_new(o, "identifiers", ids);
	json_object_set_new(o, "aliases", aliases);
	json_object_set_new(o, "overdue", json_boolean(strcmp(e->status, "active") == 0 &&
							e->next_review_at < x->now));
	if (*rc < 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

json_t *reg_entry_json(struct ops_ctx *x, int64_t id, int *rc)
{
	struct register_entry_buf b;
	json_t *o = NULL;

	*rc = register_entry_get(x->db, id, &b);
	if (*rc == 0)
		*rc = ops_fail(x, ERR_NOT_FOUND, NULL, "there is no register entry %lld",
			       (long long)id);
	if (*rc > 0)
		o = entry_json_from(x, &b.e, rc);
	register_entry_free(&b);
	return o;
}

/* One history row: the decision, its reason and the entry after it. */
static int history(struct ops_ctx *x, int64_t id, const char *action, const char *reason)
{
	json_t *snap;
	char *text;
	int rc;

	snap = reg_entry_json(x, id, &rc);
	if (!snap)
		return rc;
	json_object_del(snap, "overdue");
	text = json_dumps(snap, JSON_COMPACT | JSON_SORT_KEYS);
	rc = register_history_add(x->db, id, json_integer_value(json_object_get(snap, "version")),
				  x->now, x->who.user_id,
				  x->who.username[0] ? x->who.username : "vigil", action, reason,
				  text);
	free(text);
	json_decref(snap);
	return rc;
}

/* ---- the access log ----------------------------------------------------------------- */

int reg_access(struct ops_ctx *x, const char *action, const char *purpose, const char *q,
	       int64_t entry_id, int64_t results, const char **kind)
{
	char match[CRYPT_MATCH_LEN] = "", norm[IDENTIFIER_MAX + 1], key[512];
	const char *k = NULL, *canon = q;
	struct register_access a = { 0 };
	int rc;

	if (q) {
		k = "name";
		for (int i = 0; i < IDENT_KIND_COUNT; i++) {
			if (i == IDENT_ADDRESS || i == IDENT_HANDLE)
				continue; /* almost anything parses as those */
			if (identifier_normalise((enum identifier_kind)i, q, norm, sizeof norm, NULL,
						 0) == 0) {
				canon = norm;
				k = identifier_kind_name((enum identifier_kind)i);
				break;
			}
		}
		if (canon == q && case_name_key(q, key, sizeof key) == 0)
			canon = key;
		rc = sealed_match(x->db, "search", canon, match);
		if (rc < 0)
			return rc;
	}
	if (kind)
		*kind = k;
	a.at = x->now;
	a.user_id = x->who.user_id;
	a.username = x->who.username;
	a.agency = x->who.agency[0] ? x->who.agency : NULL;
	a.action = action;
	a.purpose = purpose;
	a.query_kind = k;
	a.query_hash = q ? match : NULL;
	a.entry_id = entry_id;
	a.results = results;
	return register_access_add(x->db, &a);
}

/* ---- decisions ---------------------------------------------------------------------- */

static int look_back(struct ops_ctx *x, int64_t entry_id, int64_t person_id);

static int decider(struct ops_ctx *x)
{
	if (!access_role_has(x->who.role, PERM_REGISTER_MANAGE))
		return ops_fail(x, ERR_FORBIDDEN, NULL,
				"entering, reviewing and removing register entries are a "
				"supervisor's decisions");
	return 0;
}

/* The responsible officer: an active officer or supervisor of the actor's force. */
static int responsible(struct ops_ctx *x, const char *username, int64_t *id)
{
	struct user u;
	int rc = user_get_by_name(x->db, username, &u);

	if (rc < 0)
		return rc;
	if (rc == 0 || u.disabled || u.agency_id != x->who.agency_id ||
	    (u.role != ROLE_OFFICER && u.role != ROLE_SUPERVISOR))
		return ops_fail(x, ERR_BAD_REQUEST, "responsible",
				"the responsible officer must be an active officer or supervisor "
				"of your force ('%s' is not)",
				username);
	*id = u.id;
	return 0;
}

static int check_decision(struct ops_ctx *x, const struct reg_decision *d, bool entering)
{
	if ((entering || d->basis) && !in_list(reg_bases, d->basis))
		return ops_fail(x, ERR_BAD_REQUEST, "basis",
				"basis must be conviction, spo (a Stalking Protection Order) or "
				"panel (a multi-agency panel's decision)");
	if ((entering || d->basis_ref) && (!d->basis_ref || !*d->basis_ref))
		return ops_fail(x, ERR_BAD_REQUEST, "basis_ref",
				"give the reference of the conviction, order or panel decision");
	if ((entering || d->category) && !in_list(reg_categories, d->category))
		return ops_fail(x, ERR_BAD_REQUEST, "category",
				"category must be serial, high_harm or persistent");
	if ((entering || d->level) && (d->level < 1 || d->level > 3))
		return ops_fail(x, ERR_BAD_REQUEST, "level",
				"level of management must be 1 (single agency), 2 (multi-agency) "
				"or 3 (senior multi-agency)");
	if (d->next_review_at <= x->now)
		return ops_fail(x, ERR_BAD_REQUEST, "next_review_at",
				"the next review must be a date in the future");
	if (d->retain_until && d->retain_until <= x->now)
		return ops_fail(x, ERR_BAD_REQUEST, "retain_until",
				"retain_until must be a date in the future");
	if (!d->reason || strlen(d->reason) < 5)
		return ops_fail(x, ERR_BAD_REQUEST, "reason",
				"give the reason for the decision (at least 5 characters)");
	return 0;
}

int64_t reg_entry_enter(struct ops_ctx *x, const struct reg_enter *in)
{
	struct register_entry e = { 0 };
	struct person_in p = in->person;
	int64_t id, pid;
	int rc;

	if ((rc = decider(x)) < 0 || (rc = check_decision(x, &in->d, true)) < 0)
		return rc;
	if (!p.full_name)
		return ops_fail(x, ERR_BAD_REQUEST, "name", "a register entry names the person");
	if ((rc = responsible(x, in->d.responsible ? in->d.responsible : x->who.username,
			      &e.responsible_id)) < 0)
		return rc;
	/* the cases first: a reference she may not see is refused before
	 * anything is written */
	int64_t *case_ids = xcalloc((size_t)in->ncases + 1, sizeof *case_ids);
	for (int i = 0; i < in->ncases; i++) {
		struct case_record c;
		struct viewer v = { x->who.user_id, x->who.role, x->who.agency_id, 0 };

		rc = case_get(x->db, in->cases[i], &c);
		if (rc == 1) {
			case_ids[i] = c.id;
			case_record_free(&c);
			rc = case_visible(x->db, case_ids[i], &v);
		}
		if (rc <= 0) {
			free(case_ids);
			return rc < 0 ? rc
				      : ops_fail(x, ERR_BAD_REQUEST, "cases",
						 "there is no case %s that you may see",
						 in->cases[i]);
		}
	}
	p.sealed = false;
	pid = person_insert(x->db, &p);
	if (pid < 0) {
		free(case_ids);
		return (int)pid;
	}
	e.person_id = pid;
	e.basis = in->d.basis;
	e.basis_ref = in->d.basis_ref;
	e.category = in->d.category;
	e.level = in->d.level;
	e.agency_id = x->who.agency_id;
	e.status = "active";
	e.next_review_at = in->d.next_review_at;
	e.retain_until = in->d.retain_until;
	e.reason = in->d.reason;
	id = register_entry_insert(x->db, &e, x->who.user_id, x->now);
	rc = id < 0 ? (int)id : 0;
	for (int i = 0; rc >= 0 && i < in->ncases; i++)
		rc = register_entry_case_add(x->db, id, case_ids[i]);
	free(case_ids);
	if (rc >= 0)
		rc = look_back(x, id, pid);
	if (rc >= 0)
		rc = history(x, id, "entered", in->d.reason);
	return rc < 0 ? rc : id;
}

/* The entry, for a decision on version. */
static int load_for_decision(struct ops_ctx *x, int64_t id, int64_t version,
			     struct register_entry_buf *b)
{
	int rc = register_entry_get(x->db, id, b);

	if (rc < 0)
		return rc;
	if (rc == 0)
		return ops_fail(x, ERR_NOT_FOUND, NULL, "there is no register entry %lld",
				(long long)id);
	if (strcmp(b->e.status, "active") != 0)
		return ops_fail(x, ERR_CONFLICT, NULL, "register entry %lld was removed",
				(long long)id);
	if (b->e.version != version)
		return ops_fail(x, ERR_CONFLICT, "version",
				"register entry %lld has changed (version %lld, you sent %lld): "
				"reload it and decide again",
				(long long)id, (long long)b->e.version, (long long)version);
	return 0;
}

static int write_entry(struct ops_ctx *x, struct register_entry *e)
{
	int rc = register_entry_update(x->db, e, x->now);

	if (rc == 0)
		return ops_fail(x, ERR_CONFLICT, "version",
				"register entry %lld has changed meanwhile", (long long)e->id);
	return rc < 0 ? rc : 0;
}

int reg_entry_review(struct ops_ctx *x, int64_t id, int64_t version, const struct reg_decision *d)
{
	struct register_entry_buf b;
	int rc;

	if ((rc = decider(x)) < 0 || (rc = check_decision(x, d, false)) < 0)
		return rc;
	rc = load_for_decision(x, id, version, &b);
	if (rc >= 0 && d->responsible)
		rc = responsible(x, d->responsible, &b.e.responsible_id);
	if (rc >= 0) {
		if (d->basis)
			b.e.basis = d->basis;
		if (d->basis_ref)
			b.e.basis_ref = d->basis_ref;
		if (d->category)
			b.e.category = d->category;
		if (d->level)
			b.e.level = d->level;
		if (d->retain_until)
			b.e.retain_until = d->retain_until;
		b.e.next_review_at = d->next_review_at;
		b.e.reason = d->reason;
		rc = write_entry(x, &b.e);
	}
	if (rc >= 0)
		rc = history(x, id, "reviewed", d->reason);
	register_entry_free(&b);
	return rc;
}

int reg_entry_remove(struct ops_ctx *x, int64_t id, int64_t version, const char *reason)
{
	struct register_entry_buf b;
	int rc;

	if ((rc = decider(x)) < 0)
		return rc;
	if (!reason || strlen(reason) < 5)
		return ops_fail(x, ERR_BAD_REQUEST, "reason",
				"give the reason for removing the entry (at least 5 characters)");
	rc = load_for_decision(x, id, version, &b);
	if (rc >= 0) {
		b.e.status = "removed";
		b.e.reason = reason;
		rc = write_entry(x, &b.e);
	}
	if (rc >= 0)
		rc = history(x, id, "removed", reason);
	register_entry_free(&b);
	return rc;
}

int reg_entry_identify(struct ops_ctx *x, int64_t id, int64_t version,
		       const struct person_in *more)
{
	struct register_entry_buf b;
	int rc;

	if ((rc = decider(x)) < 0)
		return rc;
	if (more->nids == 0 && more->naliases == 0)
		return ops_fail(x, ERR_BAD_REQUEST, "identifiers",
				"give at least one identifier or alias to add");
	rc = load_for_decision(x, id, version, &b);
	if (rc >= 0)
		rc = person_more_add(x->db, b.e.person_id, more);
	if (rc >= 0) {
		b.e.reason = "identifiers added";
		rc = write_entry(x, &b.e);
	}
	if (rc >= 0)
		rc = history(x, id, "identified", "identifiers added");
	register_entry_free(&b);
	return rc;
}

/* ---- recognition -------------------------------------------------------------------- */

struct found {
	int64_t id;
	char *matched;
};

struct found_list {
	struct found *v;
	int n;
};

static int collect(int64_t id, const char *matched, void *arg)
{
	struct found_list *l = arg;

	l->v = xrealloc(l->v, (size_t)(l->n + 1) * sizeof *l->v);
	l->v[l->n].id = id;
	l->v[l->n].matched = xstrdup(matched);
	l->n++;
	return l->n >= 200;
}

static void found_free(struct found_list *l)
{
	for (int i = 0; i < l->n; i++)
		free(l->v[i].matched);
	free(l->v);
}

/* The cases already on record whose suspect is the entry's man are his
 * cases: linked to the entry (no one is told: nothing new happened). */
static int look_back(struct ops_ctx *x, int64_t entry_id, int64_t person_id)
{
	struct found_list cases = { 0 };
	int rc = register_recognise_cases(x->db, person_id, 0, collect, &cases);

	for (int i = 0; rc >= 0 && i < cases.n; i++)
		rc = register_entry_case_add(x->db, entry_id, cases.v[i].id);
	found_free(&cases);
	return rc;
}

int reg_recognise(struct ops_ctx *x, int64_t case_id)
{
	struct found_list entries = { 0 }, cases = { 0 };
	int64_t person = case_suspect(x->db, case_id);
	int rc, added = 0;

	if (person <= 0)
		return (int)person;
	rc = register_recognise_entries(x->db, person, collect, &entries);
	if (rc >= 0)
		rc = register_recognise_cases(x->db, person, case_id, collect, &cases);
	for (int i = 0; rc >= 0 && i < entries.n; i++) {
		rc = register_match_add(x->db, case_id, entries.v[i].id, 0, entries.v[i].matched,
					x->now);
		if (rc == 1) {
			char note[400];

			added++;
			/* the history names the force, not the case: its readers
			 * may not see the case */
			snprintf(note, sizeof note, "a new case of %s matched by %s",
				 x->who.agency[0] ? x->who.agency : "a force",
				 entries.v[i].matched);
			rc = register_entry_case_add(x->db, entries.v[i].id, case_id);
			if (rc >= 0)
				rc = history(x, entries.v[i].id, "recognised", note);
		}
	}
	for (int i = 0; rc >= 0 && i < cases.n; i++) {
		rc = register_match_add(x->db, case_id, 0, cases.v[i].id, cases.v[i].matched, x->now);
		added += rc == 1;
	}
	found_free(&entries);
	found_free(&cases);
	return rc < 0 ? rc : added;
}

int reg_suspect_identify(struct ops_ctx *x, int64_t case_id, const struct person_in *more)
{
	int64_t suspect;
	int rc;

	if (more->nids == 0 && more->naliases == 0 && !more->dob)
		return ops_fail(x, ERR_BAD_REQUEST, "identifiers",
				"give at least one identifier, other name or the date of birth to "
				"add");
	suspect = case_suspect(x->db, case_id);
	if (suspect <= 0)
		return suspect < 0 ? (int)suspect
				   : ops_fail(x, ERR_CONFLICT, NULL,
					      "the case has no suspect recorded: record him first");
	rc = person_more_add(x->db, suspect, more);
	if (rc >= 0)
		rc = case_touch(x->db, case_id);
	if (rc >= 0)
		rc = case_event_add(x->db, case_id, x->who.user_id, x->who.username,
				    "suspect_identified", "identifiers added to the suspect");
	if (rc >= 0)
		rc = reg_recognise(x, case_id);
	return rc < 0 ? rc : 0;
}

struct match_of {
	bool found;
	int64_t case_id, entry_id;
};

static int got_match(const struct register_match *m, void *arg)
{
	struct match_of *mo = arg;

	mo->found = true;
	mo->case_id = m->case_id;
	mo->entry_id = m->entry_id;
	return 1;
}

int reg_recognition_seen(struct ops_ctx *x, int64_t case_id, int64_t id)
{
	struct match_of mo = { 0 };
	int rc = register_match_get(x->db, id, got_match, &mo);

	if (rc < 0)
		return rc;
	if (!mo.found || mo.case_id != case_id)
		return ops_fail(x, ERR_NOT_FOUND, NULL, "the case has no recognition %lld",
				(long long)id);
	if (!access_role_has(x->who.role, PERM_CASES_SIGNOFF))
		return ops_fail(x, ERR_FORBIDDEN, NULL, "a supervisor marks a recognition seen");
	rc = register_match_mark(x->db, id, false, x->who.user_id, x->now);
	return rc < 0 ? rc : 0;
}

int reg_recognition_acknowledge(struct ops_ctx *x, int64_t id)
{
	struct register_entry_buf b = { 0 };
	struct match_of mo = { 0 };
	int rc = register_match_get(x->db, id, got_match, &mo);

	if (rc >= 0 && (!mo.found || !mo.entry_id))
		return ops_fail(x, ERR_NOT_FOUND, NULL, "there is no register recognition %lld",
				(long long)id);
	if (rc >= 0)
		rc = register_entry_get(x->db, mo.entry_id, &b);
	if (rc >= 0 && b.e.responsible_id != x->who.user_id)
		rc = ops_fail(x, ERR_FORBIDDEN, NULL,
			      "only the entry's responsible officer (%s) acknowledges its "
			      "recognitions",
			      b.e.responsible);
	if (rc >= 0)
		rc = register_match_mark(x->db, id, true, x->who.user_id, x->now);
	register_entry_free(&b);
	return rc < 0 ? rc : 0;
}

/* ---- retention ---------------------------------------------------------------------- */

int reg_purge(struct ops_ctx *x, bool own_tx)
{
	int64_t *ids = NULL;
	int n = 0, rc, done = 0;

	rc = register_purge_due(x->db, x->now, &ids, &n);
	for (int i = 0; rc >= 0 && i < n; i++) {
		struct audit_entry a = { 0 };
		char object[64];

		if (own_tx && (rc = db_begin_write(x->db)) < 0)
			break;
		rc = register_entry_purge(x->db, ids[i]);
		snprintf(object, sizeof object, "register:%lld", (long long)ids[i]);
		a.at = x->now;
		a.user_id = x->who.user_id;
		a.username = x->who.username[0] ? x->who.username : "vigil";
		a.agency = x->who.agency[0] ? x->who.agency : NULL;
		a.action = "register.purge";
		a.object = object;
		a.outcome = "ok";
		a.detail = "removed or past retention: the entry, its person, identifiers, history "
			   "and recognitions deleted";
		if (rc >= 0)
			rc = audit_append(x->db, &a);
		if (own_tx) {
			if (rc >= 0)
				rc = db_commit(x->db);
			if (rc < 0)
				db_rollback(x->db);
		}
		done += rc >= 0;
	}
	free(ids);
	return rc < 0 ? rc : done;
}

/* ---- export and import -------------------------------------------------------------- */

struct export_ctx {
	struct ops_ctx *x;
	json_t *arr;
	int rc;
};

static int export_one(const struct register_entry *e, const char *matched, void *arg)
{
	struct export_ctx *ec = arg;
	json_t *o;

	(void)matched;
	o = entry_json_from(ec->x, e, &ec->rc);
	if (!o)
		return 1;
	json_object_del(o, "overdue");
	json_object_del(o, "status");
	json_array_append_new(ec->arr, o);
	return 0;
}

json_t *reg_export(struct ops_ctx *x, const unsigned char *sk, const char *pk_hex, int *rc)
{
	struct export_ctx ec = { x, json_array(), 0 };
	unsigned char sig[crypto_sign_BYTES];
	char sig_hex[2 * crypto_sign_BYTES + 1];
	json_t *payload, *doc;
	char *text;

	*rc = register_entries_each(x->db, "active", NULL, MAX_EXPORT, export_one, &ec);
	if (*rc >= 0)
		*rc = ec.rc;
	if (*rc < 0) {
		json_decref(ec.arr);
		return NULL;
	}
	payload = json_pack("{s:s, s:i, s:s, s:o, s:I, s:o}", "format", EXPORT_FORMAT, "version",
			    EXPORT_VERSION, "issuer", x->who.agency[0] ? x->who.agency : "",
			    "exported_at", time_json(x->now), "count",
			    (json_int_t)json_array_size(ec.arr), "entries", ec.arr);
	/* the signature covers the payload's exact bytes, carried as a string:
	 * no canonical form of JSON is needed to verify it */
	text = json_dumps(payload, JSON_COMPACT);
	json_decref(payload);
	crypto_sign_detached(sig, NULL, (const unsigned char *)text, strlen(text), sk);
	sodium_bin2hex(sig_hex, sizeof sig_hex, sig, sizeof sig);
	doc = json_pack("{s:s, s:i, s:s, s:{s:s, s:s, s:s}}", "format", EXPORT_FORMAT, "version",
			EXPORT_VERSION, "payload", text, "signature", "algorithm", "ed25519",
			"public_key", pk_hex, "value", sig_hex);
	free(text);
	return doc;
}

/* Is pk_hex one of the trusted keys in file?  Its name in name. */
static int trusted(struct ops_ctx *x, const char *file, const char *pk_hex, char *name,
		   size_t namelen)
{
	char line[512];
	FILE *f;
	int found = 0;

	if (!file)
		return ops_fail(x, ERR_BAD_REQUEST, NULL,
				"this Vigil trusts no other Vigil's register key: start it with "
				"--register-trust FILE (docs/REGISTER.md)");
	f = fopen(file, "r");
	if (!f)
		return ops_fail(x, ERR_BAD_REQUEST, NULL,
				"the trusted keys file cannot be read: %s", strerror(errno));
	while (!found && fgets(line, sizeof line, f)) {
		char hex[200] = "", who[200] = "";

		if (line[0] == '#' || sscanf(line, "%199s %199s", hex, who) < 1)
			continue;
		if (strcmp(hex, pk_hex) == 0) {
			snprintf(name, namelen, "%s", who[0] ? who : hex);
			found = 1;
		}
	}
	fclose(f);
	return found;
}

static int import_entry(struct ops_ctx *x, json_t *o, const char *origin, int64_t resp_id,
			const char *reason, int *added, int *updated)
{
	struct person_buf_import {
		struct person_in in;
		const char *aliases[20];
		struct person_identifier ids[40];
		char norm[40][IDENTIFIER_MAX + 1];
	} *pb = xcalloc(1, sizeof *pb);
	struct register_entry e = { 0 };
	json_t *it, *resp = json_object_get(o, "responsible");
	const char *officer = json_string_value(json_object_get(resp, "name"));
	char officer_buf[700];
	int64_t existing, id, issued, known = 0;
	size_t i;
	int rc = 0;

	e.origin_id = json_integer_value(json_object_get(o, "id"));
	issued = json_integer_value(json_object_get(o, "version"));
	e.basis = json_string_value(json_object_get(o, "basis"));
	e.basis_ref = json_string_value(json_object_get(o, "basis_ref"));
	e.category = json_string_value(json_object_get(o, "category"));
	e.level = (int)json_integer_value(json_object_get(o, "level"));
	pb->in.full_name = json_string_value(json_object_get(o, "name"));
	pb->in.dob = json_string_value(json_object_get(o, "dob"));
	{
		const char *t = json_string_value(json_object_get(o, "next_review_at"));
		struct tm tm = { 0 };

		if (t && strptime(t, "%Y-%m-%dT%H:%M:%SZ", &tm))
			e.next_review_at = (int64_t)timegm(&tm) * 1000;
	}
	/* signed by a Vigil we trust, and still checked as our own input is:
	 * a neighbour's bug must not write what our API would refuse */
	if (!e.origin_id || issued < 1 || !in_list(reg_bases, e.basis) || !e.basis_ref ||
	    strlen(e.basis_ref) > 200 || !account_text_clean(e.basis_ref, strlen(e.basis_ref)) ||
	    !in_list(reg_categories, e.category) || e.level < 1 || e.level > 3 ||
	    !pb->in.full_name || account_display_name_check(pb->in.full_name, NULL, 0) < 0 ||
	    !e.next_review_at || (pb->in.dob && !case_dob_valid(pb->in.dob, x->now))) {
		free(pb);
		return ops_fail(x, ERR_BAD_REQUEST, "document",
				"an entry of the document is not a register entry of format %d",
				EXPORT_VERSION);
	}
	snprintf(officer_buf, sizeof officer_buf, "%s (%s)", officer ? officer : "unknown",
		 json_string_value(json_object_get(resp, "agency")) ?
			 json_string_value(json_object_get(resp, "agency")) : origin);
	e.origin_officer = officer_buf;
	json_array_foreach(json_object_get(o, "aliases"), i, it) {
		if (pb->in.naliases < 20 && json_is_string(it) &&
		    account_display_name_check(json_string_value(it), NULL, 0) == 0)
			pb->aliases[pb->in.naliases++] = json_string_value(it);
	}
	pb->in.aliases = pb->aliases;
	json_array_foreach(json_object_get(o, "identifiers"), i, it) {
		enum identifier_kind k;
		const char *kind = json_string_value(json_object_get(it, "kind"));
		const char *value = json_string_value(json_object_get(it, "value"));
		int n = pb->in.nids;

		if (n >= 40 || !kind || !value || identifier_kind_parse(kind, &k) < 0 ||
		    identifier_normalise(k, value, pb->norm[n], sizeof pb->norm[n], NULL, 0) < 0)
			continue;
		pb->ids[n].kind = k;
		pb->ids[n].value = k == IDENT_ADDRESS ? value : pb->norm[n];
		pb->ids[n].match_key = pb->norm[n];
		pb->in.nids++;
	}
	pb->in.ids = pb->ids;

	existing = register_entry_by_origin(x->db, origin, e.origin_id);
	if (existing < 0) {
		free(pb);
		return (int)existing;
	}
	if (existing) {
		/* known: its decision fields follow the issuer's; identifiers
		 * it did not have are added */
		struct register_entry_buf b;

		/* only forward: an older export (a replay) takes nothing back;
		 * the same one again updates as before */
		rc = register_origin_version(x->db, existing, &known);
		if (rc < 0 || issued < known) {
			free(pb);
			return rc < 0 ? rc : 0;
		}
		rc = register_entry_get(x->db, existing, &b);
		if (rc == 1) {
			b.e.basis = e.basis;
			b.e.basis_ref = e.basis_ref;
			b.e.category = e.category;
			b.e.level = e.level;
			b.e.next_review_at = e.next_review_at;
			b.e.status = "active";
			b.e.reason = reason;
			b.e.origin_officer = e.origin_officer;
			rc = person_more_add(x->db, b.e.person_id, &pb->in);
			if (rc >= 0)
				rc = write_entry(x, &b.e);
			if (rc >= 0)
				rc = register_origin_version_set(x->db, existing, issued);
			if (rc >= 0)
				rc = history(x, existing, "imported", reason);
			*updated += rc >= 0;
		}
		register_entry_free(&b);
		free(pb);
		return rc < 0 ? rc : 0;
	}
	pb->in.sealed = false;
	e.person_id = person_insert(x->db, &pb->in);
	free(pb);
	if (e.person_id < 0)
		return (int)e.person_id;
	e.responsible_id = resp_id;
	e.agency_id = x->who.agency_id;
	e.status = "active";
	e.reason = reason;
	e.origin = origin;
	id = register_entry_insert(x->db, &e, x->who.user_id, x->now);
	if (id < 0)
		return (int)id;
	rc = register_origin_version_set(x->db, id, issued);
	if (rc >= 0)
		rc = look_back(x, id, e.person_id);
	if (rc >= 0)
		rc = history(x, id, "imported", reason);
	*added += rc >= 0;
	return rc < 0 ? rc : 0;
}

int reg_import(struct ops_ctx *x, json_t *doc, const char *trust_file, const char *resp,
	       const char *reason, int *added, int *updated, char *issuer, size_t issuerlen)
{
	const char *payload_text, *pk_hex, *sig_hex;
	unsigned char pk[crypto_sign_PUBLICKEYBYTES], sig[crypto_sign_BYTES];
	char name[200], origin[300];
	json_t *sig_o, *payload, *entries, *it;
	json_error_t jerr;
	int64_t resp_id;
	size_t i;
	int rc;

	*added = *updated = 0;
	if ((rc = decider(x)) < 0)
		return rc;
	if (!reason || strlen(reason) < 5)
		return ops_fail(x, ERR_BAD_REQUEST, "reason",
				"give the reason for bringing these entries in (at least 5 "
				"characters)");
	if ((rc = responsible(x, resp ? resp : x->who.username, &resp_id)) < 0)
		return rc;
	sig_o = json_object_get(doc, "signature");
	payload_text = json_string_value(json_object_get(doc, "payload"));
	pk_hex = json_string_value(json_object_get(sig_o, "public_key"));
	sig_hex = json_string_value(json_object_get(sig_o, "value"));
	if (!json_is_object(doc) ||
	    strcmp(json_string_value(json_object_get(doc, "format")) ?
			   json_string_value(json_object_get(doc, "format")) : "",
		   EXPORT_FORMAT) != 0 ||
	    json_integer_value(json_object_get(doc, "version")) != EXPORT_VERSION || !payload_text ||
	    !pk_hex || !sig_hex)
		return ops_fail(x, ERR_BAD_REQUEST, "document",
				"the document is not a signed register export (format %s, version "
				"%d: docs/REGISTER.md)",
				EXPORT_FORMAT, EXPORT_VERSION);
	rc = trusted(x, trust_file, pk_hex, name, sizeof name);
	if (rc < 0)
		return rc;
	if (rc == 0)
		return ops_fail(x, ERR_SIGNATURE_INVALID, "document",
				"the document is signed with a key this Vigil does not trust");
	if (sodium_hex2bin(pk, sizeof pk, pk_hex, strlen(pk_hex), NULL, NULL, NULL) < 0 ||
	    sodium_hex2bin(sig, sizeof sig, sig_hex, strlen(sig_hex), NULL, NULL, NULL) < 0 ||
	    crypto_sign_verify_detached(sig, (const unsigned char *)payload_text,
					strlen(payload_text), pk) != 0)
		return ops_fail(x, ERR_SIGNATURE_INVALID, "document",
				"the signature does not verify: the document was altered after it "
				"was signed, or not signed by %s; nothing was imported",
				name);
	payload = json_loads(payload_text, 0, &jerr);
	entries = json_object_get(payload, "entries");
	if (!payload || !json_is_array(entries) ||
	    strcmp(json_string_value(json_object_get(payload, "format")) ?
			   json_string_value(json_object_get(payload, "format")) : "",
		   EXPORT_FORMAT) != 0) {
		json_decref(payload);
		return ops_fail(x, ERR_BAD_REQUEST, "document",
				"the signed payload is not a register export");
	}
	/* an entry is known by the issuing key (trusted by name) and its id there */
	snprintf(origin, sizeof origin, "%s:%.16s", name, pk_hex);
	snprintf(issuer, issuerlen, "%s", name);
	rc = 0;
	json_array_foreach(entries, i, it) {
		rc = import_entry(x, it, origin, resp_id, reason, added, updated);
		if (rc < 0)
			break;
	}
	json_decref(payload);
	return rc;
}
