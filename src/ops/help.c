/*
 * ops/help — requests for help and their triage (ops/help.h).
 */
#include "ops/help.h"

#include <string.h>

#include "store/account.h"
#include "store/cases.h"

int64_t ops_help_request_create(struct ops_ctx *x, const struct help_request_in *in)
{
	int64_t id;
	int rc = ops_begin(x);

	if (rc < 0)
		return rc;
	id = help_request_insert(x->db, in);
	if (id >= 0) {
		ops_object(x, "help request %lld", (long long)id);
		ops_detail(x, "%s", in->wants);
	}
	rc = ops_end(x, id < 0 ? (int)id : 0);
	return rc < 0 ? rc : id;
}

/* The case a request was recorded as: one the actor may see. */
static int accepted_as(struct ops_ctx *x, const char *ref, struct case_record *c)
{
	struct viewer v;
	int rc = case_get(x->db, ref, c);

	ops_viewer(x, &v);
	if (rc == 1)
		rc = case_visible(x->db, c->id, &v);
	if (rc < 0)
		return rc;
	if (rc == 0)
		return ops_fail(x, ERR_BAD_REQUEST, "case", "there is no case %s that you may see", ref);
	return 0;
}

/* The partner agency a request was passed to. */
static int passed_to(struct ops_ctx *x, const char *code, struct agency *ag)
{
	int rc = agency_get_by_code(x->db, code, ag);

	if (rc < 0)
		return rc;
	if (rc == 0)
		return ops_fail(x, ERR_BAD_REQUEST, "agency", "there is no agency %s", code);
	return 0;
}

int ops_help_request_decide(struct ops_ctx *x, int64_t id, const struct help_decision *q,
			    struct help_request *out)
{
	struct case_record c = { 0 };
	struct agency ag = { 0 };
	struct help_request h;
	int rc;

	memset(out, 0, sizeof *out);
	memset(&h, 0, sizeof h);
	ops_object(x, "help request %lld", (long long)id);
	rc = ops_begin(x);
	if (rc < 0)
		return rc;
	rc = help_request_get(x->db, id, &h);
	if (rc == 0)
		rc = ops_fail(x, ERR_NOT_FOUND, NULL, "there is no request for help %lld",
			      (long long)id);
	if (rc >= 0 && q->ref && !strcmp(q->outcome, "accepted"))
		rc = accepted_as(x, q->ref, &c);
	if (rc >= 0 && q->agency && !strcmp(q->outcome, "passed"))
		rc = passed_to(x, q->agency, &ag);
	if (rc >= 0)
		rc = help_request_decide(x->db, h.id, q->version, q->outcome, c.id, ag.id, q->note,
					 x->who.user_id);
	if (rc == 0) {
		if (strcmp(h.state, "new"))
			rc = ops_fail(x, ERR_ALREADY_DECIDED, NULL, "this request was %s already, by %s",
				      h.state, h.handled_by);
		else
			rc = ops_stale(x, "request for help", q->version, h.version);
	}
	if (rc >= 0 && c.id)
		rc = ops_event(x, c.id, "help_request", "a request for help from the public page");
	if (rc >= 0) {
		ops_detail(x, "%s%s%s", q->outcome, c.id ? " as " : ag.id ? " to " : "",
			   c.id ? c.ref : ag.id ? ag.code : "");
		rc = help_request_get(x->db, h.id, out);
		if (rc == 0)
			rc = DB_ERROR;
	}
	help_request_free(&h);
	case_record_free(&c);
	rc = ops_end(x, rc);
	if (rc < 0)
		help_request_free(out);
	return rc;
}
