/*
 * warnings — her warnings, as the centre sees them:
 * GET/PUT /api/v1/cases/{ref}/warning-word (the code word that begins them,
 * hers: only the roles that look after her read or set it), and the delivery
 * of each warning on the alert desk (api_warning_json, for GET
 * /api/v1/alerts/{id}).  The rules of sending are the notifier's
 * (notify/notify.h); the records are store/warnings.
 */
#include "api/api.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "http/request.h"
#include "ops/her.h"
#include "store/cases.h"
#include "store/warnings.h"
#include "vigil.h"

#define WORD_MAX 24

/* The case's code word, its version and an example of a warning's first
 * words: NULL with *err on a failure. */
static json_t *word_view(struct req *r, const struct case_record *c, int *err)
{
	char *word = NULL;
	int64_t version = 0;
	int rc = warning_word_get(r->db, c->id, &word, &version);
	json_t *o;

	if (rc < 0) {
		*err = rc;
		return NULL;
	}
	o = json_pack("{s:s, s:s?, s:I, s:s}", "case", c->ref, "word", word, "version",
		      (json_int_t)version, "example", word ? word : "Vigil");
	free(word);
	return o;
}

void api_warning_word_get(struct req *r)
{
	api_case_page(r, word_view);
}

void api_warning_word_put(struct req *r)
{
	static const char *const fields[] = { "word", "version", NULL };
	struct case_record c = { 0 };
	struct api_case_answer a;
	struct ops_ctx x;
	const char *word = NULL;
	int64_t version = 0;

	if (req_body_required(r) < 0 || req_body_only(r, fields) < 0 ||
	    req_body_str(r, "word", false, WORD_MAX, &word) < 0 ||
	    req_body_int(r, "version", true, 0, INT64_MAX, &version, NULL) < 0)
		return;
	/* a word she can read at a glance on a locked phone's preview: letters,
	 * digits and spaces, no more than a few */
	if (word && !*word)
		word = NULL;
	for (const char *p = word; p && *p; p++) {
		if (!isalnum((unsigned char)*p) && *p != ' ') {
			req_fail(r, 400, "bad_request", "word",
				 "the code word may hold only letters, digits and spaces");
			return;
		}
	}
	api_case_call(r, &x, &a, 200, word_view, &c);
	api_ops_end(r, &x, ops_warning_word_set(&x, req_param(r, "ref"), word, version, &c));
	case_record_free(&c);
}

static int add_message(const struct warning_message *m, void *arg)
{
	json_array_append_new(arg, json_pack("{s:i, s:s, s:s?, s:s, s:s?, s:b, s:o, s:o}", "repeat",
					     m->repeat, "provider", m->provider, "reference",
					     m->reference, "state", m->state, "detail", m->detail,
					     "escalated", m->escalated, "created_at",
					     req_time_json(m->created_at), "updated_at",
					     req_time_json(m->updated_at)));
	return 0;
}

json_t *api_warning_json(db *d, int64_t alert_id)
{
	json_t *arr = json_array();

	if (warning_message_each(d, alert_id, add_message, arr) < 0) {
		/* the alert stands without it; the desk shows no delivery state */
		log_error("alert %lld: her warning's delivery state could not be read: %s",
			  (long long)alert_id, db_errmsg(d));
		json_decref(arr);
		return json_null();
	}
	return arr;
}
