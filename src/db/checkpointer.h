/*
 * checkpointer — a thread that checkpoints the database now and then, so
 * that no commit has to (see db_checkpoint_in_background() in db.h).
 */
#ifndef VIGIL_DB_CHECKPOINTER_H
#define VIGIL_DB_CHECKPOINTER_H

#include <stddef.h>

struct checkpointer;

/* Call db_checkpoint_in_background() first, before any connection to url is
 * opened.  Checkpoints every interval_ms on a connection of its own; *out is
 * NULL, and no thread runs, on an engine that checkpoints by itself. */
int checkpointer_start(const char *url, int interval_ms, struct checkpointer **out, char *err,
		       size_t errlen);
/* Checkpoint once more and stop.  NULL is accepted. */
void checkpointer_stop(struct checkpointer *c);

#endif
