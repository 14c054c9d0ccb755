/*
 * checkpointer — see checkpointer.h.
 */
#include "db/checkpointer.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "base/log.h"
#include "base/mem.h"
#include "db/db.h"

struct checkpointer {
	db *db;
	int interval_ms;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stopping;
};

static void *run(void *arg)
{
	struct checkpointer *c = arg;
	bool stopping = false, failing = false;

	while (!stopping) {
		struct timespec until;

		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_nsec += (long)c->interval_ms * 1000000L;
		until.tv_sec += until.tv_nsec / 1000000000L;
		until.tv_nsec %= 1000000000L;
		pthread_mutex_lock(&c->mu);
		while (!c->stopping &&
		       pthread_cond_timedwait(&c->cv, &c->mu, &until) != ETIMEDOUT)
			;
		stopping = c->stopping;
		pthread_mutex_unlock(&c->mu);
		/* once more when stopping: the log is left short */
		if (db_checkpoint(c->db) < 0) {
			/* say so once, not ten times a second */
			if (!failing)
				log_warn("checkpoint: %s", db_errmsg(c->db));
			failing = true;
		} else {
			failing = false;
		}
	}
	return NULL;
}

int checkpointer_start(const char *url, int interval_ms, struct checkpointer **out, char *err,
		       size_t errlen)
{
	struct checkpointer *c = xcalloc(1, sizeof *c);
	pthread_condattr_t ca;

	c->interval_ms = interval_ms;
	*out = NULL;
	if (db_open(&c->db, url, err, errlen) < 0) {
		free(c);
		return -1;
	}
	if (!db_checkpoint_needed(c->db)) {
		/* the engine checkpoints by itself */
		db_close(c->db);
		free(c);
		return 0;
	}
	pthread_mutex_init(&c->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&c->cv, &ca);
	pthread_condattr_destroy(&ca);
	if (pthread_create(&c->thread, NULL, run, c) != 0) {
		snprintf(err, errlen, "cannot start the checkpoint thread");
		pthread_cond_destroy(&c->cv);
		pthread_mutex_destroy(&c->mu);
		db_close(c->db);
		free(c);
		return -1;
	}
	*out = c;
	return 0;
}

void checkpointer_stop(struct checkpointer *c)
{
	if (!c)
		return;
	pthread_mutex_lock(&c->mu);
	c->stopping = true;
	pthread_cond_signal(&c->cv);
	pthread_mutex_unlock(&c->mu);
	pthread_join(c->thread, NULL);
	pthread_cond_destroy(&c->cv);
	pthread_mutex_destroy(&c->mu);
	db_close(c->db);
	free(c);
}
