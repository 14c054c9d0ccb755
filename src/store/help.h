/*
 * store/help — requests for help from people who are not (yet) a case: the
 * triage queue.  What she told us and how to reach her are sealed
 * (store/sealed.h); the FOUR answers and the queue's state are not.
 */
#ifndef VIGIL_STORE_HELP_H
#define VIGIL_STORE_HELP_H

#include <stdint.h>

#include "db/db.h"

#define HELP_UNSURE (-1) /* a FOUR answer "not sure" (NULL) */

struct help_request_in {
	const char *wants;  /* "advice", "report" */
	int four[4];        /* fixated, obsessive, unwanted, repeated: 1, 0, HELP_UNSURE */
	const char *story;
	const char *contact;    /* may be NULL */
	const char *safe_times; /* may be NULL */
};
/* Record a request: its id, or negative (DB_SEALED: no key to seal with). */
int64_t help_request_insert(db *d, const struct help_request_in *in) DB_CHECKED;

struct help_request {
	int64_t id, created_at;
	char wants[8];
	int four[4];
	char *story, *contact, *safe_times; /* opened */
	char state[12];
	char case_ref[24];
	char agency[32];     /* the partner it was passed to (its code) */
	char *outcome_note;
	char handled_by[64]; /* username */
	int64_t handled_at, version;
};
void help_request_free(struct help_request *h);
/* One request: 1 and *out (free with help_request_free), 0 when none. */
int help_request_get(db *d, int64_t id, struct help_request *out) DB_CHECKED;
/* The queue, in state (NULL: every state), new first then oldest first;
 * each opened for fn (h is fn's only for the call). */
int help_requests_each(db *d, const char *state, int limit,
		       int (*fn)(const struct help_request *h, void *arg), void *arg) DB_CHECKED;
/* Decide a new request (state accepted, answered or passed): 1 when done,
 * 0 when it was not new or its version was not version. */
int help_request_decide(db *d, int64_t id, int64_t version, const char *state, int64_t case_id,
			int64_t agency_id, const char *note, int64_t by) DB_CHECKED;
/* How many wait (state new). */
int64_t help_requests_waiting(db *d) DB_CHECKED;

#endif
