/*
 * help — asking for help without an account, and the centre's triage of it:
 * GET /api/v1/help (public: the questions, helplines and what happens next),
 * POST /api/v1/help (public, a few an hour from one address), and for those
 * who look after victims GET /api/v1/help-requests[/{id}] and
 * POST /api/v1/help-requests/{id}/decide (accept it as a case, answer it, or
 * pass it to a partner).
 *
 * What she wrote and how to reach her are sealed at rest and never written
 * to the log or the audit trail (which name the request by its number).
 */
#include "api/api.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "core/help.h"
#include "http/request.h"
#include "http/throttle.h"
#include "ops/help.h"
#include "store/help.h"
#include "vigil.h"

#define STORY_MAX 4000
#define CONTACT_MAX 300
#define TIMES_MAX 200
#define NOTE_MAX 2000

static const char *const four_fields[4] = { "fixated", "obsessive", "unwanted", "repeated" };

json_t *api_helplines_load(const char *path, char *why, size_t whylen)
{
	static const char *const keys[] = { "name", "number", "when", "what" };
	json_error_t je;
	json_t *a = json_load_file(path, 0, &je), *it;
	size_t i;

	if (!a) {
		snprintf(why, whylen, "%s: %s (line %d)", path, je.text, je.line);
		return NULL;
	}
	if (!json_is_array(a) || json_array_size(a) == 0 || json_array_size(a) > 20)
		goto bad;
	json_array_foreach(a, i, it) {
		if (!json_is_object(it) || json_object_size(it) != 4)
			goto bad;
		for (int k = 0; k < 4; k++) {
			const char *v = json_string_value(json_object_get(it, keys[k]));

			if (!v || !*v || strlen(v) > 300)
				goto bad;
		}
	}
	return a;
bad:
	snprintf(why, whylen, "%s: a list of 1 to 20 helplines, each {\"name\", \"number\", "
			      "\"when\", \"what\"} (text of 1 to 300 characters)", path);
	json_decref(a);
	return NULL;
}

static json_t *page_json(const struct vigil *v)
{
	const struct help_question *q;
	const struct help_line *l;
	json_t *qs = json_array(), *ls;
	int nq, nl;

	q = help_questions(&nq);
	for (int i = 0; i < nq; i++)
		json_array_append_new(qs, json_pack("{s:s, s:s, s:s}", "name", q[i].name, "text",
						    q[i].text, "hint", q[i].hint));
	/* a deployment's own list, else the UK's (core/help.c) */
	if (v->helplines) {
		ls = json_deep_copy(v->helplines);
	} else {
		ls = json_array();
		l = help_lines(&nl);
		for (int i = 0; i < nl; i++)
			json_array_append_new(ls, json_pack("{s:s, s:s, s:s, s:s}", "name", l[i].name,
							    "number", l[i].number, "when", l[i].when,
							    "what", l[i].what));
	}
	return json_pack("{s:o, s:o, s:s, s:[s,s,s]}", "questions", qs, "helplines", ls,
			 "next_steps", help_next_steps(), "answers", "yes", "no", "not_sure");
}

void api_help_page(struct req *r)
{
	req_reply(r, 200, page_json(r->v));
}

static int four_answer(struct req *r, const char *field, int *out)
{
	const char *a;

	if (req_body_str(r, field, true, 16, &a) < 0)
		return -1;
	if (!strcmp(a, "yes"))
		*out = 1;
	else if (!strcmp(a, "no"))
		*out = 0;
	else if (!strcmp(a, "not_sure"))
		*out = HELP_UNSURE;
	else {
		req_fail(r, 400, "bad_request", field, "answer yes, no or not sure");
		return -1;
	}
	return 0;
}

/* Whom the hourly allowance counts: an IPv4 address, or an IPv6 address's
 * /64 (one subscriber's, of 2^64 addresses she may send from). */
static void allowance_key(const char *addr, char *out, size_t outlen)
{
	unsigned char a[16];
	char buf[INET6_ADDRSTRLEN];

	if (!strchr(addr, ':') || inet_pton(AF_INET6, addr, a) != 1) {
		snprintf(out, outlen, "%s", addr);
		return;
	}
	memset(a + 8, 0, 8);
	inet_ntop(AF_INET6, a, buf, sizeof buf);
	snprintf(out, outlen, "%s/64", buf);
}

void api_help_create(struct req *r)
{
	static const char *const fields[] = { "wants", "fixated", "obsessive", "unwanted",
					      "repeated", "story", "contact", "safe_times", NULL };
	struct help_request_in in = { 0 };
	char key[sizeof r->client_addr + 4];
	struct ops_ctx x;
	int64_t wait;
	json_t *o;

	if (req_body_required(r) < 0 || req_body_only(r, fields) < 0 ||
	    req_body_str(r, "wants", true, 16, &in.wants) < 0)
		return;
	if (!help_wants_valid(in.wants)) {
		req_fail(r, 400, "bad_request", "wants",
			 "say whether you would like advice or to report what is happening");
		return;
	}
	for (int i = 0; i < 4; i++)
		if (four_answer(r, four_fields[i], &in.four[i]) < 0)
			return;
	if (req_body_str(r, "story", true, STORY_MAX, &in.story) < 0 ||
	    req_body_str(r, "contact", false, CONTACT_MAX, &in.contact) < 0 ||
	    req_body_str(r, "safe_times", false, TIMES_MAX, &in.safe_times) < 0)
		return;
	if (!*in.story) {
		req_fail(r, 400, "bad_request", "story", "tell us a little of what is happening");
		return;
	}
	if (in.contact && !*in.contact)
		in.contact = NULL;
	if (in.safe_times && !*in.safe_times)
		in.safe_times = NULL;
	/* counted once the request is well formed: a mistyped form does not
	 * use up her allowance */
	allowance_key(r->client_addr, key, sizeof key);
	wait = throttle_claim(r->v->help_throttle, key, clock_now_ms());
	if (wait > 0) {
		char secs[24];

		snprintf(secs, sizeof secs, "%lld", (long long)(wait + 999) / 1000);
		req_add_header(r, "Retry-After", secs);
		req_fail(r, 429, "too_many_requests", NULL,
			 "several requests have come from this connection: please try again in %lld "
			 "minutes, or call one of the helplines",
			 (long long)(wait + 59999) / 60000);
		return;
	}
	api_ops_begin(r, &x, 201);
	if (api_ops_end(r, &x, ops_help_request_create(&x, &in) < 0 ? -1 : 0) < 0)
		return;
	o = page_json(r->v);
	json_object_set_new(o, "received", json_true());
	json_object_set_new(o, "contact_given", json_boolean(in.contact != NULL));
	req_reply(r, 201, o);
}

static json_t *four_json(int a)
{
	return a == HELP_UNSURE ? json_string("not_sure") : json_string(a ? "yes" : "no");
}

static json_t *request_json(const struct help_request *h)
{
	json_t *four = json_object();

	for (int i = 0; i < 4; i++)
		json_object_set_new(four, four_fields[i], four_json(h->four[i]));
	return json_pack("{s:I, s:o, s:s, s:o, s:s?, s:s?, s:s?, s:s, s:s?, s:s?, s:s?, s:s?, s:o, s:I}",
			 "id", (json_int_t)h->id, "received_at", req_time_json(h->created_at),
			 "wants", h->wants, "four", four, "story", h->story, "contact", h->contact,
			 "safe_times", h->safe_times, "state", h->state, "case",
			 h->case_ref[0] ? h->case_ref : NULL, "agency", h->agency[0] ? h->agency : NULL,
			 "outcome_note", h->outcome_note, "handled_by",
			 h->handled_by[0] ? h->handled_by : NULL, "handled_at",
			 req_time_json(h->handled_at), "version", (json_int_t)h->version);
}

static int add_request(const struct help_request *h, void *arg)
{
	json_array_append_new(arg, request_json(h));
	return 0;
}

void api_help_requests_list(struct req *r)
{
	const char *state = req_query(r, "state");
	json_t *arr = json_array();
	int64_t limit, waiting;
	int rc;

	if (state && !help_state_valid(state)) {
		json_decref(arr);
		req_fail(r, 400, "bad_request", "state", "state is new, accepted, answered or passed");
		return;
	}
	if (req_query_int(r, "limit", 1, 500, 100, &limit) < 0) {
		json_decref(arr);
		return;
	}
	rc = help_requests_each(r->db, state, (int)limit, add_request, arr);
	waiting = rc < 0 ? rc : help_requests_waiting(r->db);
	if (rc < 0 || waiting < 0) {
		json_decref(arr);
		req_fail_db(r, rc < 0 ? rc : (int)waiting);
		return;
	}
	req_reply(r, 200, json_pack("{s:o, s:I}", "requests", arr, "waiting", (json_int_t)waiting));
}

void api_help_request_get(struct req *r)
{
	struct help_request h;
	int64_t id;
	int rc;

	if (req_param_id(r, "id", "request for help", &id) < 0)
		return;
	req_audit_object(r, "help request %lld", (long long)id);
	rc = help_request_get(r->db, id, &h);
	if (rc < 0) {
		req_fail_db(r, rc);
		return;
	}
	if (rc == 0) {
		req_fail(r, 404, "not_found", NULL, "there is no request for help %lld", (long long)id);
		return;
	}
	req_reply(r, 200, request_json(&h));
	help_request_free(&h);
}

void api_help_request_decide(struct req *r)
{
	static const char *const fields[] = { "outcome", "version", "case", "agency", "note", NULL };
	struct help_decision q = { 0 };
	struct help_request h;
	struct ops_ctx x;
	int64_t id;

	if (req_body_required(r) < 0 || req_body_only(r, fields) < 0 ||
	    req_body_str(r, "outcome", true, 16, &q.outcome) < 0 ||
	    req_body_int(r, "version", true, 1, INT64_MAX, &q.version, NULL) < 0 ||
	    req_body_str(r, "case", false, 24, &q.ref) < 0 ||
	    req_body_str(r, "agency", false, 32, &q.agency) < 0 ||
	    req_body_str(r, "note", false, NOTE_MAX, &q.note) < 0)
		return;
	if (q.note && !*q.note)
		q.note = NULL;
	if (strcmp(q.outcome, "accepted") && strcmp(q.outcome, "answered") &&
	    strcmp(q.outcome, "passed")) {
		req_fail(r, 400, "bad_request", "outcome",
			 "outcome is accepted (as a case), answered or passed (to a partner)");
		return;
	}
	if (!strcmp(q.outcome, "accepted") && (!q.ref || !*q.ref)) {
		req_fail(r, 400, "bad_request", "case",
			 "name the case it was recorded as (record the case first)");
		return;
	}
	if (!strcmp(q.outcome, "answered") && !q.note) {
		req_fail(r, 400, "bad_request", "note", "say what she was told, and how");
		return;
	}
	if (!strcmp(q.outcome, "passed") && (!q.agency || !*q.agency)) {
		req_fail(r, 400, "bad_request", "agency", "name the partner it is passed to");
		return;
	}
	if (req_param_id(r, "id", "request for help", &id) < 0)
		return;
	api_ops_begin(r, &x, 200);
	if (api_ops_end(r, &x, ops_help_request_decide(&x, id, &q, &h)) < 0)
		return;
	req_reply(r, 200, request_json(&h));
	help_request_free(&h);
}
