/*
 * store/register — the stalkers register's tables: entries (a person of
 * their own in persons, with aliases and identifiers kept as a suspect's are,
 * so that the same match keys find him), the cases linked to an entry, the
 * history of every decision, the recognitions found at intake, and the
 * register's own access log (every search and view, with its purpose).
 *
 * Entries are shared by every force on one Vigil: nothing here limits a read
 * to an agency (the roles that may read the register are the API's
 * business).  Rules (who decides, with what reason, what a recognition tells
 * whom) live in ops/register.c; this file is the SQL.
 *
 * Functions return 0 (or an id, or 1 for "found") or a negative DB_* code;
 * rows passed to callbacks are valid during the call only.
 */
#ifndef VIGIL_STORE_REGISTER_H
#define VIGIL_STORE_REGISTER_H

#include <stdbool.h>
#include <stdint.h>

#include "db/db.h"

struct register_entry {
	int64_t id, person_id;
	const char *basis;      /* conviction, spo, panel */
	const char *basis_ref;  /* the court's or the panel's reference */
	const char *category;   /* serial, high_harm, persistent */
	int level;              /* 1, 2, 3: single agency, multi-agency, senior multi-agency */
	int64_t responsible_id;
	const char *responsible;      /* username */
	const char *responsible_name; /* display name */
	int64_t agency_id;
	const char *agency;           /* the entering force's code */
	const char *agency_name;
	const char *status;           /* active, removed */
	int64_t next_review_at, retain_until; /* ms; retain_until 0: none */
	const char *reason;           /* the last decision's reason */
	const char *origin;           /* imported: the issuing Vigil, else NULL */
	int64_t origin_id;
	const char *origin_officer;
	const char *full_name, *dob;
	int64_t created_at, updated_at, version;
};

/* Entry id (1 found, 0 none); the strings are owned by *row's storage,
 * freed with register_entry_free(). */
struct register_entry_buf {
	struct register_entry e;
	char *mem[16];
};
int register_entry_get(db *d, int64_t id, struct register_entry_buf *b) DB_CHECKED;
void register_entry_free(struct register_entry_buf *b);

/* A new entry for person_id; fields of e other than ids, times and version
 * are written.  Returns the id. */
int64_t register_entry_insert(db *d, const struct register_entry *e, int64_t created_by,
			      int64_t now) DB_CHECKED;
/* Write e's decision fields (basis, ref, category, level, responsible,
 * status, review, retention, reason) and bump the version, when the version
 * is still e->version: 1 written, 0 stale. */
int register_entry_update(db *d, const struct register_entry *e, int64_t now) DB_CHECKED;
/* The entry imported from (origin, origin_id): its id, 0 none. */
int64_t register_entry_by_origin(db *d, const char *origin, int64_t origin_id) DB_CHECKED;
/* The issuer's version of an imported entry, as last brought in (0: none). */
int register_origin_version(db *d, int64_t id, int64_t *out) DB_CHECKED;
int register_origin_version_set(db *d, int64_t id, int64_t version) DB_CHECKED;

int register_entry_case_add(db *d, int64_t entry_id, int64_t case_id) DB_CHECKED;
int register_entry_cases_each(db *d, int64_t entry_id,
			      int (*fn)(int64_t case_id, const char *ref, int64_t agency_id,
					void *arg),
			      void *arg) DB_CHECKED;

int register_history_add(db *d, int64_t entry_id, int64_t version, int64_t at, int64_t user_id,
			 const char *username, const char *action, const char *reason,
			 const char *snapshot) DB_CHECKED;
int register_history_each(db *d, int64_t entry_id,
			  int (*fn)(int64_t version, int64_t at, const char *username,
				    const char *action, const char *reason, const char *snapshot,
				    void *arg),
			  void *arg) DB_CHECKED;

/* Entries, newest first: status NULL for all; q NULL for all, else entries
 * whose identifier normalises to q in some kind or whose name or alias holds
 * it (matched says which). */
int register_entries_each(db *d, const char *status, const char *q, int limit,
			  int (*fn)(const struct register_entry *e, const char *matched, void *arg),
			  void *arg) DB_CHECKED;

/* ---- recognition --------------------------------------------------------------- */

/* Active entries whose person shares an identifier with person_id, or a
 * name or alias with the same date of birth; matched: "phone +44...",
 * "name and date of birth". */
int register_recognise_entries(db *d, int64_t person_id,
			       int (*fn)(int64_t entry_id, const char *matched, void *arg),
			       void *arg) DB_CHECKED;
/* Other cases (not case_id; 0: any) whose suspect shares the same with
 * person_id. */
int register_recognise_cases(db *d, int64_t person_id, int64_t case_id,
			     int (*fn)(int64_t other_case_id, const char *matched, void *arg),
			     void *arg) DB_CHECKED;
/* Record a recognition once (a second call with the same facts does
 * nothing): 1 added, 0 already there. */
int register_match_add(db *d, int64_t case_id, int64_t entry_id, int64_t other_case_id,
		       const char *matched, int64_t now) DB_CHECKED;

struct register_match {
	int64_t id, case_id, entry_id, other_case_id;
	const char *matched;
	int64_t found_at, seen_at, told_at;
	/* the entry's responsible officer, or the other case's owner: whom to ask */
	const char *ask_username, *ask_name, *ask_agency;
	const char *other_ref;   /* the other case's reference (NULL for an entry) */
	const char *entry_name;  /* the entry's person (NULL for a case) */
	const char *case_ref;    /* the new case */
	const char *case_agency;
	const char *case_owner, *case_owner_name;
};
/* The recognitions of a case (case_id) or of an entry (entry_id; case_id 0). */
int register_matches_each(db *d, int64_t case_id, int64_t entry_id,
			  int (*fn)(const struct register_match *m, void *arg), void *arg) DB_CHECKED;
int register_match_get(db *d, int64_t id, int (*fn)(const struct register_match *m, void *arg),
		       void *arg) DB_CHECKED;
/* The entry's officer acknowledged (told) or a supervisor of the case saw
 * (seen): 1 marked, 0 already. */
int register_match_mark(db *d, int64_t id, bool told, int64_t user_id, int64_t now) DB_CHECKED;

/* ---- oversight -------------------------------------------------------------------- */

struct register_access {
	int64_t at, user_id;
	const char *username, *agency, *action, *purpose, *query_kind, *query_hash;
	int64_t entry_id, results;
};
int register_access_add(db *d, const struct register_access *a) DB_CHECKED;
/* Accesses in [from, to) by the staff of agency (its code; NULL: every
 * agency's), oldest first. */
int register_access_each(db *d, const char *agency, int64_t from, int64_t to,
			 int (*fn)(const struct register_access *a, void *arg), void *arg) DB_CHECKED;

/* ---- review and retention ------------------------------------------------------- */

/* Active entries whose review date is before `before`, whose responsible
 * officer is of agency_id (0: any). */
int register_reviews_due_each(db *d, int64_t agency_id, int64_t before, int limit,
			      int (*fn)(const struct register_entry *e, void *arg), void *arg) DB_CHECKED;
/* Entries to purge: removed, or past their retention date. */
int register_purge_due(db *d, int64_t now, int64_t **ids, int *n) DB_CHECKED;
/* Delete the entry and everything of it: its person, aliases, identifiers,
 * linked cases, history and recognitions. */
int register_entry_purge(db *d, int64_t id) DB_CHECKED;

#endif
