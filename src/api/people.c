/*
 * people — the register search: GET /api/v1/people/search?q=&purpose=
 * (analysts and supervisors).  Every search is audited with its stated
 * purpose.  A hit in a case the caller may not see names no case: it says
 * only that there is one, in another agency's caseload.  A victim is found
 * by an identifier (her match key: it is sealed), and only by those who
 * protect her, in cases they may see.
 */
#include "api/api.h"

#include <string.h>

#include "core/account.h"
#include "core/casefile.h"
#include "core/identifier.h"
#include "http/request.h"
#include "store/cases.h"
#include "store/people.h"
#include "store/sealed.h"

struct search_ctx {
	struct req *r;
	struct viewer v;
	json_t *arr;
};

static int add_hit(const struct search_hit *h, void *arg)
{
	struct search_ctx *sc = arg;
	struct case_record c;
	json_t *o, *jc;
	int vis = case_visible(sc->r->db, h->case_id, &sc->v);

	/* A victim found by her phone (or e-mail, handle, vehicle) only to
	 * those who protect her, and only in a case they may open anyway: a
	 * hit says nothing of a victim they could not read of. */
	if (strcmp(h->role, "victim") == 0 &&
	    (vis != 1 || !access_sees_victim_location(sc->r->who.role)))
		return 0;

	if (vis == 1 && case_get_by_id(sc->r->db, h->case_id, &c) == 1) {
		jc = json_pack("{s:s, s:s, s:b}", "ref", c.ref, "status", case_status_name(c.status),
			       "visible", 1);
		case_record_free(&c);
	} else {
		jc = json_pack("{s:b}", "visible", 0);
	}
	o = json_pack("{s:I, s:s?, s:s?, s:s, s:s, s:o}", "person_id", (json_int_t)h->person_id,
		      "name", vis == 1 ? h->full_name : NULL, "dob", vis == 1 ? h->dob : NULL,
		      "role", h->role, "matched", h->matched, "case", jc);
	json_array_append_new(sc->arr, o);
	return 0;
}

void api_people_search(struct req *r)
{
	const char *q = req_query(r, "q"), *purpose = req_query(r, "purpose");
	struct search_ctx sc = { r, { 0 }, NULL };
	int64_t limit;
	int rc;

	if (req_query_int(r, "limit", 1, 100, 25, &limit) < 0)
		return;
	if (!purpose || strlen(purpose) < 5 || strlen(purpose) > 500 ||
	    !account_text_clean(purpose, strlen(purpose))) {
		req_fail(r, 400, "bad_request", "purpose",
			 "state the purpose of the search (5 to 500 characters): it is audited");
		return;
	}
	if (!q || strlen(q) < 2 || strlen(q) > 300 || !account_text_clean(q, strlen(q))) {
		req_fail(r, 400, "bad_request", "q",
			 "q is the name or identifier to search for (2 to 300 characters)");
		return;
	}
	/* the query may be her phone number or her name: audited as a keyed
	 * hash of its normal form (the same number however typed gives the
	 * same hash, which the data key can recompute for a number in
	 * question), not as typed */
	{
		char norm[IDENTIFIER_MAX + 1], key[512], match[CRYPT_MATCH_LEN];
		const char *canon = q;

		if (identifier_normalise(IDENT_PHONE, q, norm, sizeof norm, NULL, 0) == 0 ||
		    identifier_normalise(IDENT_EMAIL, q, norm, sizeof norm, NULL, 0) == 0)
			canon = norm;
		else if (case_name_key(q, key, sizeof key) == 0)
			canon = key;
		rc = sealed_match(r->db, "search", canon, match);
		if (rc < 0) {
			req_fail_db(r, rc);
			return;
		}
		req_audit_detail(r, "purpose: %s; query (keyed hash): %s", purpose, match);
	}
	api_viewer(r, &sc.v);
	sc.arr = json_array();
	req_read(r, people_search(r->db, q, (int)limit, add_hit, &sc));
	req_reply(r, 200, json_pack("{s:o}", "results", sc.arr));
}
