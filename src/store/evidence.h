/*
 * store/evidence — the evidence files held on a case, listed: what was
 * uploaded (name, type, size, BLAKE2b-256 hash), by whom and when.  The files
 * themselves are stored by hash (api/incidents.c); an incident cites them by
 * hash in the case's chain.
 *
 * Returns 0 or a negative DB_* code; rows are valid during the call only.
 */
#ifndef VIGIL_STORE_EVIDENCE_H
#define VIGIL_STORE_EVIDENCE_H

#include <stdint.h>

#include "db/db.h"

struct evidence_row {
	const char *hash, *filename, *content_type, *uploaded_by;
	int64_t size, uploaded_at;
};

/* The case's files, newest first. */
int evidence_each(db *d, int64_t case_id, int (*fn)(const struct evidence_row *e, void *arg),
		  void *arg) DB_CHECKED;

#endif
