/*
 * ops/incidents — the incident log: append an incident (or an amendment of
 * one), and record an evidence file it may cite.
 *
 * The log is append-only and hash-chained (store/incidents.h): a correction
 * is a new entry naming the one it corrects and why.  A new incident makes a
 * review of the risk due at once; a breach of an order is also classified
 * on the case.
 */
#ifndef VIGIL_OPS_INCIDENTS_H
#define VIGIL_OPS_INCIDENTS_H

#include <stdint.h>

#include "ops/ops.h"
#include "store/cases.h"
#include "store/incidents.h"

/* Append e (its occurred_at, occurred_until, place, behaviour (case_behaviours),
 * description, witnesses, reporter, attachments (hashes of the case's
 * uploads, JSON text), amends and amend_reason as given); fills the rest. */
int ops_incident_record(struct ops_ctx *x, const char *ref, struct incident *e,
			struct case_record *c);

/* An evidence file uploaded to the case, stored once by its hash. */
struct ops_attachment {
	const char *hash;      /* BLAKE2b-256, hex */
	int64_t size;
	const char *filename;
	const char *content_type;
	/* Keep the file in the evidence store: the caller holds the upload, and
	 * is called once the case is known to be one the actor may write to;
	 * 0, or a refusal (ERR_STORAGE) made with ops_fail. */
	int (*keep)(struct ops_ctx *x, void *arg);
	void *keep_arg;
};
int ops_attachment_record(struct ops_ctx *x, const char *ref, const struct ops_attachment *in,
			  struct case_record *c);

#endif
