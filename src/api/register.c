/*
 * register — the stalkers register over HTTP (issue 19): parse, call
 * ops/register, answer.
 *
 *   GET  /api/v1/register?purpose=&q=        search (or list) entries, with a purpose
 *   POST /api/v1/register                    enter a person (supervisor)
 *   GET  /api/v1/register/{id}?purpose=      one entry, its history and cases
 *   POST /api/v1/register/{id}/review        review (the date moves on)
 *   POST /api/v1/register/{id}/removal       remove (purged by retention)
 *   POST /api/v1/register/{id}/identifiers   add identifiers and aliases
 *   GET  /api/v1/register/oversight          who searched and viewed what, why, how often
 *   GET  /api/v1/register/export             the active entries, signed
 *   POST /api/v1/register/import             a signed export of another Vigil, verified
 *   POST /api/v1/register/purge              retention now (the sweep also runs it)
 *   POST /api/v1/register/matches/{id}/acknowledge   the entry's officer was told
 *   GET  /api/v1/cases/{ref}/recognition     what the case's suspect was recognised as
 *   POST /api/v1/cases/{ref}/recognition/{id}/seen   a supervisor saw it
 *   POST /api/v1/cases/{ref}/suspect/identifiers     more identifiers, other names,
 *                                                    his date of birth for the suspect
 *
 * Every search and view states its purpose, is audited with it and kept in
 * the register's own access log for the oversight report.  Entries are read
 * across forces (they are shared on one Vigil); a case recognised is shown
 * only to those who may see it: others learn that a match exists and whom
 * to ask.
 */
#include "api/api.h"

#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "core/account.h"
#include "core/casefile.h"
#include "core/identifier.h"
#include "http/request.h"
#include "ops/register.h"
#include "store/cases.h"
#include "store/people.h"
#include "store/register.h"
#include "vigil.h"

#define MAX_CASES 20

/* The stated purpose of a read: 5 to 500 characters, audited. */
static const char *purpose_of(struct req *r)
{
	const char *p = req_query(r, "purpose");

	if (!p || strlen(p) < 5 || strlen(p) > 500 || !account_text_clean(p, strlen(p))) {
		req_fail(r, 400, "bad_request", "purpose",
			 "state the purpose (5 to 500 characters): every search and view of the "
			 "register is audited with it");
		return NULL;
	}
	return p;
}

/* ---- calls -------------------------------------------------------------------------- */

/* The result rc of an operation in the request's transaction: 0 when it is a
 * success; else the failure is answered, rolled back, and -1. */
static int failed(struct req *r, struct ops_ctx *x, int rc)
{
	return rc >= 0 ? 0 : api_tx_refused(r, x, rc);
}

/* Begin a call on entry id: named as the audit object, the operation's
 * context and the request's transaction; -1 when it could not begin. */
static int entry_begin(struct req *r, struct ops_ctx *x, int64_t id)
{
	req_audit_object(r, "register:%lld", (long long)id);
	api_ops_begin(r, x, 0);
	return req_tx_begin(r);
}

/* ---- search, list, view ------------------------------------------------------------- */

struct list_ctx {
	struct ops_ctx *x;
	json_t *arr;
	int rc;
	int64_t first;
};

static int add_entry(const struct register_entry *e, const char *matched, void *arg)
{
	struct list_ctx *lc = arg;
	json_t *o = reg_entry_json(lc->x, e->id, &lc->rc);

	if (!o)
		return 1;
	if (matched)
		json_object_set_new(o, "matched", json_string(matched));
	if (!lc->first)
		lc->first = e->id;
	json_array_append_new(lc->arr, o);
	return 0;
}

void api_register_list(struct req *r)
{
	const char *q = req_query(r, "q"), *status = req_query(r, "status"), *purpose;
	struct ops_ctx x;
	struct list_ctx lc;
	const char *kind = NULL;
	int64_t limit;
	int rc;

	if (!(purpose = purpose_of(r)) || req_query_int(r, "limit", 1, 200, 50, &limit) < 0)
		return;
	if (status && strcmp(status, "active") && strcmp(status, "removed")) {
		req_fail(r, 400, "bad_request", "status", "status must be active or removed");
		return;
	}
	if (q && (strlen(q) < 2 || strlen(q) > 300 || !account_text_clean(q, strlen(q)))) {
		req_fail(r, 400, "bad_request", "q",
			 "q is the name or identifier to search for (2 to 300 characters)");
		return;
	}
	api_ops_begin(r, &x, 0);
	if (req_tx_begin(r) < 0)
		return;
	lc = (struct list_ctx){ &x, json_array(), 0, 0 };
	rc = register_entries_each(r->db, status ? status : "active", q, (int)limit, add_entry, &lc);
	if (rc >= 0)
		rc = lc.rc;
	if (rc >= 0)
		rc = reg_access(&x, q ? "search" : "list", purpose, q, lc.first,
				(int64_t)json_array_size(lc.arr), &kind);
	if (rc < 0) {
		json_decref(lc.arr);
		req_tx_rollback(r);
		req_fail_db(r, rc);
		return;
	}
	req_audit_detail(r, "purpose: %s; %s%s%s; %zu found", purpose, q ? "query (" : "list",
			 q ? kind : "", q ? ", keyed hash)" : "", json_array_size(lc.arr));
	req_reply(r, 200, json_pack("{s:o, s:I}", "entries", lc.arr, "count",
				    (json_int_t)json_array_size(lc.arr)));
	req_tx_commit(r);
}

static int add_history(int64_t version, int64_t at, const char *username, const char *action,
		       const char *reason, const char *snapshot, void *arg)
{
	json_t *snap = json_loads(snapshot, 0, NULL);

	json_array_append_new(arg, json_pack("{s:I, s:o, s:s?, s:s, s:s?, s:o}", "version",
					     (json_int_t)version, "at", req_time_json(at), "by",
					     username, "action", action, "reason", reason, "entry",
					     snap ? snap : json_null()));
	return 0;
}

struct cases_ctx {
	struct req *r;
	struct viewer v;
	json_t *arr;
	int64_t *ids;
	int n;
};

static int add_case(int64_t case_id, const char *ref, int64_t agency_id, void *arg)
{
	struct cases_ctx *cc = arg;
	int vis = case_visible(cc->r->db, case_id, &cc->v);

	(void)agency_id;
	cc->ids = xrealloc(cc->ids, (size_t)(cc->n + 1) * sizeof *cc->ids);
	cc->ids[cc->n++] = case_id;
	json_array_append_new(cc->arr, vis == 1 ? json_pack("{s:s, s:b}", "ref", ref, "visible", 1)
						: json_pack("{s:b}", "visible", 0));
	return 0;
}

/* A new case his man was recognised in: its force and whom to ask; its
 * reference only to those who may see it. */
static int add_entry_match(const struct register_match *m, void *arg)
{
	struct cases_ctx *cc = arg;
	json_t *o = json_pack("{s:I, s:o, s:o, s:s, s:{s:s, s:s}}", "id", (json_int_t)m->id,
			      "found_at", req_time_json(m->found_at), "told_at",
			      req_time_json(m->told_at), "agency", m->case_agency, "ask", "username",
			      m->case_owner, "name", m->case_owner_name);

	if (case_visible(cc->r->db, m->case_id, &cc->v) == 1)
		json_object_set_new(o, "case", json_pack("{s:s}", "ref", m->case_ref));
	json_array_append_new(cc->arr, o);
	return 0;
}

void api_register_get(struct req *r)
{
	const char *purpose;
	struct cases_ctx cc = { r, { 0 }, NULL, NULL, 0 };
	struct ops_ctx x;
	json_t *o, *hist;
	int64_t id;
	int rc, victims = 0;

	if (req_param_id(r, "id", "register entry", &id) < 0 || !(purpose = purpose_of(r)) ||
	    entry_begin(r, &x, id) < 0)
		return;
	o = reg_entry_json(&x, id, &rc);
	if (!o) {
		failed(r, &x, rc);
		return;
	}
	api_viewer(r, &cc.v);
	cc.arr = json_array();
	hist = json_array();
	rc = register_entry_cases_each(r->db, id, add_case, &cc);
	if (rc >= 0 && cc.n)
		victims = links_distinct_victims(r->db, cc.ids, cc.n);
	if (rc >= 0 && victims < 0)
		rc = victims;
	if (rc >= 0)
		rc = register_history_each(r->db, id, add_history, hist);
	if (rc >= 0)
		rc = reg_access(&x, "view", purpose, NULL, id, 1, NULL);
	free(cc.ids);
	json_object_set_new(o, "cases", cc.arr);
	cc.arr = json_array();
	if (rc >= 0)
		rc = register_matches_each(r->db, 0, id, add_entry_match, &cc);
	json_object_set_new(o, "recognitions", cc.arr);
	json_object_set_new(o, "victims", json_integer(victims));
	json_object_set_new(o, "history", hist);
	if (rc < 0) {
		json_decref(o);
		req_tx_rollback(r);
		req_fail_db(r, rc);
		return;
	}
	req_audit_detail(r, "purpose: %s", purpose);
	req_reply(r, 200, o);
	req_tx_commit(r);
}

/* ---- decisions ---------------------------------------------------------------------- */

/* The decision fields of the body; next_review_at and reason always. */
static int parse_decision(struct req *r, struct reg_decision *d, bool entering)
{
	int64_t level = 0;
	bool present;

	memset(d, 0, sizeof *d);
	if (req_body_str(r, "basis", entering, 16, &d->basis) < 0 ||
	    req_body_str(r, "basis_ref", entering, 200, &d->basis_ref) < 0 ||
	    req_body_str(r, "category", entering, 32, &d->category) < 0 ||
	    req_body_int(r, "level", entering, 1, 3, &level, &present) < 0 ||
	    req_body_str(r, "responsible", false, 64, &d->responsible) < 0 ||
	    req_body_time(r, "next_review_at", true, &d->next_review_at, NULL) < 0 ||
	    req_body_time(r, "retain_until", false, &d->retain_until, NULL) < 0 ||
	    req_body_str(r, "reason", true, 2000, &d->reason) < 0)
		return -1;
	d->level = (int)level;
	return 0; /* the vocabularies are the rules' (ops/register.c) */
}

static void reply_entry(struct req *r, struct ops_ctx *x, int status, int64_t id)
{
	int rc;
	json_t *o = reg_entry_json(x, id, &rc);

	if (!o) {
		failed(r, x, rc);
		return;
	}
	req_reply(r, status, o);
	req_tx_commit(r);
}

/* A change of the entry {id} made on the version the body states (a body of
 * fields only): 0, or -1 after answering 404 or 400. */
static int parse_change(struct req *r, const char *const *fields, int64_t *id, int64_t *version)
{
	if (req_param_id(r, "id", "register entry", id) < 0)
		return -1;
	return api_body_version(r, fields, version);
}

void api_register_create(struct req *r)
{
	static const char *const fields[] = { "name", "dob", "aliases", "identifiers", "basis",
					      "basis_ref", "category", "level", "responsible",
					      "next_review_at", "retain_until", "reason", "cases",
					      NULL };
	struct api_person *pb = NULL;
	const char *cases[MAX_CASES];
	struct reg_enter in = { 0 };
	struct ops_ctx x;
	json_t *jc, *it;
	int64_t id;
	size_t i;

	if (req_body_required(r) < 0 || req_body_only(r, fields) < 0)
		return;
	pb = xcalloc(1, sizeof *pb);
	if (api_person_parse(r, r->body, "", API_PERSON_NAMED, pb) < 0 || parse_decision(r, &in.d, true) < 0)
		goto out;
	jc = json_object_get(r->body, "cases");
	if (jc && !json_is_null(jc)) {
		if (!json_is_array(jc) || json_array_size(jc) > MAX_CASES) {
			req_fail(r, 400, "bad_request", "cases",
				 "cases must be a list of at most %d case references", MAX_CASES);
			goto out;
		}
		json_array_foreach(jc, i, it) {
			if (!json_is_string(it)) {
				req_fail(r, 400, "bad_request", "cases", "cases must be case references");
				goto out;
			}
			cases[in.ncases++] = json_string_value(it);
		}
	}
	in.person = pb->in;
	in.cases = cases;
	api_ops_begin(r, &x, 0);
	if (req_tx_begin(r) < 0)
		goto out;
	id = reg_entry_enter(&x, &in);
	if (failed(r, &x, id < 0 ? (int)id : 0) < 0)
		goto out;
	req_audit_object(r, "register:%lld", (long long)id);
	/* the reference and the reason are the entry's history's, purged with
	 * it: the audit trail, which is never purged, keeps only the kind */
	req_audit_detail(r, "entered on %s", in.d.basis);
	reply_entry(r, &x, 201, id);
out:
	free(pb);
}

void api_register_review(struct req *r)
{
	static const char *const fields[] = { "version", "basis", "basis_ref", "category", "level",
					      "responsible", "next_review_at", "retain_until",
					      "reason", NULL };
	struct reg_decision d;
	struct ops_ctx x;
	int64_t id, version;

	if (parse_change(r, fields, &id, &version) < 0 || parse_decision(r, &d, false) < 0 ||
	    entry_begin(r, &x, id) < 0 || failed(r, &x, reg_entry_review(&x, id, version, &d)) < 0)
		return;
	req_audit_detail(r, "reviewed (the reason is in the entry's history)");
	reply_entry(r, &x, 200, id);
}

void api_register_remove(struct req *r)
{
	static const char *const fields[] = { "version", "reason", NULL };
	const char *reason;
	struct ops_ctx x;
	int64_t id, version;

	if (parse_change(r, fields, &id, &version) < 0 ||
	    req_body_str(r, "reason", true, 2000, &reason) < 0 || entry_begin(r, &x, id) < 0 ||
	    failed(r, &x, reg_entry_remove(&x, id, version, reason)) < 0)
		return;
	req_audit_detail(r, "removed (the reason is in the entry's history)");
	reply_entry(r, &x, 200, id);
}

void api_register_identify(struct req *r)
{
	static const char *const fields[] = { "version", "aliases", "identifiers", NULL };
	struct api_person *pb;
	struct ops_ctx x;
	int64_t id, version;

	if (parse_change(r, fields, &id, &version) < 0)
		return;
	pb = xcalloc(1, sizeof *pb);
	if (api_person_parse(r, r->body, "", 0, pb) < 0 || entry_begin(r, &x, id) < 0 ||
	    failed(r, &x, reg_entry_identify(&x, id, version, &pb->in)) < 0)
		goto out;
	req_audit_detail(r, "%d identifier(s), %d alias(es) added", pb->in.nids, pb->in.naliases);
	reply_entry(r, &x, 200, id);
out:
	free(pb);
}

/* ---- oversight ---------------------------------------------------------------------- */

struct oversight {
	json_t *items, *by_user;
};

static int add_access(const struct register_access *a, void *arg)
{
	struct oversight *ov = arg;
	json_t *u = json_object_get(ov->by_user, a->username), *c;

	json_array_append_new(ov->items,
			      json_pack("{s:o, s:s, s:s?, s:s, s:s, s:s?, s:s?, s:o, s:I}", "at",
					req_time_json(a->at), "user", a->username, "agency",
					a->agency, "action", a->action, "purpose", a->purpose,
					"query_kind", a->query_kind, "query_hash", a->query_hash,
					"entry_id",
					a->entry_id ? json_integer(a->entry_id) : json_null(),
					"results", (json_int_t)a->results));
	if (!u) {
		u = json_pack("{s:s?, s:i, s:i, s:i}", "agency", a->agency, "searches", 0, "views",
			      0, "other", 0);
		json_object_set_new(ov->by_user, a->username, u);
	}
	c = json_object_get(u, !strcmp(a->action, "search") || !strcmp(a->action, "list")
				       ? "searches"
				       : !strcmp(a->action, "view") ? "views" : "other");
	json_integer_set(c, json_integer_value(c) + 1);
	return 0;
}

void api_register_oversight(struct req *r)
{
	struct oversight ov = { json_array(), json_object() };
	int64_t from = 0, to = 0;
	int rc;

	if (req_query_time(r, "from", &from) < 0 || req_query_time(r, "to", &to) < 0)
		goto bad;
	if (!to)
		to = clock_now_ms() + 1;
	/* her force's part, as the audit trail is read: the register is
	 * shared, but who searched it is each force's to oversee */
	rc = register_access_each(r->db, r->who.agency, from, to, add_access, &ov);
	if (rc < 0) {
		req_fail_db(r, rc);
		goto bad;
	}
	req_audit_detail(r, "oversight report: %zu accesses", json_array_size(ov.items));
	req_reply(r, 200, json_pack("{s:s, s:o, s:o, s:I, s:o, s:o}", "agency", r->who.agency,
				    "from", req_time_json(from), "to", req_time_json(to), "count",
				    (json_int_t)json_array_size(ov.items), "by_user", ov.by_user,
				    "accesses", ov.items));
	return;
bad:
	json_decref(ov.items);
	json_decref(ov.by_user);
}

/* ---- exchange ------------------------------------------------------------------------ */

void api_register_export(struct req *r)
{
	struct ops_ctx x;
	json_t *doc;
	int rc;

	if (!r->v->register_signing) {
		req_fail(r, 409, "not_configured", NULL,
			 "this Vigil has no register signing key: start it with --register-key "
			 "FILE (docs/REGISTER.md)");
		return;
	}
	api_ops_begin(r, &x, 0);
	doc = reg_export(&x, r->v->register_sk, r->v->register_pk, &rc);
	if (!doc) {
		api_ops_end(r, &x, rc);
		return;
	}
	req_audit_detail(r, "export signed by key %.16s", r->v->register_pk);
	req_reply(r, 200, doc);
}

void api_register_import(struct req *r)
{
	static const char *const fields[] = { "document", "reason", "responsible", NULL };
	const char *reason, *resp;
	char issuer[200] = "";
	struct ops_ctx x;
	int added, updated, rc;

	if (req_body_required(r) < 0 || req_body_only(r, fields) < 0 ||
	    req_body_str(r, "reason", true, 2000, &reason) < 0 ||
	    req_body_str(r, "responsible", false, 64, &resp) < 0)
		return;
	if (!json_is_object(json_object_get(r->body, "document"))) {
		req_fail(r, 400, "bad_request", "document", "document is the signed export, as exported");
		return;
	}
	api_ops_begin(r, &x, 0);
	if (req_tx_begin(r) < 0)
		return;
	rc = reg_import(&x, json_object_get(r->body, "document"), r->v->cfg.register_trust, resp,
			reason, &added, &updated, issuer, sizeof issuer);
	if (rc < 0) {
		req_tx_rollback(r);
		req_audit_detail(r, "refused: %s", x.err.message);
		api_ops_end(r, &x, rc);
		return;
	}
	req_audit_detail(r, "from %s: %d added, %d updated: %s", issuer, added, updated, reason);
	req_reply(r, 200, json_pack("{s:s, s:i, s:i}", "issuer", issuer, "added", added, "updated",
				    updated));
	req_tx_commit(r);
}

void api_register_purge(struct req *r)
{
	struct ops_ctx x;
	int rc;

	api_ops_begin(r, &x, 0);
	rc = reg_purge(&x, true);
	if (rc < 0) {
		api_ops_end(r, &x, rc);
		return;
	}
	req_audit_detail(r, "%d entr%s purged", rc, rc == 1 ? "y" : "ies");
	req_reply(r, 200, json_pack("{s:i}", "purged", rc));
}

/* ---- recognition ------------------------------------------------------------------- */

int api_register_recognise(struct req *r, int64_t case_id)
{
	struct ops_ctx x;
	int rc;

	api_ops_begin(r, &x, 0);
	rc = reg_recognise(&x, case_id);
	return rc < 0 ? rc : 0;
}

struct recog_ctx {
	struct req *r;
	struct viewer v;
	bool reads_register;
	json_t *arr;
};

static int add_recognition(const struct register_match *m, void *arg)
{
	struct recog_ctx *rc = arg;
	json_t *o = json_pack("{s:I, s:s, s:o, s:o, s:{s:s?, s:s?, s:s?}}", "id", (json_int_t)m->id,
			      "kind", m->entry_id ? "register" : "case", "found_at",
			      req_time_json(m->found_at), "seen_at", req_time_json(m->seen_at),
			      "ask", "username", m->ask_username, "name", m->ask_name, "agency",
			      m->ask_agency);
	bool shown;

	if (m->entry_id) {
		shown = rc->reads_register;
		if (shown)
			json_object_set_new(o, "entry",
					    json_pack("{s:I, s:s?}", "id", (json_int_t)m->entry_id,
						      "name", m->entry_name));
		json_object_set_new(o, "told_at", req_time_json(m->told_at));
	} else {
		shown = case_visible(rc->r->db, m->other_case_id, &rc->v) == 1;
		if (shown)
			json_object_set_new(o, "case", json_pack("{s:s}", "ref", m->other_ref));
	}
	/* not shown: that a match exists and whom to ask, nothing of what */
	json_object_set_new(o, "shown", json_boolean(shown));
	if (shown)
		json_object_set_new(o, "matched", json_string(m->matched));
	json_array_append_new(rc->arr, o);
	return 0;
}

void api_case_recognition(struct req *r)
{
	struct recog_ctx rc = { r, { 0 }, access_role_has(r->who.role, PERM_REGISTER_READ), NULL };
	struct case_record c;

	if (api_case_load(r, &c) < 0)
		return;
	api_viewer(r, &rc.v);
	rc.arr = json_array();
	req_read(r, register_matches_each(r->db, c.id, 0, add_recognition, &rc));
	req_reply(r, 200, json_pack("{s:s, s:I, s:o}", "ref", c.ref, "count",
				    (json_int_t)json_array_size(rc.arr), "matches", rc.arr));
	case_record_free(&c);
}

void api_case_recognition_seen(struct req *r)
{
	struct case_record c;
	struct ops_ctx x;
	int64_t id;

	if (req_param_id(r, "id", "recognition", &id) < 0 || api_case_load(r, &c) < 0)
		return;
	api_ops_begin(r, &x, 0);
	if (req_tx_begin(r) == 0 && failed(r, &x, reg_recognition_seen(&x, c.id, id)) == 0) {
		req_audit_detail(r, "recognition %lld seen", (long long)id);
		req_reply(r, 200, json_pack("{s:I, s:b}", "id", (json_int_t)id, "seen", 1));
		req_tx_commit(r);
	}
	case_record_free(&c);
}

void api_register_match_acknowledge(struct req *r)
{
	struct ops_ctx x;
	int64_t id;

	if (req_param_id(r, "id", "recognition", &id) < 0)
		return;
	req_audit_object(r, "register-match:%lld", (long long)id);
	api_ops_begin(r, &x, 0);
	if (req_tx_begin(r) < 0 || failed(r, &x, reg_recognition_acknowledge(&x, id)) < 0)
		return;
	req_audit_detail(r, "told of a new case of his register entry");
	req_reply(r, 200, json_pack("{s:I, s:b}", "id", (json_int_t)id, "acknowledged", 1));
	req_tx_commit(r);
}

void api_case_suspect_identify(struct req *r)
{
	static const char *const fields[] = { "aliases", "identifiers", "dob", NULL };
	struct api_person *pb;
	struct case_record c = { 0 };
	struct ops_ctx x;
	int rc;

	if (req_body_required(r) < 0 || req_body_only(r, fields) < 0)
		return;
	pb = xcalloc(1, sizeof *pb);
	if (api_person_parse(r, r->body, "", 0, pb) < 0 || api_case_load(r, &c) < 0)
		goto out;
	api_ops_begin(r, &x, 0);
	if (req_tx_begin(r) < 0)
		goto out;
	rc = reg_suspect_identify(&x, c.id, &pb->in);
	/* what identifies him better may link him to more cases */
	if (rc >= 0 && (rc = api_case_serial_rule(r, c.id)) < 0) {
		req_tx_rollback(r);
		req_fail_db(r, rc);
		goto out;
	}
	if (failed(r, &x, rc) < 0)
		goto out;
	req_audit_detail(r, "%d identifier(s), %d other name(s)%s added to the suspect",
			 pb->in.nids, pb->in.naliases, pb->in.dob ? ", his date of birth" : "");
	req_reply(r, 200, json_pack("{s:s, s:i, s:i}", "ref", c.ref, "identifiers", pb->in.nids,
				    "aliases", pb->in.naliases));
	req_tx_commit(r);
out:
	case_record_free(&c);
	free(pb);
}

/* ---- compliance ---------------------------------------------------------------------- */

static int add_due(const struct register_entry *e, void *arg)
{
	json_array_append_new(arg, json_pack("{s:I, s:s?, s:s, s:o, s:I}", "id", (json_int_t)e->id,
					     "name", e->full_name, "responsible", e->responsible,
					     "next_review_at", req_time_json(e->next_review_at),
					     "version", (json_int_t)e->version));
	return 0;
}

int api_register_compliance(struct req *r, json_t *out, int64_t now)
{
	json_t *items = json_array();
	int rc = register_reviews_due_each(r->db, r->who.agency_id, now, 500, add_due, items);

	if (rc < 0) {
		json_decref(items);
		return rc;
	}
	json_object_set_new(out, "register_reviews_overdue",
			    json_pack("{s:I, s:b, s:o}", "count", (json_int_t)json_array_size(items),
				      "truncated", 0, "items", items));
	return 0;
}
