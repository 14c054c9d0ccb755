/*
 * incidents — the case's incident log (append, list, verify, export), its
 * attachments, and the case timeline.
 *
 * The log is append-only through the API: there is no PUT, PATCH or DELETE.
 * A correction is a new entry naming the entry it amends and why.  The export
 * carries every hashed field and the hashes, with the algorithm spelled out,
 * so that anyone (a court) can recompute the chain without Vigil.
 */
#include "api/api.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/log.h"
#include "core/account.h"
#include "core/casefile.h"
#include "http/request.h"
#include "ops/incidents.h"
#include "store/cases.h"
#include "store/incidents.h"
#include "store/monitor.h"
#include "vigil.h"

#define TEXT_MAX 4000

static int body_time(struct req *r, const char *field, bool required, int64_t *out)
{
	const char *s;

	*out = 0;
	if (req_body_str(r, field, required, 64, &s) < 0)
		return -1;
	if (s && clock_parse(s, out) < 0) {
		req_fail(r, 400, "bad_request", field,
			 "%s must be an RFC 3339 time such as 2026-11-28T09:00:00Z", field);
		return -1;
	}
	return 0;
}

static bool hash_text_valid(const char *s)
{
	return chain_hex_valid(s);
}

/* A JSON array of short strings (witnesses) or hashes (attachments) as text. */
static int string_list(struct req *r, const char *field, size_t maxn, size_t maxlen, bool hashes,
		       char **out)
{
	json_t *a = json_object_get(r->body, field), *it;
	size_t i;

	*out = NULL;
	if (!a || json_is_null(a))
		return 0;
	if (!json_is_array(a) || json_array_size(a) > maxn) {
		req_fail(r, 400, "bad_request", field, "%s must be a list of at most %zu items", field,
			 maxn);
		return -1;
	}
	json_array_foreach(a, i, it) {
		char f[48];

		snprintf(f, sizeof f, "%s[%zu]", field, i);
		if (!json_is_string(it) || json_string_length(it) > maxlen ||
		    json_string_length(it) == 0 ||
		    !account_text_clean(json_string_value(it), json_string_length(it)) ||
		    (hashes && !hash_text_valid(json_string_value(it)))) {
			req_fail(r, 400, "bad_request", f,
				 hashes ? "%s must be the hash of an attachment uploaded to this case"
					: "%s must be a line of text",
				 f);
			return -1;
		}
	}
	if (json_array_size(a))
		*out = json_dumps(a, JSON_COMPACT);
	return 0;
}

static json_t *incident_json(const struct incident *e, bool show_place)
{
	json_t *o = json_pack("{s:I, s:o, s:s, s:o, s:o, s:s, s:s, s:s?, s:o, s:o, s:s, s:s}",
			      "seq", (json_int_t)e->seq, "recorded_at", req_time_json(e->recorded_at),
			      "recorded_by", e->recorded_by_name, "occurred_at",
			      req_time_json(e->occurred_at), "occurred_until",
			      req_time_json(e->occurred_until), "behaviour", e->behaviour,
			      "description", e->description, "reporter", e->reporter, "witnesses",
			      e->witnesses ? json_loads(e->witnesses, 0, NULL) : json_array(),
			      "attachments",
			      e->attachments ? json_loads(e->attachments, 0, NULL) : json_array(),
			      "prev_hash", e->prev_hash, "hash", e->hash);

	if (show_place)
		json_object_set_new(o, "place", e->place ? json_string(e->place) : json_null());
	else if (e->place)
		json_object_set_new(o, "place_withheld", json_true());
	json_object_set_new(o, "amends", e->amends ? json_integer(e->amends) : json_null());
	json_object_set_new(o, "amend_reason", e->amend_reason ? json_string(e->amend_reason)
							       : json_null());
	return o;
}

void api_incidents_create(struct req *r)
{
	static const char *const fields[] = { "occurred_at", "occurred_until", "place", "behaviour",
					      "description", "witnesses", "reporter", "attachments",
					      "amends", "amend_reason", NULL };
	struct incident e = { 0 };
	struct case_record c = { 0 };
	struct ops_ctx x;
	char *witnesses = NULL, *attachments = NULL;
	json_t *out;

	if (req_body_required(r) < 0 || req_body_only(r, fields) < 0 ||
	    body_time(r, "occurred_at", true, &e.occurred_at) < 0 ||
	    body_time(r, "occurred_until", false, &e.occurred_until) < 0 ||
	    req_body_str(r, "place", false, 500, &e.place) < 0 ||
	    req_body_str(r, "behaviour", true, 32, &e.behaviour) < 0 ||
	    req_body_str(r, "description", true, TEXT_MAX, &e.description) < 0 ||
	    req_body_str(r, "reporter", false, 200, &e.reporter) < 0 ||
	    req_body_int(r, "amends", false, 1, INT64_MAX, &e.amends, NULL) < 0 ||
	    req_body_str(r, "amend_reason", false, TEXT_MAX, &e.amend_reason) < 0 ||
	    string_list(r, "witnesses", 20, 200, false, &witnesses) < 0 ||
	    string_list(r, "attachments", 20, 64, true, &attachments) < 0)
		goto out;
	e.witnesses = witnesses;
	e.attachments = attachments;
	api_ops_begin(r, &x, 201);
	if (api_ops_end(r, &x, ops_incident_record(&x, req_param(r, "ref"), &e, &c)) < 0)
		goto out;
	out = incident_json(&e, true);
	if (strcmp(e.behaviour, "breach_of_order") == 0)
		json_object_set_new(out, "prompts",
				    json_pack("[s]", "A breach of an order is a crime: record it "
						     "(crime number) and review the risk management plan."));
	req_reply(r, 201, out);
out:
	free(witnesses);
	free(attachments);
	case_record_free(&c);
}

/* A list being built for the caller (the list of incidents, the timeline):
 * places shown only to the roles that protect the victim. */
struct list_ctx {
	json_t *arr;
	bool show_place;
};

static int add_incident(const struct incident *e, void *arg)
{
	struct list_ctx *lc = arg;

	json_array_append_new(lc->arr, incident_json(e, lc->show_place));
	return 0;
}

/* A page (api_page_fn) that cannot fail: a read that does is req_read's. */
static json_t *incidents_json(struct req *r, const struct case_record *c, int *err)
{
	struct list_ctx lc = { json_array(), access_sees_victim_location(r->who.role) };

	(void)err;
	req_read(r, incident_each(r->db, c->id, add_incident, &lc));
	return json_pack("{s:s, s:o}", "ref", c->ref, "incidents", lc.arr);
}

void api_incidents_list(struct req *r)
{
	api_case_page(r, incidents_json);
}

void api_incidents_verify(struct req *r)
{
	struct incident_verify_result v;
	struct ops_ctx x;
	struct case_record c;
	int rc;

	if (api_case_read(r, &x, &c) < 0)
		return;
	rc = incident_verify_in_tx(r->db, c.id, &v);
	if (rc < 0)
		req_fail_db(r, rc);
	else if (rc == 0)
		req_reply(r, 200, json_pack("{s:s, s:b, s:I}", "ref", c.ref, "intact", 1, "entries",
					    (json_int_t)v.checked));
	else
		req_reply(r, 200, json_pack("{s:s, s:b, s:I, s:I, s:s}", "ref", c.ref, "intact", 0,
					    "entries", (json_int_t)v.checked, "first_broken_seq",
					    (json_int_t)v.broken_seq, "reason", v.reason));
	api_read_end(r, &x);
	case_record_free(&c);
}

static int add_export(const struct incident *e, void *arg)
{
	json_t *o = json_pack("{s:I, s:I, s:I, s:I, s:s, s:I, s:I, s:s?, s:s, s:s, s:s?, s:s?,"
			      " s:s?, s:I, s:s?, s:s?, s:s, s:s}",
			      "case_id", (json_int_t)e->case_id, "seq", (json_int_t)e->seq,
			      "recorded_at_ms", (json_int_t)e->recorded_at, "recorded_by_id",
			      (json_int_t)e->recorded_by, "recorded_by", e->recorded_by_name,
			      "occurred_at_ms", (json_int_t)e->occurred_at, "occurred_until_ms",
			      (json_int_t)e->occurred_until, "place", e->place, "behaviour",
			      e->behaviour, "description", e->description, "witnesses_json",
			      e->witnesses, "reporter", e->reporter, "attachments_json",
			      e->attachments, "amends", (json_int_t)e->amends, "amend_reason",
			      e->amend_reason, "salt", e->salt[0] ? e->salt : NULL, "prev_hash",
			      e->prev_hash, "hash", e->hash);

	json_array_append_new(arg, o);
	return 0;
}

void api_incidents_export(struct req *r)
{
	struct incident_verify_result v;
	struct ops_ctx x;
	struct case_record c;
	json_t *arr;
	int rc;

	if (!access_sees_victim_location(r->who.role)) {
		req_fail(r, 403, "forbidden", NULL,
			 "the full incident log (with places) is exported only to roles that protect "
			 "the victim");
		return;
	}
	/* the entries and their check from one state of the log */
	if (api_case_read(r, &x, &c) < 0)
		return;
	arr = json_array();
	rc = req_read(r, incident_each(r->db, c.id, add_export, arr));
	if (rc >= 0)
		rc = req_read(r, incident_verify_in_tx(r->db, c.id, &v));
	req_reply(r, 200,
		  json_pack("{s:s, s:o, s:b, s:s, s:o}", "ref", c.ref, "exported_at",
			    req_time_json(clock_now_ms()), "intact", rc == 0, "algorithm",
			    "Each entry's hash is BLAKE2b-256 (unkeyed, 32-byte output, lowercase "
			    "hex) over a sequence of fields, each encoded as one type byte ('P' "
			    "previous hash, 'T' text, 'N' null, 'I' integer), an 8-byte big-endian "
			    "length and the bytes (integers as 8-byte big-endian two's complement). "
			    "Fields in order: prev_hash (P: the previous hash as its 64-character lowercase hex text), case_id, seq, recorded_at_ms, "
			    "recorded_by_id (I), recorded_by (T), occurred_at_ms, occurred_until_ms "
			    "(I, 0 when none), place, behaviour, description, witnesses_json, "
			    "reporter, attachments_json (T or N), amends (I, 0 when none), "
			    "amend_reason (T or N), then, for an entry that has one, salt (T: its "
			    "32-character lowercase hex text; entries recorded before encryption at "
			    "rest have none). The first entry's prev_hash is 64 zeros; each "
			    "later entry's prev_hash is the hash of the entry before it.",
			    "entries", arr));
	api_read_end(r, &x);
	case_record_free(&c);
}

/* ---- attachments ------------------------------------------------------------------ */

static bool filename_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n == 0 || n > 200 || !account_text_clean(s, n) || strchr(s, '/') || strchr(s, '\\') ||
	    strchr(s, '"'))
		return false;
	return strcmp(s, ".") != 0 && strcmp(s, "..") != 0;
}

/* A media type a browser shows without running anything of it. */
static bool inert_type(const char *t)
{
	static const char *const ok[] = { "image/png", "image/jpeg", "image/gif", "image/webp",
					  "image/heic", "image/bmp", "application/pdf", "text/plain",
					  "audio/mpeg", "audio/mp4", "audio/ogg", "audio/wav",
					  "video/mp4", "video/quicktime", "video/webm", NULL };

	for (size_t i = 0; t && ok[i]; i++)
		if (strcmp(ok[i], t) == 0)
			return true;
	return false;
}

static bool content_type_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	const char *slash = s ? strchr(s, '/') : NULL;

	if (n < 3 || n > 100 || !slash || slash == s || !slash[1])
		return false;
	for (const char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		      strchr("/.+-_", *p)))
			return false;
	return true;
}

/* Make a file's contents durable before it is linked into the store. */
static int fsync_path(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc;

	if (fd < 0)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

/* The upload into the evidence store, once the case is known: stored once,
 * by content, as <dir>/<first two hex digits>/<hash>, synced before it is
 * linked there. */
static int keep_upload(struct ops_ctx *x, void *arg)
{
	struct req *r = arg;
	char dir[700], path[800];
	struct stat st;

	snprintf(dir, sizeof dir, "%s/%.2s", r->v->cfg.attachment_dir, r->upload_hash);
	snprintf(path, sizeof path, "%s/%s", dir, r->upload_hash);
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		log_error("cannot create %s: %s", dir, strerror(errno));
		return ops_fail(x, ERR_STORAGE, NULL, "the attachment could not be stored");
	}
	if (stat(path, &st) < 0 &&
	    (fsync_path(r->upload_path) < 0 || rename(r->upload_path, path) < 0)) {
		log_error("cannot store an attachment: %s", strerror(errno));
		return ops_fail(x, ERR_STORAGE, NULL, "the attachment could not be stored");
	}
	return 0;
}

void api_attachment_upload(struct req *r)
{
	const char *filename = req_query(r, "filename");
	const char *header = req_header(r, "Content-Type");
	struct ops_attachment in = { 0 };
	struct case_record c = { 0 };
	struct ops_ctx x;
	char type[128];

	if (!filename_ok(filename)) {
		req_fail(r, 400, "bad_request", "filename",
			 "give the file's name as ?filename= (1-200 characters, no slashes or quotes)");
		return;
	}
	snprintf(type, sizeof type, "%.*s", header ? (int)strcspn(header, "; ") : 0,
		 header ? header : "");
	if (!type[0])
		snprintf(type, sizeof type, "application/octet-stream");
	if (!content_type_ok(type)) {
		req_fail(r, 400, "bad_request", "Content-Type",
			 "the Content-Type must be a media type such as image/jpeg");
		return;
	}
	if (r->upload_size == 0) {
		req_fail(r, 400, "bad_request", NULL, "the upload is empty");
		return;
	}
	in.hash = r->upload_hash;
	in.size = r->upload_size;
	in.filename = filename;
	in.content_type = type;
	in.keep = keep_upload;
	in.keep_arg = r;
	api_ops_begin(r, &x, 201);
	if (api_ops_end(r, &x, ops_attachment_record(&x, req_param(r, "ref"), &in, &c)) == 0)
		req_reply(r, 201, json_pack("{s:s, s:I, s:s, s:s}", "hash", r->upload_hash, "size",
					    (json_int_t)r->upload_size, "filename", filename,
					    "content_type", type));
	case_record_free(&c);
}

void api_attachment_get(struct req *r)
{
	const char *hash = req_param(r, "hash");
	char fn[256], ct[128], path[800], disp[400];
	struct ops_ctx x;
	struct case_record c;
	int64_t size;
	int rc, fd;

	if (!hash_text_valid(hash)) {
		req_fail(r, 404, "not_found", NULL, "there is no attachment %s", hash);
		return;
	}
	if (api_case_read(r, &x, &c) < 0)
		return;
	rc = case_attachment_get(r->db, c.id, hash, fn, sizeof fn, ct, sizeof ct, &size);
	if (rc != 1) {
		if (rc < 0)
			req_fail_db(r, rc);
		else
			req_fail(r, 404, "not_found", NULL, "case %s has no attachment %s", c.ref, hash);
		goto out;
	}
	snprintf(path, sizeof path, "%s/%.2s/%s", r->v->cfg.attachment_dir, hash, hash);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		log_error("attachment %s of %s is missing from the store", hash, c.ref);
		req_fail(r, 500, "internal", NULL, "the attachment file is missing from the store");
		goto out;
	}
	req_audit_detail(r, "attachment %.16s", hash);
	snprintf(disp, sizeof disp, "attachment; filename=\"%s\"", fn);
	req_add_header(r, "Content-Disposition", disp);
	/* evidence is served as what it is only when that cannot run in the
	 * page (an image, a PDF, plain text...); HTML, SVG, scripts and the
	 * rest as bytes to save, never rendered on Vigil's origin */
	req_add_header(r, "Content-Security-Policy", "sandbox; default-src 'none'");
	req_reply_file(r, fd, size, inert_type(ct) ? ct : "application/octet-stream");
out:
	api_read_end(r, &x);
	case_record_free(&c);
}

/* ---- the timeline -------------------------------------------------------------- */

static int tl_incident(const struct incident *e, void *arg)
{
	struct list_ctx *t = arg;
	json_t *o = json_pack("{s:o, s:s, s:s, s:I, s:s, s:s}", "at", req_time_json(e->occurred_at),
			      "kind", "incident", "by", e->recorded_by_name, "seq",
			      (json_int_t)e->seq, "behaviour", e->behaviour, "summary",
			      e->description);

	if (e->amends)
		json_object_set_new(o, "amends", json_integer(e->amends));
	json_object_set_new(o, "_ms", json_integer(e->occurred_at));
	json_array_append_new(t->arr, o);
	return 0;
}

static int tl_event(int64_t at, const char *username, const char *kind, const char *detail,
		    void *arg)
{
	struct list_ctx *t = arg;
	json_t *o = json_pack("{s:o, s:s, s:s?, s:s?, s:I}", "at", req_time_json(at), "kind", kind,
			      "by", username, "summary", detail, "_ms", (json_int_t)at);

	json_array_append_new(t->arr, o);
	return 0;
}

static int tl_alert(const struct alert *a, void *arg)
{
	struct list_ctx *t = arg;
	json_t *o = json_pack("{s:o, s:s, s:s, s:s, s:I, s:I}", "at", req_time_json(a->opened_at),
			      "kind", "alert", "summary", a->kind, "severity", a->severity, "alert_id",
			      (json_int_t)a->id, "_ms", (json_int_t)a->opened_at);

	json_object_set_new(o, "state", json_string(a->state));
	json_array_append_new(t->arr, o);
	return 0;
}

static int by_time(const void *a, const void *b)
{
	json_int_t x = json_integer_value(json_object_get(*(json_t *const *)a, "_ms"));
	json_int_t y = json_integer_value(json_object_get(*(json_t *const *)b, "_ms"));

	return x < y ? -1 : x > y;
}

void api_case_timeline(struct req *r)
{
	struct list_ctx t = { NULL, access_sees_victim_location(r->who.role) };
	struct incident_summary is;
	struct ops_ctx x;
	struct case_record c;
	json_t **items, *sorted;
	size_t n;
	int rc;

	/* the incidents, events and alerts from one state of the records */
	if (api_case_read(r, &x, &c) < 0)
		return;
	t.arr = json_array();
	rc = incident_each(r->db, c.id, tl_incident, &t);
	if (rc >= 0)
		rc = case_events_each(r->db, c.id, tl_event, &t);
	if (rc >= 0) {
		/* the monitoring alerts of the case, where they were raised */
		struct alert_filter af = { .case_id = c.id, .limit = 1000 };

		rc = alert_each(r->db, &af, tl_alert, &t);
	}
	if (rc >= 0)
		rc = incident_summary(r->db, c.id, &is);
	api_read_end(r, &x);
	if (rc < 0) {
		json_decref(t.arr);
		req_fail_db(r, rc);
		case_record_free(&c);
		return;
	}
	/* incidents by when they happened, events by when they were recorded:
	 * one list in time order (stable, so same-time items keep their order) */
	n = json_array_size(t.arr);
	items = xcalloc(n + 1, sizeof *items);
	for (size_t i = 0; i < n; i++)
		items[i] = json_incref(json_array_get(t.arr, i));
	for (size_t i = 1; i < n; i++)
		for (size_t k = i; k > 0 && by_time(&items[k - 1], &items[k]) > 0; k--) {
			json_t *tmp = items[k - 1];

			items[k - 1] = items[k];
			items[k] = tmp;
		}
	sorted = json_array();
	for (size_t i = 0; i < n; i++) {
		json_object_del(items[i], "_ms");
		json_array_append_new(sorted, items[i]);
	}
	free(items);
	json_decref(t.arr);
	req_reply(r, 200,
		  json_pack("{s:s, s:I, s:o, s:o}", "ref", c.ref, "incident_count",
			    (json_int_t)is.count, "first_incident_at", req_time_json(is.first_at),
			    "items", sorted));
	case_record_free(&c);
}
