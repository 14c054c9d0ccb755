/*
 * accept — what every ingest path does with a decoded fix: find the device
 * (an unknown one is refused and counted, never stored against another),
 * refuse an impossible fix (counted per device), store it durably (a
 * duplicate is stored once), and only then hand it to the engine.  The
 * caller acknowledges the device when this returns success.
 */
#ifndef VIGIL_INGEST_ACCEPT_H
#define VIGIL_INGEST_ACCEPT_H

#include <stddef.h>

#include "core/fix.h"
#include "db/db.h"

struct vigil;

enum accept_result {
	ACCEPT_STORED = 0,     /* stored and queued to the engine */
	ACCEPT_DUPLICATE = 1,  /* already stored: acknowledged, not evaluated again */
	ACCEPT_UNKNOWN = -1,   /* no such device */
	ACCEPT_REJECTED = -2,  /* an impossible fix (why says which) */
	ACCEPT_ERROR = -3,     /* the database failed: do not acknowledge */
};

enum accept_result ingest_accept(struct vigil *v, db *d, struct fix *f, char *why, size_t whylen);
/* Several fixes in one transaction (a batch, a Teltonika frame): results[i]
 * per fix.  Returns ACCEPT_ERROR when the batch could not be stored (none
 * acknowledged), else 0. */
int ingest_accept_batch(struct vigil *v, db *d, struct fix *f, size_t n, int *results,
			char (*why)[160]);
/* Counters for /metrics. */
void ingest_counters(unsigned long long *stored, unsigned long long *duplicates,
		     unsigned long long *unknown, unsigned long long *rejected);

#endif
