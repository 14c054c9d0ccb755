/*
 * account — validation of account fields.
 */
#include "core/account.h"

#include <stdio.h>
#include <string.h>

#include "base/text.h"

static int ident_check(const char *what, const char *s, size_t max, char *why, size_t whylen)
{
	size_t n = s ? strlen(s) : 0;

	if (n < 2 || n > max)
		return text_fail(why, whylen, "%s must be 2 to %zu characters long", what, max);
	if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= '0' && s[0] <= '9')))
		return text_fail(why, whylen,
				 "%s must start with a lowercase letter or a digit", what);
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		      c == '-'))
			return text_fail(why, whylen,
					 "%s may contain only lowercase letters, digits, '.', '_' and '-'",
					 what);
	}
	return 0;
}

int account_username_check(const char *s, char *why, size_t whylen)
{
	return ident_check("a username", s, 64, why, whylen);
}

int account_agency_code_check(const char *s, char *why, size_t whylen)
{
	return ident_check("an agency code", s, 32, why, whylen);
}

int account_text_clean(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (i < n) {
		unsigned char c = p[i];
		size_t len;
		unsigned cp;

		if (c < 0x80) {
			if (c < 0x20 || c == 0x7f)
				return 0;
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			len = 2;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			len = 3;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			len = 4;
			cp = c & 0x07;
		} else {
			return 0;
		}
		if (i + len > n)
			return 0;
		for (size_t k = 1; k < len; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (p[i + k] & 0x3f);
		}
		/* overlong forms, surrogates and beyond U+10FFFF */
		if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		/* C1 control characters */
		if (cp >= 0x80 && cp <= 0x9f)
			return 0;
		i += len;
	}
	return 1;
}

int account_display_name_check(const char *s, char *why, size_t whylen)
{
	size_t n = s ? strlen(s) : 0;

	if (n < 1 || n > 200)
		return text_fail(why, whylen, "a name must be 1 to 200 bytes long");
	if (!account_text_clean(s, n))
		return text_fail(why, whylen,
				 "a name must be UTF-8 text without control characters");
	return 0;
}

int account_password_check(const char *pw, const char *username, char *why, size_t whylen)
{
	size_t n = pw ? strlen(pw) : 0;
	size_t i;

	if (n < ACCOUNT_PASSWORD_MIN)
		return text_fail(why, whylen, "a password must be at least %d characters long",
				 ACCOUNT_PASSWORD_MIN);
	if (n > ACCOUNT_PASSWORD_MAX)
		return text_fail(why, whylen, "a password may be at most %d characters long",
				 ACCOUNT_PASSWORD_MAX);
	for (i = 1; i < n && pw[i] == pw[0]; i++)
		;
	if (i == n)
		return text_fail(why, whylen, "a password must not be one character repeated");
	if (username && strcmp(pw, username) == 0)
		return text_fail(why, whylen, "a password must not be the username");
	return 0;
}

/* Failures that still count at now. */
static int live_failures(const struct login_policy *p, int failed, int64_t last_failed_at,
			 int64_t locked_until, int64_t now)
{
	if (locked_until && locked_until <= now)
		return 0; /* the lock has been served */
	if (!last_failed_at || now - last_failed_at >= p->window_ms)
		return 0;
	return failed;
}

enum login_gate account_login_gate(const struct login_policy *p, int failed,
				   int64_t last_failed_at, int64_t locked_until, int64_t now,
				   int64_t *retry_ms)
{
	int n;
	int64_t wait;

	*retry_ms = 0;
	if (locked_until > now) {
		*retry_ms = locked_until - now;
		return LOGIN_LOCKED;
	}
	n = live_failures(p, failed, last_failed_at, locked_until, now);
	if (n < 2)
		return LOGIN_ALLOW;
	wait = p->backoff_ms;
	for (int i = 2; i < n && wait < p->lockout_ms; i++)
		wait *= 2;
	if (wait > p->lockout_ms)
		wait = p->lockout_ms;
	if (now < last_failed_at + wait) {
		*retry_ms = last_failed_at + wait - now;
		return LOGIN_WAIT;
	}
	return LOGIN_ALLOW;
}

void account_login_failure(const struct login_policy *p, int failed, int64_t last_failed_at,
			   int64_t locked_until, int64_t now, int *new_failed,
			   int64_t *new_locked_until)
{
	int n = live_failures(p, failed, last_failed_at, locked_until, now) + 1;

	*new_failed = n;
	*new_locked_until = n >= p->max_failures ? now + p->lockout_ms : 0;
}
