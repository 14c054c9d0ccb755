/*
 * cases — intake and the case record: POST/GET /api/v1/cases,
 * GET/PATCH /api/v1/cases/{ref}, screening, sign-off, people, links,
 * assignment, referral, programme enrolment and the timeline.
 *
 * The rules that make Vigil stop misrecording stalking live here and in
 * core/casefile.c: FOUR answers that are all yes (or a former partner's
 * repeated conduct) mean stalking; recording such a case as anything else
 * needs a written reason, and carries the "possible_misrecording" flag until
 * a supervisor signs it off.  Every read of a case is audited.
 */
#include "api/api.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/clock.h"
#include "core/account.h"
#include "core/casefile.h"
#include "core/identifier.h"
#include "http/request.h"
#include "ops/cases.h"
#include "ops/partners.h"
#include "store/account.h"
#include "store/cases.h"
#include "store/incidents.h"
#include "store/people.h"
#include "store/plans.h"
#include "vigil.h"

#define MAX_VICTIMS 10
#define TEXT_MAX 4000
/* a victim or suspect: of these keys, described or named or identified */
#define PERSON_OF_CASE (API_PERSON_ONLY | API_PERSON_DESCRIBED | API_PERSON_SOMETHING)

static const char *const four_names[4] = { "fixated", "obsessive", "unwanted", "repeated" };

void api_viewer(struct req *r, struct viewer *v)
{
	v->user_id = r->who.user_id;
	v->role = r->who.role;
	v->agency_id = r->who.agency_id;
	v->device_token = r->who.device_token;
}


/* ---- a case for the handlers outside the operations (issues 18-20) -------------- */

int api_case_load(struct req *r, struct case_record *c)
{
	struct ops_ctx x;

	/* the same opening as every operation's (ops_case_open: visibility, and
	 * the route's parts through the shares' purposes), outside a
	 * transaction of its own; the handler audits its request */
	api_ops_begin(r, &x, 0);
	x.audit = NULL;
	x.caller_tx = true;
	return api_ops_end(r, &x, ops_case_open(&x, req_param(r, "ref"), c)) < 0 ? -1 : 0;
}

/* ---- reading ------------------------------------------------------------- */

static int add_string(const char *s, void *arg)
{
	json_array_append_new(arg, json_string(s));
	return 0;
}

static int add_flag(const char *flag, int64_t raised_at, const char *note, void *arg)
{
	json_array_append_new(arg, json_pack("{s:s, s:o, s:s?}", "flag", flag, "raised_at",
					     req_time_json(raised_at), "note", note));
	return 0;
}

static json_t *answer_json(enum four_answer a)
{
	return a == FOUR_UNANSWERED ? json_null() : json_boolean(a == FOUR_YES);
}

static json_t *screening_json(const struct case_record *c)
{
	const enum four_answer a[4] = { c->four.fixated, c->four.obsessive, c->four.unwanted,
					c->four.repeated };
	json_t *o = json_object();

	for (int i = 0; i < 4; i++)
		json_object_set_new(o, four_names[i],
				    json_pack("{s:o, s:s?}", "answer", answer_json(a[i]), "note",
					      c->four_note[i]));
	json_object_set_new(o, "complete", json_boolean(four_complete(&c->four)));
	json_object_set_new(o, "implies_stalking",
			    json_boolean(four_implies_stalking(&c->four, c->relationship)));
	json_object_set_new(o, "screened_by", c->screened_by[0] ? json_string(c->screened_by)
							       : json_null());
	json_object_set_new(o, "screened_at", req_time_json(c->screened_at));
	return o;
}

/* Fields every view of a case carries (list and full).  NULL with *err when
 * its sealed summary would not open (DB_SEALED) or a read failed: the caller
 * fails the request. */
static json_t *case_summary_json(struct req *r, const struct case_record *c, int *err)
{
	json_t *o, *cls, *flags, *allowed;
	int rc;

	if (c->summary_unreadable) {
		*err = DB_SEALED; /* only on failure: *err may be the caller's rc */
		return NULL;
	}
	cls = json_array();
	flags = json_array();
	rc = case_classifications_each(r->db, c->id, add_string, cls);
	if (rc >= 0)
		rc = case_flags_each(r->db, c->id, add_flag, flags);
	if (rc < 0) {
		*err = rc;
		json_decref(cls);
		json_decref(flags);
		return NULL;
	}
	allowed = json_array();
	for (int to = 0; to < CASE_STATUS_COUNT; to++)
		if (case_status_allowed(c->status, (enum case_status)to))
			json_array_append_new(allowed, json_string(case_status_name((enum case_status)to)));
	o = json_pack("{s:s, s:s, s:o, s:s, s:s, s:s?, s:s, s:s, s:s?, s:s?, s:o, s:o,"
		      " s:o, s:o, s:I}",
		      "ref", c->ref, "status", case_status_name(c->status), "allowed_next", allowed,
		      "relationship", c->relationship, "channel", c->channel, "summary",
		      (access_case_parts(r->who.role) & CASE_PART_FILE) ? c->summary : NULL,
		      "owner", c->owner, "agency", c->agency, "risk_level",
		      c->risk_level[0] ? c->risk_level : NULL, "typology",
		      c->typology[0] ? c->typology : NULL, "classifications", cls, "flags", flags,
		      "created_at", req_time_json(c->created_at), "updated_at",
		      req_time_json(c->updated_at), "version", (json_int_t)c->version);
	return o;
}

struct people_ctx {
	struct req *r;
	json_t *arr;
	int err; /* a sealed value that would not open */
};

struct ident_ctx {
	json_t *arr;
	bool hide_address;
	bool phones_only; /* the response view of the victim: the numbers to call her on */
	bool hide_all;    /* the offender's view of the victim: no contact details */
	int hidden_address, hidden_other;
};

static int add_identifier(const char *kind, const char *value, void *arg)
{
	struct ident_ctx *ic = arg;
	bool address = strcmp(kind, "address") == 0;

	if ((ic->hide_address || ic->hide_all || ic->phones_only) && address) {
		ic->hidden_address++;
		return 0;
	}
	if (ic->hide_all || (ic->phones_only && strcmp(kind, "phone") != 0)) {
		ic->hidden_other++;
		return 0;
	}
	json_array_append_new(ic->arr, json_pack("{s:s, s:s}", "kind", kind, "value", value));
	return 0;
}

/* A person of the case as the caller's role needs her (core/access.h,
 * enum case_view): the offender in full to every role that sees the case;
 * the victim in full only to the roles that protect her. */
static int add_person(const struct person_row *p, void *arg)
{
	struct people_ctx *pc = arg;
	enum case_view view = access_case_view(pc->r->who.role);
	bool victim = strcmp(p->role, "victim") == 0;
	bool reduced = victim && view != CASE_VIEW_FULL;
	struct ident_ctx ic = { json_array(), false, false, false, 0, 0 };
	json_t *aliases = json_array(), *withheld = json_array(), *o;
	int rc = 0;

	ic.hide_address = victim && !access_sees_victim_location(pc->r->who.role);
	ic.phones_only = reduced && view == CASE_VIEW_RESPONSE;
	ic.hide_all = reduced && view == CASE_VIEW_OFFENDER;
	if (!reduced)
		rc = person_aliases_each(pc->r->db, p->id, victim, add_string, aliases);
	if (rc >= 0)
		rc = person_identifiers_each(pc->r->db, p->id, victim, add_identifier, &ic);
	if (rc < 0) {
		json_decref(aliases);
		json_decref(withheld);
		json_decref(ic.arr);
		pc->err = rc;
		return 1;
	}
	o = json_pack("{s:I, s:s, s:s?, s:s?, s:s?, s:o, s:o}", "id", (json_int_t)p->id, "role",
		      p->role, "name", p->full_name, "dob", reduced ? NULL : p->dob, "description",
		      reduced ? NULL : p->description, "aliases", aliases, "identifiers", ic.arr);
	if (ic.hidden_address) {
		json_object_set_new(o, "address_withheld", json_true());
		json_array_append_new(withheld, json_string("address"));
	}
	if (reduced) {
		if (ic.hidden_other)
			json_array_append_new(withheld, json_string(ic.phones_only
									? "contact details other than phone"
									: "contact details"));
		json_array_append_new(withheld, json_string("date of birth"));
		json_array_append_new(withheld, json_string("description"));
		json_array_append_new(withheld, json_string("aliases"));
	}
	if (json_array_size(withheld))
		json_object_set_new(o, "withheld", withheld);
	else
		json_decref(withheld);
	json_array_append_new(pc->arr, o);
	return 0;
}

static int add_behaviour(const char *behaviour, int64_t n, void *arg)
{
	json_t *o = arg, *cur = json_object_get(o, behaviour);

	json_object_set_new(o, behaviour,
			    json_integer((cur ? json_integer_value(cur) : 0) + n));
	return 0;
}

/* The linked cases of c: a count, the details of those the caller may see,
 * the distinct victims, and the summary of their incidents.  NULL with *err
 * when a sealed value would not open (telling victims apart opens theirs). */
static json_t *links_json(struct req *r, const struct case_record *c, int *err)
{
	int64_t *cases = NULL, first = 0, last = 0, count = 0;
	json_t *visible = json_array(), *behaviours = json_object(), *o;
	int n = 0, hidden = 0, victims = 0, rc;
	struct viewer v;

	api_viewer(r, &v);
	rc = links_find(r->db, c->id, 200, &cases, &n);
	if (rc < 0)
		goto out;
	for (int i = 0; i < n; i++) {
		struct incident_summary is;
		struct case_record lc;

		if (incident_summary(r->db, cases[i], &is) == 0 && is.count) {
			count += is.count;
			if (!first || is.first_at < first)
				first = is.first_at;
			if (is.last_at > last)
				last = is.last_at;
			rc = incident_behaviours_each(r->db, cases[i], add_behaviour, behaviours);
			if (rc < 0)
				goto out;
		}
		if (case_visible(r->db, cases[i], &v) != 1) {
			hidden++;
			continue;
		}
		if (case_get_by_id(r->db, cases[i], &lc) == 1) {
			json_t *one = case_summary_json(r, &lc, &rc);

			case_record_free(&lc);
			if (!one)
				goto out;
			json_array_append_new(visible, one);
		}
	}
	if (n) {
		int64_t *all = xcalloc((size_t)n + 1, sizeof *all);

		memcpy(all, cases, (size_t)n * sizeof *all);
		all[n] = c->id;
		victims = links_distinct_victims(r->db, all, n + 1);
		free(all);
		if (victims == DB_SEALED)
			rc = DB_SEALED;
	}
out:
	if (rc < 0) {
		*err = rc;
		json_decref(visible);
		json_decref(behaviours);
		free(cases);
		return NULL;
	}
	o = json_pack("{s:i, s:i, s:o, s:i, s:b, s:{s:I, s:o, s:o, s:o}}", "count", n,
		      "hidden_count", hidden, "cases", visible, "distinct_victims",
		      victims < 0 ? 0 : victims, "possible_serial",
		      n && victims >= r->v->cfg.serial_victims, "prior_incidents", "count",
		      (json_int_t)count, "first_at", req_time_json(first), "last_at",
		      req_time_json(last), "behaviours", behaviours);
	free(cases);
	return o;
}

/* What the caller's role sees of a case: the view's name, the parts open to
 * it (the UI offers only those) and a sentence saying so. */
static json_t *case_view_json(enum role role)
{
	static const char *const names[] = { "full", "response", "offender" };
	unsigned parts = access_case_parts(role);
	json_t *open = json_array();

	if (parts & CASE_PART_RESPONSE)
		json_array_append_new(open, json_string("response"));
	if (parts & CASE_PART_FILE)
		json_array_append_new(open, json_string("file"));
	if (parts & CASE_PART_VICTIM_CARE)
		json_array_append_new(open, json_string("victim_care"));
	return json_pack("{s:s, s:o, s:s}", "name", names[access_case_view(role)], "parts", open,
			 "summary", access_case_view_summary(role));
}

/* The case in full; NULL with *err when a sealed value would not open. */
static json_t *case_full_json(struct req *r, const struct case_record *c, int *err)
{
	struct people_ctx pc = { r, json_array(), 0 };
	struct incident_summary is;
	json_t *o = case_summary_json(r, c, err), *assigned, *referred, *links;
	int rc;

	if (!o) {
		json_decref(pc.arr);
		return NULL;
	}
	rc = case_people_each(r->db, c->id, add_person, &pc);
	links = rc < 0 || pc.err ? NULL : links_json(r, c, err);
	if (!links) {
		if (rc < 0 || pc.err)
			*err = rc < 0 ? rc : pc.err;
		json_decref(pc.arr);
		json_decref(o);
		return NULL;
	}
	assigned = json_array();
	referred = json_array();
	rc = case_assignments_each(r->db, c->id, add_string, assigned);
	if (rc >= 0)
		rc = case_referrals_each(r->db, c->id, add_string, referred);
	if (rc >= 0 && (access_case_parts(r->who.role) & CASE_PART_FILE))
		rc = incident_summary(r->db, c->id, &is);
	if (rc < 0) {
		*err = rc;
		json_decref(assigned);
		json_decref(referred);
		json_decref(links);
		json_decref(pc.arr);
		json_decref(o);
		return NULL;
	}
	json_object_set_new(o, "view", case_view_json(r->who.role));
	json_object_set_new(o, "people", pc.arr);
	json_object_set_new(o, "assigned", assigned);
	json_object_set_new(o, "referred_to", referred);
	if (!(access_case_parts(r->who.role) & CASE_PART_FILE)) {
		json_decref(links);
		return o; /* the response view: the header, the people, no file */
	}
	json_object_set_new(o, "programme", api_programme_summary(r->db, c->id));
	json_object_set_new(o, "screening", screening_json(c));
	json_object_set_new(o, "classification_reason",
			    c->classification_reason ? json_string(c->classification_reason)
						     : json_null());
	json_object_set_new(o, "signoff",
			    c->signoff_at ? json_pack("{s:s, s:o, s:s?}", "by", c->signoff_by, "at",
						      req_time_json(c->signoff_at), "note",
						      c->signoff_note)
					  : json_null());
	json_object_set_new(o, "risk", api_case_risk_json(r, c));
	json_object_set_new(o, "links", links);
	json_object_set_new(o, "incidents",
			    json_pack("{s:I, s:o, s:o}", "count", (json_int_t)is.count, "first_at",
				      req_time_json(is.first_at), "last_at",
				      req_time_json(is.last_at)));
	return o;
}

/* ---- input ----------------------------------------------------------------- */

/* Parse {"fixated":{"answer":true,"note":"..."},...}: all four, each with a note. */
static int parse_screening(struct req *r, json_t *obj, struct four *f, const char *notes[4])
{
	enum four_answer *a[4] = { &f->fixated, &f->obsessive, &f->unwanted, &f->repeated };
	char field[64];

	if (!json_is_object(obj)) {
		req_fail(r, 400, "bad_request", "screening",
			 "screening must be an object with fixated, obsessive, unwanted and repeated");
		return -1;
	}
	/* the four questions; the screening endpoint's body also carries its
	 * version and a classification_reason beside them */
	{
		const char *key;
		json_t *val;

		json_object_foreach(obj, key, val) {
			bool ok = false;

			for (int i = 0; i < 4; i++)
				ok = ok || strcmp(four_names[i], key) == 0;
			if (!ok && strcmp(key, "version") != 0 &&
			    strcmp(key, "classification_reason") != 0) {
				snprintf(field, sizeof field, "screening.%s", key);
				req_fail(r, 400, "bad_request", field, "unknown field '%s'", field);
				return -1;
			}
		}
	}
	for (int i = 0; i < 4; i++) {
		static const char *const qkeys[] = { "answer", "note", NULL };
		json_t *q = json_object_get(obj, four_names[i]), *ans;

		snprintf(field, sizeof field, "screening.%s", four_names[i]);
		if (!json_is_object(q)) {
			req_fail(r, 400, "bad_request", field,
				 "%s is required: {\"answer\": true or false, \"note\": \"why\"}",
				 field);
			return -1;
		}
		if (req_obj_only(r, q, field, qkeys) < 0)
			return -1;
		ans = json_object_get(q, "answer");
		if (!json_is_boolean(ans)) {
			snprintf(field, sizeof field, "screening.%s.answer", four_names[i]);
			req_fail(r, 400, "bad_request", field, "%s must be true or false", field);
			return -1;
		}
		*a[i] = json_is_true(ans) ? FOUR_YES : FOUR_NO;
		snprintf(field, sizeof field, "screening.%s.note", four_names[i]);
		/* required and not empty: say what the answer rests on */
		if (req_obj_str(r, q, "note", field, true, TEXT_MAX, &notes[i]) < 0)
			return -1;
	}
	return 0;
}

/* Parse a list of classifications into list (deduplicated); -1 after a 400. */
static int parse_classifications(struct req *r, json_t *arr, const char **list, int *n)
{
	size_t i;
	json_t *it;

	*n = 0;
	if (!json_is_array(arr)) {
		req_fail(r, 400, "bad_request", "classifications",
			 "classifications must be a list such as [\"stalking\"]");
		return -1;
	}
	json_array_foreach(arr, i, it) {
		char field[40];
		bool dup = false;

		snprintf(field, sizeof field, "classifications[%zu]", i);
		if (!json_is_string(it) ||
		    api_vocab(r, field, json_string_value(it), case_classifications) < 0) {
			if (!json_is_string(it))
				req_fail(r, 400, "bad_request", field, "%s must be text", field);
			return -1;
		}
		for (int k = 0; k < *n; k++)
			dup = dup || strcmp(list[k], json_string_value(it)) == 0;
		if (!dup && *n < 16)
			list[(*n)++] = json_string_value(it);
	}
	return 0;
}

/* The serial-stalker rule for a handler that holds its own transaction (the
 * register's identifiers added to a suspect): ops_case_serial_rule in it. */
int api_case_serial_rule(struct req *r, int64_t case_id)
{
	struct ops_ctx x;
	int rc;

	api_ops_begin(r, &x, 0);
	x.audit = NULL; /* the handler audits its request */
	x.caller_tx = true;
	rc = ops_case_serial_rule(&x, case_id);
	ops_done(&x);
	return rc < 0 ? (rc <= ERR_BAD_REQUEST ? DB_ERROR : rc) : 0;
}

/* ---- POST /api/v1/cases ------------------------------------------------------- */

/* The answer hook of an operation that answers with the case in full. */
struct case_answer {
	struct req *r;
	int status;
	const struct case_record *c;
	bool recognise; /* a suspect was recorded: the register's recognition, in
			 * the operation's transaction (ops/register.c) */
};

static int answer_case(struct ops_ctx *x, void *arg)
{
	struct case_answer *a = arg;
	int rc;
	json_t *o;

	if (a->recognise && (rc = api_register_recognise(a->r, a->c->id)) < 0)
		return ops_fail_db(x, rc);
	o = case_full_json(a->r, a->c, &rc);

	if (!o)
		return ops_fail_db(x, rc);
	return api_answer(x, a->r, a->status, o);
}

/* A context for an operation that answers with the case in full (c, which
 * the operation fills) with status. */
static void case_call(struct req *r, struct ops_ctx *x, struct case_answer *a,
		      struct case_record *c, int status)
{
	memset(c, 0, sizeof *c);
	a->r = r;
	a->status = status;
	a->c = c;
	a->recognise = false;
	api_ops_answer(r, x, status, answer_case, a);
}

void api_cases_create(struct req *r)
{
	static const char *const fields[] = { "relationship", "channel", "summary", "owner",
					      "victims", "suspect", "screening", "classifications",
					      "classification_reason", NULL };
	struct api_person *victims = NULL, *suspect = NULL;
	struct person_in *vin = NULL;
	const char *cls[16];
	struct ops_report in = { 0 };
	struct ops_ctx x;
	struct case_answer a;
	struct case_record c;
	json_t *jv, *js, *jscr, *jcls;
	int ncls = 0;

	if (req_body_required(r) < 0 || req_body_only(r, fields) < 0 ||
	    req_body_str(r, "relationship", true, 32, &in.relationship) < 0 ||
	    api_vocab(r, "relationship", in.relationship, case_relationships) < 0 ||
	    req_body_str(r, "channel", true, 32, &in.channel) < 0 ||
	    api_vocab(r, "channel", in.channel, case_channels) < 0 ||
	    req_body_str(r, "summary", false, TEXT_MAX, &in.summary) < 0 ||
	    req_body_str(r, "owner", false, 64, &in.owner) < 0 ||
	    req_body_str(r, "classification_reason", false, TEXT_MAX, &in.classification_reason) < 0)
		return;
	jv = json_object_get(r->body, "victims");
	if (!json_is_array(jv) || json_array_size(jv) < 1 || json_array_size(jv) > MAX_VICTIMS) {
		req_fail(r, 400, "bad_request", "victims",
			 "victims must be a list of 1 to %d people", MAX_VICTIMS);
		return;
	}
	victims = xcalloc(json_array_size(jv), sizeof *victims);
	vin = xcalloc(json_array_size(jv), sizeof *vin);
	for (size_t i = 0; i < json_array_size(jv); i++) {
		char where[40];

		snprintf(where, sizeof where, "victims[%zu]", i);
		if (api_person_parse(r, json_array_get(jv, i), where, PERSON_OF_CASE, &victims[i]) < 0)
			goto out;
		vin[i] = victims[i].in;
	}
	in.victims = vin;
	in.nvictims = (int)json_array_size(jv);
	js = json_object_get(r->body, "suspect");
	if (js && !json_is_null(js)) {
		suspect = xcalloc(1, sizeof *suspect);
		if (api_person_parse(r, js, "suspect", PERSON_OF_CASE, suspect) < 0)
			goto out;
		in.suspect = &suspect->in;
	}
	jscr = json_object_get(r->body, "screening");
	if (jscr && !json_is_null(jscr)) {
		if (parse_screening(r, jscr, &in.four, in.four_notes) < 0)
			goto out;
		in.screened = true;
	}
	jcls = json_object_get(r->body, "classifications");
	if (jcls && !json_is_null(jcls)) {
		if (parse_classifications(r, jcls, cls, &ncls) < 0)
			goto out;
		in.classifications = cls;
		in.nclassifications = ncls;
	}
	case_call(r, &x, &a, &c, 201);
	a.recognise = suspect != NULL;
	api_ops_end(r, &x, ops_case_report(&x, &in, &c));
	case_record_free(&c);
out:
	free(vin);
	free(victims);
	free(suspect);
}

/* ---- GET /api/v1/cases --------------------------------------------------------- */

static int add_case(const struct case_record *c, void *arg)
{
	void **a = arg;
	json_t *o = case_summary_json(a[0], c, (int *)a[2]);

	if (!o)
		return 1;
	json_array_append_new(a[1], o);
	return 0;
}

void api_cases_list(struct req *r)
{
	struct case_filter f = { 0 };
	struct ops_ctx x;
	struct viewer v;
	int64_t limit, cursor;
	json_t *arr, *out;
	void *ctx[3];
	size_t n;
	int rc, sealed = 0;

	if (req_query_int(r, "limit", 1, 200, 50, &limit) < 0 ||
	    req_query_int(r, "cursor", 1, INT64_MAX, 0, &cursor) < 0 ||
	    req_query_time(r, "created_from", &f.created_from) < 0 ||
	    req_query_time(r, "created_to", &f.created_to) < 0)
		return;
	f.status = req_query(r, "status");
	f.risk_level = req_query(r, "risk_level");
	f.typology = req_query(r, "typology");
	f.owner = req_query(r, "owner");
	f.classification = req_query(r, "classification");
	f.flag = req_query(r, "flag");
	if ((f.status && case_status_parse(f.status) == CASE_STATUS_NONE &&
	     (req_fail(r, 400, "bad_request", "status",
		       "status must be one of: intake, screened, assessed, managed, closed"),
	      1)) ||
	    (f.risk_level && api_vocab(r, "risk_level", f.risk_level, case_risk_levels) < 0) ||
	    (f.typology && api_vocab(r, "typology", f.typology, case_typologies) < 0) ||
	    (f.classification &&
	     api_vocab(r, "classification", f.classification, case_classifications) < 0) ||
	    (f.flag && api_vocab(r, "flag", f.flag, case_flags) < 0))
		return;
	f.before_id = cursor;
	f.limit = (int)limit + 1; /* one more, to know whether a next page exists */
	if (api_read_begin(r, &x) < 0)
		return;
	ops_viewer(&x, &v);
	arr = json_array();
	ctx[0] = r;
	ctx[1] = arr;
	ctx[2] = &sealed;
	rc = case_each_visible(r->db, &v, &f, add_case, ctx);
	if (rc >= 0 && sealed)
		rc = sealed;
	if (rc < 0) {
		json_decref(arr);
		req_fail_db(r, rc);
		api_read_end(r, &x);
		return;
	}
	n = json_array_size(arr);
	out = json_object();
	if (n > (size_t)limit) {
		/* the cursor is the internal id of the last case shown */
		struct case_record last;

		json_array_remove(arr, n - 1);
		if (case_get(r->db, json_string_value(json_object_get(json_array_get(arr, (size_t)limit - 1), "ref")),
			     &last) == 1) {
			json_object_set_new(out, "next_cursor", json_sprintf("%lld", (long long)last.id));
			case_record_free(&last);
		}
	}
	if (!json_object_get(out, "next_cursor"))
		json_object_set_new(out, "next_cursor", json_null());
	json_object_set_new(out, "cases", arr);
	req_audit_detail(r, "listed %zu cases", json_array_size(arr));
	req_reply(r, 200, out);
	api_read_end(r, &x);
}

/* ---- GET /api/v1/cases/{ref} ------------------------------------------------------ */

void api_case_get(struct req *r)
{
	/* the page reads some fourteen tables: one read transaction, one state */
	api_case_page(r, case_full_json);
}

/* ---- PATCH /api/v1/cases/{ref} ----------------------------------------------------- */

void api_case_update(struct req *r)
{
	static const char *const fields[] = { "version", "summary", "relationship", "channel",
					      "owner", "status", "reason", "classifications",
					      "classification_reason", NULL };
	struct ops_case_change in = { 0 };
	struct ops_ctx x;
	struct case_answer a;
	struct case_record c;
	const char *cls[16];
	json_t *jcls;
	int ncls = 0;

	if (api_body_version(r, fields, &in.version) < 0 ||
	    req_body_str(r, "summary", false, TEXT_MAX, &in.summary) < 0 ||
	    req_body_str(r, "relationship", false, 32, &in.relationship) < 0 ||
	    (in.relationship && api_vocab(r, "relationship", in.relationship, case_relationships) < 0) ||
	    req_body_str(r, "channel", false, 32, &in.channel) < 0 ||
	    (in.channel && api_vocab(r, "channel", in.channel, case_channels) < 0) ||
	    req_body_str(r, "owner", false, 64, &in.owner) < 0 ||
	    req_body_str(r, "status", false, 16, &in.status) < 0 ||
	    req_body_str(r, "reason", false, TEXT_MAX, &in.reason) < 0 ||
	    req_body_str(r, "classification_reason", false, TEXT_MAX, &in.classification_reason) < 0)
		return;
	jcls = json_object_get(r->body, "classifications");
	if (jcls && !json_is_null(jcls)) {
		if (parse_classifications(r, jcls, cls, &ncls) < 0)
			return;
		in.classifications = cls;
		in.nclassifications = ncls;
	}
	if (in.status && case_status_parse(in.status) == CASE_STATUS_NONE) {
		req_fail(r, 400, "bad_request", "status",
			 "status must be intake, screened, assessed, managed or closed");
		return;
	}
	case_call(r, &x, &a, &c, 200);
	api_ops_end(r, &x, ops_case_change(&x, req_param(r, "ref"), &in, &c));
	case_record_free(&c);
}

/* ---- PUT /api/v1/cases/{ref}/screening ----------------------------------------------- */

void api_case_screening(struct req *r)
{
	struct ops_screening in = { 0 };
	struct ops_ctx x;
	struct case_answer a;
	struct case_record c;

	if (req_body_required(r) < 0 ||
	    req_body_int(r, "version", true, 1, INT64_MAX, &in.version, NULL) < 0 ||
	    req_body_str(r, "classification_reason", false, TEXT_MAX, &in.classification_reason) < 0 ||
	    parse_screening(r, r->body, &in.four, in.notes) < 0)
		return;
	case_call(r, &x, &a, &c, 200);
	api_ops_end(r, &x, ops_case_screen(&x, req_param(r, "ref"), &in, &c));
	case_record_free(&c);
}

/* ---- POST /api/v1/cases/{ref}/signoff ------------------------------------------------ */

void api_case_signoff(struct req *r)
{
	static const char *const fields[] = { "decision", "note", NULL };
	const char *decision, *note;
	struct ops_ctx x;
	struct case_answer a;
	struct case_record c;

	if (req_body_required(r) < 0 || req_body_only(r, fields) < 0 ||
	    req_body_str(r, "decision", true, 16, &decision) < 0 ||
	    req_body_str(r, "note", true, TEXT_MAX, &note) < 0)
		return;
	if (strcmp(decision, "approve") != 0 && strcmp(decision, "reject") != 0) {
		req_fail(r, 400, "bad_request", "decision",
			 "decision must be 'approve' (the classification stands) or 'reject' "
			 "(record it as stalking)");
		return;
	}
	case_call(r, &x, &a, &c, 200);
	api_ops_end(r, &x,
		    ops_case_signoff(&x, req_param(r, "ref"), strcmp(decision, "approve") == 0,
				     note, &c));
	case_record_free(&c);
}

/* ---- POST /api/v1/cases/{ref}/people -------------------------------------------------- */

void api_case_person_add(struct req *r)
{
	struct api_person pb;
	struct ops_ctx x;
	struct case_answer a;
	struct case_record c;
	const char *role;
	json_t *copy;

	if (req_body_required(r) < 0 || req_body_str(r, "role", true, 16, &role) < 0)
		return;
	if (strcmp(role, "victim") != 0 && strcmp(role, "suspect") != 0) {
		req_fail(r, 400, "bad_request", "role", "role must be 'victim' or 'suspect'");
		return;
	}
	copy = json_copy(r->body);
	json_object_del(copy, "role");
	if (api_person_parse(r, copy, "person", PERSON_OF_CASE, &pb) == 0) {
		case_call(r, &x, &a, &c, 201);
		a.recognise = strcmp(role, "suspect") == 0;
		api_ops_end(r, &x, ops_case_person_add(&x, req_param(r, "ref"), role, &pb.in, &c));
		case_record_free(&c);
	}
	json_decref(copy);
}

/* ---- GET /api/v1/cases/{ref}/links ------------------------------------------------------ */

void api_case_links(struct req *r)
{
	api_case_page(r, links_json);
}

/* ---- assignment, referral, programme -------------------------------------------------- */

void api_case_assign(struct req *r)
{
	static const char *const fields[] = { "username", NULL };
	struct case_record c;
	struct ops_ctx x;
	const char *username;
	struct user u;

	if (req_body_required(r) < 0 || req_body_only(r, fields) < 0 ||
	    req_body_str(r, "username", true, 64, &username) < 0)
		return;
	api_ops_begin(r, &x, 201);
	if (api_ops_end(r, &x, ops_case_assign(&x, req_param(r, "ref"), username, &c, &u)) == 0)
		req_reply(r, 201, json_pack("{s:s, s:s}", "ref", c.ref, "assigned", u.username));
	case_record_free(&c);
}

/* The referral's answer, built in its transaction. */
struct refer_answer {
	struct req *r;
	struct case_record *c;
	struct agency *a;
};

static int refer_answer(struct ops_ctx *x, void *arg)
{
	struct refer_answer *ra = arg;

	return api_answer(x, ra->r, 201,
			  json_pack("{s:s, s:s}", "ref", ra->c->ref, "referred_to", ra->a->code));
}

/* The share a referral offers (ops/partners), made first in the referral's
 * transaction (the referral then finds the agency's share in place). */
static int refer_share(struct ops_ctx *x, const char *ref, struct share_request *sr)
{
	struct partners_case pc;
	struct case_record c;
	int64_t id;
	int rc = ops_case_open(x, ref, &c);

	if (rc < 0)
		return rc;
	api_partners_case(&c, &pc);
	id = partners_share(x, &pc, sr);
	case_record_free(&c);
	if (id < 0)
		return x->err.code ? (int)id : ops_fail_db(x, (int)id);
	return 0;
}

void api_case_refer(struct req *r)
{
	static const char *const fields[] = { "agency", "note", "share", NULL };
	struct case_record c = { 0 };
	struct ops_ctx x;
	const char *code, *note, *ref = req_param(r, "ref");
	struct share_request sr;
	struct refer_answer ra;
	json_t *share;
	struct agency a;
	int rc;

	if (req_body_required(r) < 0 || req_body_only(r, fields) < 0 ||
	    req_body_str(r, "agency", true, 32, &code) < 0 ||
	    req_body_str(r, "note", false, TEXT_MAX, &note) < 0)
		return;
	/* the referral offers sharing in the same step (ops/partners) */
	share = json_object_get(r->body, "share");
	if (share && json_is_null(share))
		share = NULL;
	if (share && api_share_parse(r, share, "share", &sr) < 0)
		return;
	sr.agency = code;
	ra.r = r;
	ra.c = &c;
	ra.a = &a;
	api_ops_answer(r, &x, 201, refer_answer, &ra);
	if (!share) {
		api_ops_end(r, &x, ops_case_refer(&x, ref, code, note, &c, &a));
		case_record_free(&c);
		return;
	}
	/* the share and the referral stand or fall together: one transaction */
	if (req_tx_begin(r) < 0) {
		ops_done(&x);
		return;
	}
	x.caller_tx = true;
	rc = refer_share(&x, ref, &sr);
	if (rc >= 0)
		rc = ops_case_refer(&x, ref, code, note, &c, &a);
	/* the operation appended the audit entry (its hook): commit it all */
	if (rc >= 0 && (rc = db_commit(r->db)) < 0)
		ops_fail_db(&x, rc);
	if (rc < 0)
		req_tx_rollback(r);
	r->in_tx = false;
	api_ops_end(r, &x, rc);
	case_record_free(&c);
}

void api_case_programme(struct req *r)
{
	static const char *const fields[] = { "consent_note", "trust", NULL };
	struct case_record c;
	struct ops_ctx x;
	const char *note, *trust_code;
	struct agency trust;

	if (req_body_required(r) < 0 || req_body_only(r, fields) < 0 ||
	    req_body_str(r, "consent_note", true, TEXT_MAX, &note) < 0 ||
	    req_body_str(r, "trust", false, 32, &trust_code) < 0)
		return;
	api_ops_begin(r, &x, 201);
	if (api_ops_end(r, &x,
			ops_case_enrol(&x, req_param(r, "ref"), trust_code, note, &c, &trust)) == 0)
		req_reply(r, 201, json_pack("{s:s, s:b, s:s}", "ref", c.ref, "enrolled", 1, "trust",
					    trust.code));
	case_record_free(&c);
}
