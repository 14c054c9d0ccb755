/*
 * commit — group commit for ingest (see commit.h).
 *
 * Callers queue requests and either wait (committer_accept) or are called
 * back (committer_submit: the OsmAnd and Teltonika listeners, which go on
 * serving other connections meanwhile).  The thread takes everything queued,
 * up to GROUP_MAX fixes, and stores it with ingest_accept_batch() on its own
 * connection: one transaction, one sync.  While it commits, the next group
 * gathers, so the group grows with the load and the sync is shared by more
 * fixes exactly when there are more of them.
 */
#include "ingest/commit.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/mem.h"
#include "base/thread.h"
#include "ingest/accept.h"
#include "vigil.h"

/* Fixes in one transaction at most, so that a burst does not make one
 * group's acknowledgement wait for tens of thousands of rows. */
#define GROUP_MAX 8192

struct committer {
	struct vigil *v;
	db *db;
	pthread_t thread;
	bool running;
	pthread_mutex_t mu;
	pthread_cond_t cv;      /* work queued, or stopping */
	pthread_cond_t done_cv; /* a group finished: committer_accept's waiters */
	struct commit_req *head, **tail;
	bool stopping;
	bool db_away;           /* the thread's: the database could not be reached */
	/* the thread's: a group's fixes side by side */
	struct fix *f;
	int *res;
	char (*why)[160];
	size_t cap;
};

/* Store one group: one transaction for all; if it fails, each request on
 * its own, so that nobody's fixes fail for another's.  But not when the
 * connection died: then the whole group failed (none of it acknowledged:
 * the callers answer 503, a tag keeps its records), and the next group
 * connects again first. */
static void store_group(struct committer *c, struct commit_req *list, size_t n)
{
	size_t k = 0;

	/* a connection the server ended while it waited is replaced now, not
	 * found dead by the group's first statement */
	if (db_heal(c->db) < 0) {
		if (!c->db_away)
			log_error("ingest: the database cannot be reached (%s): fixes are refused "
				  "until it is back", db_errmsg(c->db));
		c->db_away = true;
		for (struct commit_req *r = list; r; r = r->next)
			r->rc = ACCEPT_ERROR;
		return;
	}
	if (c->db_away)
		log_info("ingest: the database is back");
	c->db_away = false;
	if (!list->next) {
		list->rc = ingest_accept_batch(c->v, c->db, list->f, list->n, list->results, list->why);
		return;
	}
	if (n > c->cap) {
		c->cap = n;
		c->f = xrealloc(c->f, n * sizeof *c->f);
		c->res = xrealloc(c->res, n * sizeof *c->res);
		c->why = xrealloc(c->why, n * sizeof *c->why);
	}
	for (struct commit_req *r = list; r; r = r->next) {
		memcpy(c->f + k, r->f, r->n * sizeof *c->f);
		k += r->n;
	}
	if (ingest_accept_batch(c->v, c->db, c->f, n, c->res, c->why) < 0) {
		if (!db_alive(c->db)) {
			for (struct commit_req *r = list; r; r = r->next)
				r->rc = ACCEPT_ERROR;
			return;
		}
		log_warn("ingest: a group of %zu fixes could not be stored; trying each request alone",
			 n);
		for (struct commit_req *r = list; r; r = r->next)
			r->rc = ingest_accept_batch(c->v, c->db, r->f, r->n, r->results, r->why);
		return;
	}
	k = 0;
	for (struct commit_req *r = list; r; r = r->next) {
		memcpy(r->results, c->res + k, r->n * sizeof *r->results);
		memcpy(r->why, c->why + k, r->n * sizeof *r->why);
		r->rc = 0;
		k += r->n;
	}
}

static void *run(void *arg)
{
	struct committer *c = arg;

	for (;;) {
		struct commit_req *list, *last = NULL, *next;
		size_t n = 0;

		pthread_mutex_lock(&c->mu);
		while (!c->head && !c->stopping)
			pthread_cond_wait(&c->cv, &c->mu);
		if (!c->head) {
			pthread_mutex_unlock(&c->mu);
			break;
		}
		/* everything waiting, up to GROUP_MAX fixes (at least one request) */
		list = c->head;
		for (struct commit_req *r = c->head; r && (!last || n + r->n <= GROUP_MAX); r = r->next) {
			n += r->n;
			last = r;
		}
		c->head = last->next;
		if (!c->head)
			c->tail = &c->head;
		last->next = NULL;
		pthread_mutex_unlock(&c->mu);

		store_group(c, list, n);

		/* a finished request may be freed by its owner at once: read next
		 * first.  Callbacks run without the lock (they may take their own). */
		for (struct commit_req *r = list, **p = &list; r; r = next) {
			next = r->next;
			if (r->done) {
				*p = next;
				r->finished = true;
				r->done(r);
			} else {
				p = &r->next;
			}
		}
		pthread_mutex_lock(&c->mu);
		for (struct commit_req *r = list; r; r = next) {
			next = r->next;
			r->finished = true;
		}
		pthread_cond_broadcast(&c->done_cv);
		pthread_mutex_unlock(&c->mu);
	}
	return NULL;
}

int committer_start(struct vigil *v, struct committer **out, char *err, size_t errlen)
{
	struct committer *c = xcalloc(1, sizeof *c);

	c->v = v;
	c->tail = &c->head;
	pthread_mutex_init(&c->mu, NULL);
	pthread_cond_init(&c->cv, NULL);
	pthread_cond_init(&c->done_cv, NULL);
	if (db_open(&c->db, v->cfg.db_url, err, errlen) < 0)
		goto fail;
	db_set_keys(c->db, v->keys); /* her devices' positions are sealed */
	/* The pool's SQLite connections use synchronous=NORMAL: in WAL mode a
	 * commit there survives the process crashing but not the machine losing
	 * power.  An acknowledged fix must survive both (the tag will not send
	 * it again), so this connection syncs the log at every commit; grouping
	 * makes that one sync per group.  PostgreSQL's commit is durable as it
	 * is (synchronous_commit on). */
	/* back to back transactions: let the engine's alerts in between (db.h) */
	db_set_writer(c->db, DB_WRITER_QUEUED);
	db_set_name(c->db, "vigil ingest");
	if (db_sync_full(c->db) < 0) {
		snprintf(err, errlen, "cannot configure the ingest connection: %s", db_errmsg(c->db));
		goto fail;
	}
	if (pthread_create(&c->thread, NULL, run, c) != 0) {
		snprintf(err, errlen, "cannot start the ingest committer");
		goto fail;
	}
	c->running = true;
	*out = c;
	return 0;
fail:
	committer_stop(c);
	return -1;
}

void committer_stop(struct committer *c)
{
	if (!c)
		return;
	if (c->running) {
		thread_stop(c->thread, &c->mu, &c->cv, &c->stopping);
	}
	db_close(c->db);
	free(c->f);
	free(c->res);
	free(c->why);
	pthread_cond_destroy(&c->done_cv);
	pthread_cond_destroy(&c->cv);
	pthread_mutex_destroy(&c->mu);
	free(c);
}

void committer_submit(struct committer *c, struct commit_req *r)
{
	r->finished = false;
	r->next = NULL;
	pthread_mutex_lock(&c->mu);
	*c->tail = r;
	c->tail = &r->next;
	pthread_cond_signal(&c->cv);
	pthread_mutex_unlock(&c->mu);
}

int committer_accept(struct committer *c, struct fix *f, size_t n, int *results,
		     char (*why)[160])
{
	struct commit_req r = { .f = f, .n = n, .results = results, .why = why };

	committer_submit(c, &r);
	pthread_mutex_lock(&c->mu);
	while (!r.finished)
		pthread_cond_wait(&c->done_cv, &c->mu);
	pthread_mutex_unlock(&c->mu);
	return r.rc;
}

bool committer_owns(const struct committer *c, const db *d)
{
	return c->db == d;
}
