/*
 * call — how a handler calls an operation (ops/ops.h): parse, call, answer.
 *
 * The context is made from the request: the caller as the actor, the parts
 * of a case the route is on (its flags, so the route table stays the one
 * statement of need to know), and an audit hook that appends the request's
 * entry inside the operation's transaction, with the status the answer hook
 * set.  A refusal comes back as an error code of base/err.h, and this is the
 * one place where a code becomes an HTTP status.
 */
#include "api/api.h"

#include <stdio.h>
#include <string.h>

#include "http/request.h"
#include "ops/ops.h"
#include "store/cases.h"

/* The status each refusal is answered with. */
static const struct {
	int code;
	int status;
} statuses[] = {
	{ ERR_BAD_REQUEST, 400 },
	{ ERR_NOT_FOUND, 404 },
	{ ERR_FORBIDDEN, 403 },
	{ ERR_NEED_TO_KNOW, 403 },
	{ ERR_CONFLICT, 409 },
	{ ERR_STALE_VERSION, 409 },
	{ ERR_ILLEGAL_TRANSITION, 409 },
	{ ERR_NOTHING_TO_SIGN_OFF, 409 },
	{ ERR_NO_PLAN, 409 },
	{ ERR_DEVICE_IN_USE, 409 },
	{ ERR_STORAGE, 507 },
	{ ERR_BUSY, 503 },
	{ ERR_SIGNATURE_INVALID, 422 },
	{ ERR_ALREADY_ENROLLED, 409 },
	{ ERR_ALREADY_DECIDED, 409 },
	{ ERR_SIGNED_OUT, 401 },
};

void api_fail_err(struct req *r, const struct ops_error *e)
{
	if (err_is_db(e->code) || e->code >= 0) {
		req_fail_db(r, e->code < 0 ? e->code : DB_ERROR);
		return;
	}
	for (size_t i = 0; i < sizeof statuses / sizeof statuses[0]; i++)
		if (statuses[i].code == e->code) {
			req_fail(r, statuses[i].status, err_name(e->code),
				 e->field[0] ? e->field : NULL, "%s", e->message);
			return;
		}
	/* a code of another module that reached an operation's caller */
	req_fail(r, 500, "internal", NULL, "an internal error occurred (%s)", err_name(e->code));
}

/* The operation's names for the audit trail become the request's. */
static void take_names(struct req *r, const struct ops_ctx *x)
{
	if (x->object[0])
		req_audit_object(r, "%s", x->object);
	if (x->detail)
		req_audit_detail(r, "%s", x->detail);
}

static int audit_hook(struct ops_ctx *x, void *arg)
{
	struct req *r = arg;

	take_names(r, x);
	return req_audit_append(r);
}

void api_ops_begin(struct req *r, struct ops_ctx *x, int status)
{
	struct ops_actor who;

	memset(&who, 0, sizeof who);
	who.role = ROLE_NONE;
	if (r->who.signed_in) {
		who.user_id = r->who.user_id;
		snprintf(who.username, sizeof who.username, "%s", r->who.username);
		who.role = r->who.role;
		who.agency_id = r->who.agency_id;
		snprintf(who.agency, sizeof who.agency, "%s", r->who.agency);
		who.token_id = r->who.via_token ? r->who.token_id : 0;
		who.device_token = r->who.device_token;
	}
	ops_init(x, r->v, r->db, &who);
	if (r->route && (r->route->flags & ROUTE_CASE_FILE))
		x->parts |= CASE_PART_FILE;
	if (r->route && (r->route->flags & ROUTE_VICTIM_CARE))
		x->parts |= CASE_PART_VICTIM_CARE;
	if (r->route && (r->route->flags & ROUTE_CLINICAL))
		x->parts |= CASE_PART_CLINICAL;
	x->audit = audit_hook;
	x->audit_arg = r;
	if (status)
		r->status = status;
}

int api_ops_end(struct req *r, struct ops_ctx *x, int rc)
{
	take_names(r, x);
	if (rc >= 0) {
		r->audited = r->audited || x->audited;
	} else {
		if (!x->err.code)
			ops_fail_db(x, rc);
		api_fail_err(r, &x->err);
	}
	ops_done(x);
	return rc < 0 ? -1 : 0;
}

int api_read_begin(struct req *r, struct ops_ctx *x)
{
	int rc;

	api_ops_begin(r, x, 0);
	rc = ops_read_begin(x);
	if (rc < 0)
		api_ops_end(r, x, rc);
	return rc < 0 ? -1 : 0;
}

int api_case_read(struct req *r, struct ops_ctx *x, struct case_record *c)
{
	int rc;

	api_ops_begin(r, x, 0);
	rc = ops_read_begin(x);
	if (rc >= 0)
		rc = ops_case_open(x, req_param(r, "ref"), c);
	if (rc < 0) {
		ops_read_end(x);
		api_ops_end(r, x, rc);
		return -1;
	}
	take_names(r, x);
	return 0;
}

void api_case_page(struct req *r, api_page_fn *page)
{
	struct ops_ctx x;
	struct case_record c;
	int rc = DB_ERROR;
	json_t *o;

	if (api_case_read(r, &x, &c) < 0)
		return;
	o = page(r, &c, &rc);
	if (o)
		req_reply(r, 200, o);
	else
		req_fail_db(r, rc);
	api_read_end(r, &x);
	case_record_free(&c);
}

static int answer_case(struct ops_ctx *x, void *arg)
{
	struct api_case_answer *a = arg;
	int rc = 0;
	json_t *o = a->page(a->r, a->c, &rc);

	if (!o) /* a page that said no failure: a sealed value that would not open */
		return ops_fail_db(x, rc < 0 ? rc : DB_SEALED);
	return api_answer(x, a->r, a->status, o);
}

void api_case_call(struct req *r, struct ops_ctx *x, struct api_case_answer *a, int status,
		   api_page_fn *page, const struct case_record *c)
{
	a->r = r;
	a->status = status;
	a->page = page;
	a->c = c;
	api_ops_begin(r, x, status);
	x->answer = answer_case;
	x->answer_arg = a;
}

int api_answer(struct ops_ctx *x, struct req *r, int status, json_t *body)
{
	if (r->read_rc < 0) {
		int rc = r->read_rc;

		json_decref(body);
		r->read_rc = 0;
		return ops_fail_db(x, rc);
	}
	req_reply(r, status, body);
	return 0;
}

void api_read_end(struct req *r, struct ops_ctx *x)
{
	ops_read_end(x);
	api_ops_end(r, x, 0);
}

int api_tx_refused(struct req *r, struct ops_ctx *x, int rc)
{
	req_tx_rollback(r);
	return api_ops_end(r, x, rc);
}

void api_ops_answer(struct req *r, struct ops_ctx *x, int status,
		    int (*answer)(struct ops_ctx *x, void *arg), void *arg)
{
	api_ops_begin(r, x, status);
	x->answer = answer;
	x->answer_arg = arg;
}

int api_tx_reply(struct req *r, int status, json_t *body, int rc)
{
	if (!body) {
		req_tx_rollback(r);
		req_fail_db(r, rc);
		return -1;
	}
	req_reply(r, status, body);
	return req_tx_commit(r);
}
