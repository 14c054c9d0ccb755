/*
 * account — rules for usernames, display names, agency codes and passwords.
 * Pure: each check returns 0, or -1 with a sentence in why saying what is
 * wrong in words a user can act on.
 */
#ifndef VIGIL_CORE_ACCOUNT_H
#define VIGIL_CORE_ACCOUNT_H

#include <stddef.h>
#include <stdint.h>

#define ACCOUNT_PASSWORD_MIN 12
#define ACCOUNT_PASSWORD_MAX 1024

/* 2-64 characters: lowercase letters, digits, '.', '_', '-'; starts with a letter or digit. */
int account_username_check(const char *s, char *why, size_t whylen);
/* Same alphabet as usernames, 2-32 characters. */
int account_agency_code_check(const char *s, char *why, size_t whylen);
/* 1-200 bytes of valid UTF-8 with no control characters. */
int account_display_name_check(const char *s, char *why, size_t whylen);
/* 12-1024 bytes, not all one character, not the username. */
int account_password_check(const char *pw, const char *username, char *why, size_t whylen);
/* True when s (of length n) is valid UTF-8 with no control characters. */
int account_text_clean(const char *s, size_t n);

/*
 * Sign-in throttling for one account.  The first failure costs nothing (a
 * typo); from the second, each attempt must wait backoff_ms, doubling with
 * each further failure; at max_failures the account is locked for lockout_ms.
 * Failures older than window_ms are forgotten, and so is a lock that ended.
 */
struct login_policy {
	int max_failures;
	int64_t backoff_ms;
	int64_t lockout_ms;
	int64_t window_ms;
};

enum login_gate { LOGIN_ALLOW, LOGIN_WAIT, LOGIN_LOCKED };

/* May the account try now?  On WAIT or LOCKED, *retry_ms says how long until it may. */
enum login_gate account_login_gate(const struct login_policy *p, int failed,
				   int64_t last_failed_at, int64_t locked_until, int64_t now,
				   int64_t *retry_ms);
/* The account's state after one more failure at now. */
void account_login_failure(const struct login_policy *p, int failed, int64_t last_failed_at,
			   int64_t locked_until, int64_t now, int *new_failed,
			   int64_t *new_locked_until);

#endif
