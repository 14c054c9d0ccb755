/*
 * store/account — agencies and user accounts in the database.
 *
 * Lookups return 1 when found, 0 when not, negative DB_* codes on failure.
 * Writes return 0 (or the new id), DB_CONSTRAINT when a unique name is taken,
 * or another negative code.
 */
#ifndef VIGIL_STORE_ACCOUNT_H
#define VIGIL_STORE_ACCOUNT_H

#include <stdbool.h>
#include <stdint.h>

#include "core/access.h"
#include "db/db.h"

struct agency {
	int64_t id;
	char code[33];
	char name[201];
	char kind[16];
	int64_t created_at;
};

struct user {
	int64_t id;
	char username[65];
	char display_name[201];
	enum role role;
	int64_t agency_id;
	char agency_code[33];
	char agency_name[201];
	bool disabled;
	int failed_logins;
	int64_t last_failed_at; /* 0 when none */
	int64_t locked_until;   /* 0 when not locked */
	int64_t created_at;
	int64_t updated_at;
	int64_t version;
	bool service;           /* a service account: tokens only, never a sign-in */
	char password_hash[128];
};

/* Agency kinds accepted by the schema. */
bool agency_kind_valid(const char *kind);
int64_t agency_add(db *d, const char *code, const char *name, const char *kind) DB_CHECKED;
int agency_get_by_code(db *d, const char *code, struct agency *out) DB_CHECKED;
/* Calls fn for each agency in code order; stops on a non-zero return. */
int agency_each(db *d, int (*fn)(const struct agency *a, void *arg), void *arg) DB_CHECKED;

/*
 * Agency services (agency_services): a client agency (a force) grants a
 * provider (a monitoring contractor) a service; it counts once the provider
 * accepts it, until either revokes it.
 */
#define AGENCY_SERVICE_MONITORING "monitoring"
struct agency_service {
	int64_t id;
	char client[33], provider[33]; /* agency codes */
	char service[16];
	int64_t granted_at, granted_by, accepted_at, revoked_at;
	const char *note; /* NULL when none; valid during the callback */
};
/* accepted: it counts at once (the command line, which both sides' holders
 * run); else it waits for the provider's acceptance.  DB_CONSTRAINT when a
 * live grant of the same exists. */
int64_t agency_service_grant(db *d, int64_t client_id, int64_t provider_id, const char *service,
			     int64_t by, const char *note, bool accepted) DB_CHECKED;
/* The provider accepts: 1 accepted, 0 when provider_id has no grant waiting
 * with that id. */
int agency_service_accept(db *d, int64_t id, int64_t provider_id, int64_t by) DB_CHECKED;
/* 1 revoked, 0 when agency_id (the client or the provider) has no live grant
 * with that id. */
int agency_service_revoke(db *d, int64_t id, int64_t agency_id, int64_t by) DB_CHECKED;
/* Live grants (revoked too when all) given or received by agency_id (any
 * agency when 0), newest first. */
int agency_service_each(db *d, int64_t agency_id, bool all,
			int (*fn)(const struct agency_service *g, void *arg), void *arg) DB_CHECKED;
/* Does provider_id serve client_id with service now, accepted and not
 * revoked (or are they one agency)?  1 yes, 0 no. */
int agency_serves(db *d, int64_t provider_id, int64_t client_id, const char *service) DB_CHECKED;

/* hash is an argon2id string from secret_password_hash(). */
int64_t user_add(db *d, const char *username, const char *display_name, enum role role,
		 int64_t agency_id, const char *hash) DB_CHECKED;
int user_get_by_name(db *d, const char *username, struct user *out) DB_CHECKED;
int user_get_by_id(db *d, int64_t id, struct user *out) DB_CHECKED;
int user_each(db *d, int (*fn)(const struct user *u, void *arg), void *arg) DB_CHECKED;
int64_t user_count(db *d) DB_CHECKED;
/* Make an account a service account (its password can never be used). */
int user_set_service(db *d, int64_t id) DB_CHECKED;

/* The changeable fields of an account.  Unset pointers/flags leave a field as is. */
struct user_change {
	const char *display_name;
	enum role role; /* ROLE_NONE: unchanged */
	int64_t agency_id; /* 0: unchanged */
	int disabled;   /* -1: unchanged, else 0/1 */
	const char *password_hash;
	bool unlock;    /* clear failed sign-ins and any lock-out */
};
/* Apply a change if the stored version is still expected_version (or when
 * expected_version is 0: unconditionally, for the command line).  Returns 1
 * when applied, 0 when the version was stale or the user is gone, negative on
 * error.  Disabling or a new password also ends the user's sessions. */
int user_update(db *d, int64_t id, int64_t expected_version,
		const struct user_change *c) DB_CHECKED;

/*
 * Sign-in bookkeeping (the policy is core/account's).  Claim an attempt by
 * recording it as a failure before the password is checked, but only if the
 * row still holds what the caller read (old_*): 1 claimed, 0 when another
 * attempt changed it first (read again and re-check), negative on error.
 * A correct password then resets the count with user_login_succeeded().
 */
/* Move the time of the last failure to when its password check ended. */
int user_login_failed_at(db *d, int64_t id, int64_t at) DB_CHECKED;
int user_login_claim(db *d, int64_t id, int old_failed, int64_t old_last, int64_t old_locked,
		     int new_failed, int64_t at, int64_t new_locked) DB_CHECKED;
int user_login_succeeded(db *d, int64_t id) DB_CHECKED;
/*
 * The same for a name that is no account (key: a digest of the name), so that
 * a guess at a name that does not exist is throttled and locked exactly as
 * one at a real account, and the answers tell no one which names exist.
 * login_name_get: 1 found, 0 none (all zero).  login_name_claim: 1 claimed,
 * 0 when another attempt changed it first.  login_name_purge forgets the
 * names whose lock and window ended before before.
 */
int login_name_get(db *d, const char *key, int *failed, int64_t *last_failed_at,
		   int64_t *locked_until) DB_CHECKED;
int login_name_claim(db *d, const char *key, int old_failed, int64_t old_last, int64_t old_locked,
		     int new_failed, int64_t at, int64_t new_locked) DB_CHECKED;
int login_name_purge(db *d, int64_t before) DB_CHECKED;

#endif
