/*
 * ops/register — the stalkers register's rules (issue 19): a supervisor's
 * decisions to enter a person, review and remove the entry, each with a
 * reason and kept in the entry's history; recognition of a new case's
 * suspect as a register entry's man or another case's suspect; signed
 * export and verified import between Vigils; retention.
 *
 * Operations of ops/ops.h, in its context: an operation takes a typed,
 * well-formed request and the acting user, checks what the records say, and
 * makes the store calls, in the caller's one write transaction, whose commit
 * also appends the audit entry (api/ opens and commits it, so a decision and
 * its audit stand or fall together).  It returns 0 (or an id, or a count) or
 * a negative code: a refusal of base/err.h (ERR_BAD_REQUEST, ERR_FORBIDDEN,
 * ERR_NOT_FOUND, ERR_CONFLICT: the entry or case changed, was removed, has no
 * suspect; ERR_SIGNATURE_INVALID) with x->err filled, or a DB_* code.  Nothing
 * here knows HTTP; all SQL is in store/register.c.
 */
#ifndef VIGIL_OPS_REGISTER_H
#define VIGIL_OPS_REGISTER_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/access.h"
#include "db/db.h"
#include "ops/ops.h"
#include "store/people.h"

/* The decision fields of an entry, as a supervisor gives them. */
struct reg_decision {
	const char *basis;        /* conviction, spo, panel */
	const char *basis_ref;
	const char *category;     /* serial, high_harm, persistent */
	int level;                /* 1..3 */
	const char *responsible;  /* username of an active officer or supervisor of the force */
	int64_t next_review_at;   /* ms, in the future */
	int64_t retain_until;     /* ms, 0: none */
	const char *reason;
};

struct reg_enter {
	struct person_in person;  /* not sealed: a suspect's details */
	struct reg_decision d;
	const char *const *cases; /* case references to link (the supervisor may see them) */
	int ncases;
};

/* Vocabularies, NULL-terminated. */
extern const char *const reg_bases[];
extern const char *const reg_categories[];

/* Keep a search ("search", "list") or a view ("view") of the register, with
 * its stated purpose, in the register's access log (the oversight report):
 * a query q as its kind ("phone", "name"...) and a keyed hash of its normal
 * form, never as typed (it may be a victim's number typed into the wrong
 * box).  *kind (may be NULL) says what q was taken for.  0 or negative. */
int reg_access(struct ops_ctx *x, const char *action, const char *purpose, const char *q,
	       int64_t entry_id, int64_t results, const char **kind);

/* Enter a person on the register: the entry's id.  The cases already on
 * record whose suspect he is (an identifier, or a name with the date of
 * birth) are linked to the entry with those named in the request. */
int64_t reg_entry_enter(struct ops_ctx *x, const struct reg_enter *in);
/* A review (the review date moves on; the other fields may change with it):
 * 0.  Any of d's fields NULL or 0 stays as it is, but next_review_at and
 * reason are required. */
int reg_entry_review(struct ops_ctx *x, int64_t id, int64_t version, const struct reg_decision *d);
/* Remove the entry (purged at the next retention sweep): 0. */
int reg_entry_remove(struct ops_ctx *x, int64_t id, int64_t version, const char *reason);
/* Add identifiers and aliases to an entry's person: 0. */
int reg_entry_identify(struct ops_ctx *x, int64_t id, int64_t version,
		       const struct person_in *more);

/* The entry as JSON: its fields, person, identifiers, aliases (caller owns);
 * NULL with rc set when it cannot be read. */
json_t *reg_entry_json(struct ops_ctx *x, int64_t id, int *rc);

/* Recognise case_id's suspect: record each register entry and other case he
 * matches (once), link the case to the entries and note it in their
 * history.  The number of new recognitions, or negative. */
int reg_recognise(struct ops_ctx *x, int64_t case_id);

/* The suspect of case_id (which the caller opened) is known better: add
 * more's identifiers, other names and date of birth, and recognise him
 * again.  ERR_CONFLICT when the case has no suspect. */
int reg_suspect_identify(struct ops_ctx *x, int64_t case_id, const struct person_in *more);
/* A supervisor of case_id has seen its recognition id: 0 (also when seen
 * before); ERR_NOT_FOUND when the case has no such recognition. */
int reg_recognition_seen(struct ops_ctx *x, int64_t case_id, int64_t id);
/* The entry's responsible officer acknowledges that his man has a new case
 * (recognition id): only he may.  0 (also when done before). */
int reg_recognition_acknowledge(struct ops_ctx *x, int64_t id);

/* Purge every entry removed or past retention (x->who.user_id may be 0:
 * Vigil itself, the sweep of cli/serve.c):
 * each purge is one audit entry naming the entry's id and nothing of the
 * person.  The number purged, or negative.  Runs its own transactions when
 * own_tx. */
int reg_purge(struct ops_ctx *x, bool own_tx);

/* ---- exchange between Vigils (docs/REGISTER.md) ------------------------------------ */

/* The active entries as a signed document (caller owns): sk, pk_hex the
 * signing key (secret_sign_key_load).  NULL with rc set on failure. */
json_t *reg_export(struct ops_ctx *x, const unsigned char *sk, const char *pk_hex, int *rc);
/* Verify doc against the trusted keys (a file of "HEX name" lines) and
 * bring its entries in (new ones entered, known ones updated), each as a
 * decision of the actor with reason, under responsible.  Counts in *added
 * and *updated.  ERR_SIGNATURE_INVALID for a document that does not verify. */
int reg_import(struct ops_ctx *x, json_t *doc, const char *trust_file, const char *responsible,
	       const char *reason, int *added, int *updated, char *issuer, size_t issuerlen);

#endif
