/*
 * commit — group commit for ingest.  Every ingest path (the OsmAnd port, the
 * Teltonika port, POST /api/v1/fixes, the demo simulator) hands its fixes to
 * one committer thread, which stores all that is waiting, from every
 * connection, in one transaction on its own connection (synchronous=FULL on
 * SQLite: the commit is on disk when it returns), and only then tells each
 * caller its results.  A device is still acknowledged only after its fixes
 * are durable; the cost of making them durable (a write-ahead log sync) is
 * paid once per group instead of once per packet or request.
 *
 * If a group's transaction fails, each request in it is tried again in a
 * transaction of its own, so one caller's failure is never another's.
 */
#ifndef VIGIL_INGEST_COMMIT_H
#define VIGIL_INGEST_COMMIT_H

#include <stdbool.h>
#include <stddef.h>

#include "core/fix.h"
#include "db/db.h"

struct vigil;
struct committer;

/* One caller's fixes, owned by the caller until done() has been called (or
 * committer_accept() has returned). */
struct commit_req {
	struct fix *f;
	size_t n;
	int *results;      /* enum accept_result per fix */
	char (*why)[160];  /* per fix */
	int rc;            /* 0, or ACCEPT_ERROR: nothing of it stored */
	/* called on the committer's thread once the results are known; it must
	 * not block (wake the caller's loop and return) */
	void (*done)(struct commit_req *r);
	void *arg;
	/* the committer's */
	bool finished;
	struct commit_req *next;
};

/* Open the committer's own connection and start its thread.  0, or -1 with err. */
int committer_start(struct vigil *v, struct committer **out, char *err, size_t errlen);
/* Store everything already submitted, then stop.  committer_stop(NULL) does nothing. */
void committer_stop(struct committer *c);
/* Queue a request; r->done(r) is called when its fixes are stored (or not). */
void committer_submit(struct committer *c, struct commit_req *r);
/* Queue fixes and wait for them: ingest_accept_batch()'s contract. */
int committer_accept(struct committer *c, struct fix *f, size_t n, int *results,
		     char (*why)[160]);
/* Is d the committer's own connection? */
bool committer_owns(const struct committer *c, const db *d);

#endif
