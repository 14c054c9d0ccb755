/*
 * partners — a case shared with partner agencies, over HTTP:
 * GET/POST /api/v1/cases/{ref}/shares, POST .../shares/{id}/withdraw, the
 * partner's caseload GET /api/v1/caseload, and one case's live alerts
 * GET /api/v1/cases/{ref}/alerts/stream (an advocate's warnings for her).
 * Parse, call ops/partners, answer: the rules are there.
 */
#include "api/api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/request.h"
#include "http/stream.h"
#include "ops/ops.h"
#include "ops/partners.h"
#include "store/cases.h"
#include "store/sharing.h"
#include "vigil.h"

#define TEXT_MAX 4000

void api_partners_case(const struct case_record *c, struct partners_case *pc)
{
	pc->id = c->id;
	pc->ref = c->ref;
	pc->agency_id = c->agency_id;
	pc->owner_id = c->owner_id;
	pc->typology = c->typology;
	pc->risk_level = c->risk_level;
}

int api_partners_begin(struct req *r, struct case_record *c, struct ops_ctx *x,
		       struct partners_case *pc)
{
	if (api_case_load(r, c) < 0)
		return -1;
	api_ops_begin(r, x, 0);
	api_partners_case(c, pc);
	if (req_tx_begin(r) < 0) {
		ops_done(x);
		case_record_free(c);
		return -1;
	}
	return 0;
}

static json_t *share_json(const struct share_row *s)
{
	json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s?, s:s?, s:s?, s:s, s:o, s:s?, s:b,"
			      " s:I}",
			      "id", (json_int_t)s->id, "agency", s->agency, "agency_name",
			      s->agency_name, "agency_kind", s->agency_kind, "purpose", s->purpose,
			      "basis", s->basis, "consent_of", s->consent_of, "lawful_basis",
			      s->lawful_basis, "note", s->note, "origin", s->origin, "from",
			      req_time_json(s->starts_at), "shared_by", s->shared_by, "active",
			      s->withdrawn_at == 0, "version", (json_int_t)s->version);
	enum share_purpose p = access_purpose_parse(s->purpose);

	json_object_set_new(o, "purpose_summary", json_string(access_purpose_summary(p)));
	if (s->withdrawn_at)
		json_object_set_new(o, "withdrawn",
				    json_pack("{s:o, s:s?, s:s?}", "at", req_time_json(s->withdrawn_at),
					      "by", s->withdrawn_by, "reason", s->withdrawn_reason));
	return o;
}

struct list_ctx {
	json_t *arr;
	int64_t only_agency; /* a partner sees its own shares only (0: all) */
};

static int add_share(const struct share_row *s, void *arg)
{
	struct list_ctx *l = arg;

	if (!l->only_agency || l->only_agency == s->agency_id)
		json_array_append_new(l->arr, share_json(s));
	return 0;
}

/* The purpose table, for the form that makes a share: each purpose with what
 * it is for, the kinds of agency it is made with and whose consent. */
static json_t *purposes_json(void)
{
	static const char *const kinds[] = { "police", "nhs", "charity", "contractor", "other" };
	json_t *arr = json_array();

	for (int p = 0; p < PURPOSE_COUNT; p++) {
		json_t *k = json_array();

		for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
			if (access_purpose_for_kind((enum share_purpose)p, kinds[i]))
				json_array_append_new(k, json_string(kinds[i]));
		json_array_append_new(arr, json_pack("{s:s, s:s, s:o, s:s}", "purpose",
						     access_purpose_name((enum share_purpose)p),
						     "summary",
						     access_purpose_summary((enum share_purpose)p),
						     "agency_kinds", k, "consent_of",
						     access_purpose_consent_of((enum share_purpose)p)));
	}
	return arr;
}

/* The case's shares as the caller may see them: the case's own agency all of
 * them, a partner its own. */
static json_t *shares_json(struct req *r, const struct case_record *c, int *rc)
{
	struct list_ctx l = { json_array(), c->agency_id == r->who.agency_id ? 0 : r->who.agency_id };

	*rc = sharing_each(r->db, c->id, add_share, &l);
	if (*rc < 0) {
		json_decref(l.arr);
		return NULL;
	}
	return json_pack("{s:s, s:o, s:o}", "ref", c->ref, "shares", l.arr, "purposes",
			 purposes_json());
}

void api_shares_list(struct req *r)
{
	api_case_page(r, shares_json);
}

int api_share_parse(struct req *r, json_t *o, const char *where, struct share_request *s)
{
	static const char *const keys[] = { "agency", "purpose", "basis", "consent", "lawful_basis",
					    "note", "from", NULL };
	static const char *const ckeys[] = { "of", "note", NULL };
	char field[64];
	json_t *consent;
	bool present;

	memset(s, 0, sizeof *s);
	if (!json_is_object(o)) {
		req_fail(r, 400, "bad_request", where,
			 "%s must be an object: {agency, purpose, basis, consent | lawful_basis}",
			 where);
		return -1;
	}
	snprintf(field, sizeof field, "%s", where);
	if (req_obj_only(r, o, where, keys) < 0 ||
	    req_obj_str(r, o, "purpose", "purpose", true, 32, &s->purpose) < 0 ||
	    req_obj_str(r, o, "basis", "basis", true, 16, &s->basis) < 0 ||
	    req_obj_str(r, o, "lawful_basis", "lawful_basis", false, TEXT_MAX, &s->lawful_basis) < 0 ||
	    req_obj_str(r, o, "note", "note", false, TEXT_MAX, &s->note) < 0 ||
	    req_obj_time(r, o, "from", "from", false, &s->from, &present) < 0)
		return -1;
	if (json_object_get(o, "agency") &&
	    req_obj_str(r, o, "agency", "agency", true, 32, &s->agency) < 0)
		return -1;
	consent = json_object_get(o, "consent");
	if (consent && !json_is_null(consent)) {
		if (!json_is_object(consent)) {
			req_fail(r, 400, "bad_request", "consent",
				 "consent must be {\"of\": \"victim\" or \"offender\", \"note\": how "
				 "it was given}");
			return -1;
		}
		if (req_obj_only(r, consent, "consent", ckeys) < 0 ||
		    req_obj_str(r, consent, "of", "consent.of", true, 16, &s->consent_of) < 0 ||
		    req_obj_str(r, consent, "note", "consent.note", true, TEXT_MAX,
				&s->consent_note) < 0)
			return -1;
	}
	return 0;
}

void api_shares_create(struct req *r)
{
	struct case_record c = { 0 };
	struct ops_ctx x;
	struct partners_case pc;
	struct share_request s;
	json_t *o;
	int64_t id;
	int rc;

	if (req_body_required(r) < 0 || api_share_parse(r, r->body, "body", &s) < 0)
		return;
	if (!s.agency) {
		req_fail(r, 400, "bad_request", "agency", "name the partner agency (agency)");
		return;
	}
	if (api_partners_begin(r, &c, &x, &pc) < 0)
		return;
	id = partners_share(&x, &pc, &s);
	if (id < 0) {
		api_tx_refused(r, &x, (int)id);
		goto out;
	}
	req_audit_detail(r, "share %lld with %s for %s on %s", (long long)id, s.agency, s.purpose,
			 s.basis);
	o = shares_json(r, &c, &rc);
	if (o)
		json_object_set_new(o, "id", json_integer(id));
	api_tx_reply(r, 201, o, rc);
out:
	ops_done(&x);
	case_record_free(&c);
}

void api_share_withdraw(struct req *r)
{
	static const char *const fields[] = { "version", "reason", NULL };
	struct case_record c = { 0 };
	struct ops_ctx x;
	struct partners_case pc;
	const char *reason;
	int64_t id, version;
	json_t *o;
	int rc;

	if (req_param_id(r, "id", "share", &id) < 0 || api_body_version(r, fields, &version) < 0 ||
	    req_body_str(r, "reason", true, TEXT_MAX, &reason) < 0)
		return;
	if (api_partners_begin(r, &c, &x, &pc) < 0)
		return;
	rc = partners_withdraw(&x, &pc, id, version, reason);
	if (rc < 0) {
		api_tx_refused(r, &x, rc);
		goto out;
	}
	req_audit_detail(r, "share %lld withdrawn: %s", (long long)id, reason);
	/* the partner may no longer see the case: answer what the caller still sees */
	o = c.agency_id == r->who.agency_id ? shares_json(r, &c, &rc)
					    : json_pack("{s:s, s:[]}", "ref", c.ref, "shares");
	if (api_tx_reply(r, 200, o, rc) == 0)
		stream_wake(r->v->stream); /* open streams check the case again, now */
out:
	ops_done(&x);
	case_record_free(&c);
}

static int add_caseload(const char *ref, const char *status, const char *level,
			const char *purposes, int64_t since, void *arg)
{
	json_t *ps = json_array();
	char buf[128], *save = NULL;

	snprintf(buf, sizeof buf, "%s", purposes);
	for (char *t = strtok_r(buf, " ", &save); t; t = strtok_r(NULL, " ", &save))
		json_array_append_new(ps, json_string(t));
	json_array_append_new(arg, json_pack("{s:s, s:s, s:s?, s:o, s:o}", "ref", ref, "status",
					     status, "risk_level", level, "purposes", ps, "since",
					     req_time_json(since)));
	return 0;
}

void api_caseload(struct req *r)
{
	json_t *arr = json_array();

	req_read(r, sharing_caseload_each(r->db, r->who.agency_id, add_caseload, arr));
	req_reply(r, 200, json_pack("{s:o}", "cases", arr));
}

void api_case_alerts_stream(struct req *r)
{
	struct case_record c;
	int64_t last;

	if (api_last_event_id(r, &last) < 0 || api_case_load(r, &c) < 0)
		return;
	if (last < 0)
		last = stream_latest(r->v->stream);
	req_audit_detail(r, "stream of %s from event %lld", c.ref, (long long)last);
	stream_attach_case(r->v->stream, r, last, PERM_CASES_READ, c.id);
	case_record_free(&c);
}
