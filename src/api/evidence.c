/*
 * evidence — GET /api/v1/cases/{ref}/attachments: the evidence files held
 * on a case, with their hashes, for the file part of the case.  Uploading
 * and downloading one are in incidents.c; an incident cites them by hash in
 * the case's hash chain.
 */
#include "api/api.h"

#include "http/request.h"
#include "ops/ops.h"
#include "store/cases.h"
#include "store/evidence.h"

static int add_file(const struct evidence_row *e, void *arg)
{
	json_array_append_new(arg, json_pack("{s:s, s:s, s:s, s:I, s:s?, s:o}", "hash", e->hash,
					     "filename", e->filename, "content_type",
					     e->content_type, "size", (json_int_t)e->size,
					     "uploaded_by", e->uploaded_by, "uploaded_at",
					     req_time_json(e->uploaded_at)));
	return 0;
}

void api_attachments_list(struct req *r)
{
	struct case_record c;
	struct ops_ctx x;
	json_t *files;

	if (api_case_read(r, &x, &c) < 0)
		return;
	files = json_array();
	req_read(r, evidence_each(r->db, c.id, add_file, files));
	api_read_end(r, &x);
	req_reply(r, 200, json_pack("{s:s, s:s, s:o}", "ref", c.ref, "algorithm", "BLAKE2b-256",
				    "attachments", files));
	case_record_free(&c);
}
