/*
 * store/people — the people in cases (victims and suspects), their aliases and
 * identifiers, the links between suspects across cases, and the register
 * search.
 *
 * People are recorded per case; the same person in two cases is two rows,
 * connected by what they share: an identifier (same kind, same normalised
 * value) or a name (or alias) with the same date of birth.  Links are
 * followed transitively: if case A's suspect shares a phone with B's, and B's
 * an e-mail with C's, all three are one suspect's cases.
 *
 * A victim's name, date of birth, description, aliases and identifiers are
 * sealed (store/sealed.h); her match keys (identifiers', names') are keyed
 * hashes, not the normalised values.  A suspect's stay in clear: the register
 * search finds him by part of a name, and linking follows his identifiers in
 * SQL.  Victims are told apart across cases in C, on the opened values.
 */
#ifndef VIGIL_STORE_PEOPLE_H
#define VIGIL_STORE_PEOPLE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/identifier.h"
#include "db/db.h"

struct person_identifier {
	enum identifier_kind kind;
	const char *value;     /* as shown (normalised) */
	const char *match_key; /* for linking */
};

struct person_in {
	bool sealed;             /* a victim: everything below is sealed (store/sealed.h) */
	const char *full_name;   /* may be NULL for an unnamed person */
	const char *dob;         /* YYYY-MM-DD or NULL */
	const char *description;
	const char *const *aliases;
	int naliases;
	const struct person_identifier *ids;
	int nids;
};

/* Insert a person with aliases and identifiers; returns the id (or
 * DB_SEALED for a sealed one with no key current). */
int64_t person_insert(db *d, const struct person_in *p) DB_CHECKED;
int case_person_add(db *d, int64_t case_id, int64_t person_id, const char *role) DB_CHECKED;
/* Add more's aliases and identifiers (not sealed: a suspect's, or a register
 * entry's person) to person_id, leaving out those he has already; more's
 * date of birth is recorded when he had none. */
int person_more_add(db *d, int64_t person_id, const struct person_in *more) DB_CHECKED;
/* The case's suspect person, 0 when none (unknown suspect), negative on error. */
int64_t case_suspect(db *d, int64_t case_id) DB_CHECKED;

struct person_row {
	int64_t id;
	const char *role;
	const char *full_name;
	const char *dob;
	const char *description;
};
/* A victim's fields are opened for fn; one that does not open stops the
 * walk with DB_SEALED. */
int case_people_each(db *d, int64_t case_id, int (*fn)(const struct person_row *p, void *arg),
		     void *arg) DB_CHECKED;
/* sealed: the person is a victim (her aliases and identifiers are opened). */
int person_aliases_each(db *d, int64_t person_id, bool sealed,
			int (*fn)(const char *name, void *arg), void *arg) DB_CHECKED;
int person_identifiers_each(db *d, int64_t person_id, bool sealed,
			    int (*fn)(const char *kind, const char *value, void *arg), void *arg) DB_CHECKED;

/* The cases linked to case_id through its suspect, not counting case_id
 * itself; *cases is allocated (caller frees).  At most max cases. */
int links_find(db *d, int64_t case_id, int max, int64_t **cases, int *ncases) DB_CHECKED;
/* How many distinct victims the cases hold, a victim in two cases counted
 * once when the two share an identifier or a name with date of birth. */
int links_distinct_victims(db *d, const int64_t *cases, int ncases) DB_CHECKED;

/* The register search: people recorded as suspects whose identifier
 * normalises to q in some kind (addresses excepted), or whose name or alias
 * contains q; and victims whose identifier (not an address) normalises to q,
 * found by its match key (role "victim": the caller decides who may see
 * them). */
struct search_hit {
	int64_t person_id;
	int64_t case_id;
	const char *role;
	const char *full_name;
	const char *dob;
	const char *matched; /* "phone", "name", ... */
};
int people_search(db *d, const char *q, int limit,
		  int (*fn)(const struct search_hit *h, void *arg), void *arg) DB_CHECKED;

#endif
