/*
 * audit — reading and verifying the audit trail: GET /api/v1/audit and
 * GET /api/v1/audit/verify.  Both reads are themselves audited.
 *
 * Paging is by cursor: each page gives next_before, the id to pass as
 * `before` for the next (older) page, so pages never shift as entries arrive.
 */
#include "api/api.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "http/request.h"
#include "vigil.h"
#include "store/audit.h"

static int add_entry(const struct audit_entry *e, void *arg)
{
	json_t *o = json_pack("{s:I, s:o, s:s?, s:s?, s:s, s:s?, s:s, s:i, s:s?, s:s?, s:s}",
			      "id", (json_int_t)e->id, "at", req_time_json(e->at), "username",
			      e->username, "agency", e->agency, "action", e->action, "object",
			      e->object, "outcome", e->outcome, "status", e->status, "client_addr",
			      e->client_addr, "detail", e->detail, "hash", e->hash);

	/* the API token the request was made with */
	json_object_set_new(o, "token_id", e->token_id ? json_integer(e->token_id) : json_null());
	json_array_append_new(arg, o);
	return 0;
}

void api_audit_list(struct req *r)
{
	struct audit_filter f = { 0 };
	int64_t limit, before;
	json_t *arr, *out;
	size_t n;
	int rc;

	if (req_query_int(r, "limit", 1, 500, 100, &limit) < 0 ||
	    req_query_int(r, "before", 1, INT64_MAX, 0, &before) < 0 ||
	    req_query_time(r, "from", &f.from) < 0 || req_query_time(r, "to", &f.to) < 0)
		return;
	f.username = req_query(r, "user");
	f.action = req_query(r, "action");
	f.outcome = req_query(r, "outcome");
	f.object = req_query(r, "object");
	f.before_id = before;
	f.limit = (int)limit;
	/* her agency's part: what its staff did, and what anyone did to its
	 * cases and devices; never another agency's staff's work on theirs */
	f.agency_id = r->who.agency_id;
	f.agency = r->who.agency;
	f.unattributed = r->who.role == ROLE_ADMIN;
	arr = json_array();
	rc = audit_each(r->db, &f, add_entry, arr);
	if (rc < 0) {
		json_decref(arr);
		req_fail_db(r, rc);
		return;
	}
	n = json_array_size(arr);
	out = json_pack("{s:o}", "entries", arr);
	if (n == (size_t)limit)
		json_object_set_new(out, "next_before",
				    json_object_get(json_array_get(arr, n - 1), "id") ?
					    json_copy(json_object_get(json_array_get(arr, n - 1), "id")) :
					    json_null());
	else
		json_object_set_new(out, "next_before", json_null());
	req_audit_detail(r, "read %zu entries", n);
	req_reply(r, 200, out);
}

/*
 * GET /api/v1/audit/verify: the chain, then the signed checkpoints (in the
 * database and in the checkpoint file), against the server's audit key when
 * it has one.  {intact, entries} when all hold, with {checkpoints} when there
 * are any; {intact: false, first_broken_id, reason} at the first fault.
 */
void api_audit_verify(struct req *r)
{
	struct audit_verify_result v;
	struct audit_checkpoint_result cr = { 0 };
	struct audit_checkpoint *extra = NULL;
	const char *trusted[1] = { r->v->audit_pk };
	bool file_missing = false;
	size_t n = 0;
	char err[300];
	json_t *out;
	int rc = audit_verify(r->db, &v);

	if (rc < 0) {
		req_fail_db(r, rc);
		return;
	}
	if (rc == 0 && r->v->audit_signing) {
		if (access(r->v->cfg.audit_checkpoints, F_OK) != 0)
			file_missing = true;
		else if (audit_checkpoint_file_load(r->v->cfg.audit_checkpoints, &extra, &n, err,
						    sizeof err) < 0) {
			rc = 1;
			v.broken_id = 0;
			snprintf(v.reason, sizeof v.reason, "the checkpoint file cannot be read: %.200s",
				 err);
		}
	}
	if (rc == 0) {
		int crc = audit_verify_checkpoints(r->db, trusted, r->v->audit_signing ? 1 : 0, extra, n,
						   &cr);

		if (crc < 0) {
			free(extra);
			req_fail_db(r, crc);
			return;
		}
		if (crc == 1) {
			rc = 1;
			v.broken_id = cr.broken_id;
			snprintf(v.reason, sizeof v.reason, "%s", cr.reason);
		} else if (file_missing && cr.checked) {
			/* checkpoints were made, so the file was written: gone now */
			rc = 1;
			v.broken_id = 0;
			snprintf(v.reason, sizeof v.reason,
				 "the checkpoint file %.200s is missing, though checkpoints were made",
				 r->v->cfg.audit_checkpoints);
		}
	}
	free(extra);
	if (rc == 0) {
		out = json_pack("{s:b, s:I}", "intact", 1, "entries", (json_int_t)v.checked);
		if (cr.checked)
			json_object_set_new(out, "checkpoints",
					    json_pack("{s:I, s:I, s:o, s:b}", "checked", (json_int_t)cr.checked,
						      "newest_entry", (json_int_t)cr.newest_id, "newest_at",
						      req_time_json(cr.newest_at), "key_checked",
						      r->v->audit_signing));
		req_reply(r, 200, out);
		return;
	}
	req_audit_detail(r, "chain broken at entry %lld", (long long)v.broken_id);
	out = json_pack("{s:b, s:I, s:s}", "intact", 0, "entries", (json_int_t)v.checked, "reason",
			v.reason);
	json_object_set_new(out, "first_broken_id",
			    v.broken_id > 0 ? json_integer(v.broken_id) : json_null());
	req_reply(r, 200, out);
}
