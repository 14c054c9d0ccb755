/*
 * identifier — normalisation of the identifiers that link cases.
 *
 * Each kind has one normaliser, listed in the kinds table below.  A normaliser
 * writes at most IDENTIFIER_MAX bytes into a scratch buffer; identifier_normalise
 * then copies the result out only if it fits, so nothing is ever truncated.
 * Every normaliser is idempotent: its output, normalised again, is itself
 * (tests/fuzz/fuzz_identifier.c checks this).  Only ASCII is case-folded;
 * other bytes are kept as they are.
 */
#include "core/identifier.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "base/text.h"
#include "core/account.h"

#define PHONE_DIGITS_MAX 32 /* room for "00", a trunk "(0)" and 15 digits, with margin */
#define E164_MIN 8
#define E164_MAX 15
#define EMAIL_MAX 254 /* RFC 5321: a path is at most 256 bytes including "<>" */
#define PLATFORM_MAX 32
#define HANDLE_MAX 100
#define VEHICLE_MIN 2
#define VEHICLE_MAX 10
#define ADDRESS_MAX 300

_Static_assert(IDENTIFIER_MAX >= 1 + E164_MAX && IDENTIFIER_MAX >= EMAIL_MAX &&
		       IDENTIFIER_MAX >= PLATFORM_MAX + 1 + HANDLE_MAX &&
		       IDENTIFIER_MAX >= VEHICLE_MAX && IDENTIFIER_MAX >= ADDRESS_MAX,
	       "IDENTIFIER_MAX must hold the longest normalised identifier of every kind");


/* ASCII only, whatever the locale. */
static bool is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

static bool is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static bool is_letter(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static char lower(unsigned char c)
{
	return (char)(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
}

static char upper(unsigned char c)
{
	return (char)(c >= 'a' && c <= 'z' ? c - ('a' - 'A') : c);
}

/* The bounds [*b, *e) of s without surrounding ASCII whitespace. */
static void trim(const char *s, const char **b, const char **e)
{
	const char *p = s, *q = s + strlen(s);

	while (p < q && is_space((unsigned char)*p))
		p++;
	while (q > p && is_space((unsigned char)q[-1]))
		q--;
	*b = p;
	*e = q;
}

/*
 * Phone numbers to E.164.  A number is international when it starts with '+'
 * or "00", and otherwise must be a UK national number starting with a single
 * 0 (the trunk prefix), which is replaced by +44.  A number with neither is
 * refused rather than guessed at: "7700 900123" could be a UK number missing
 * its 0 or a foreign one missing its '+'.
 *
 * "(0)" in an international number ("+44 (0)20 7946 0018", "+49 (0)30 ...")
 * is the trunk digit, which is not dialled from abroad, so it is dropped
 * whatever the country.  A bare 0 straight after +44 is dropped too, since UK
 * numbers never start with 0 after the country code; other countries (Italy)
 * keep such a 0, so there it stays.
 */
static int phone_normalise(const char *s, char *buf, char *why, size_t whylen)
{
	char d[PHONE_DIGITS_MAX];
	bool trunk[PHONE_DIGITS_MAX]; /* the digit was a "(0)" group on its own */
	size_t n = 0, open = 0, start, len = 0;
	bool plus = false, in_paren = false, blank = true;

	for (const char *p = s; *p; p++) {
		unsigned char c = (unsigned char)*p;

		if (!is_space(c))
			blank = false;
		if (is_digit(c)) {
			if (n == PHONE_DIGITS_MAX)
				return text_fail(why, whylen, "a phone number has at most %d digits",
					    E164_MAX);
			trunk[n] = false;
			d[n++] = (char)c;
		} else if (c == '+') {
			/* "(+44) 7700 900123" is fine; a '+' after any digit is not */
			if (plus || n > 0)
				return text_fail(why, whylen,
					    "a '+' may appear only once, at the start of a phone number");
			plus = true;
		} else if (c == '(') {
			if (in_paren)
				return text_fail(why, whylen,
					    "the parentheses in a phone number do not match");
			in_paren = true;
			open = n;
		} else if (c == ')') {
			if (!in_paren)
				return text_fail(why, whylen,
					    "the parentheses in a phone number do not match");
			in_paren = false;
			if (n == open + 1 && d[open] == '0')
				trunk[open] = true;
		} else if (!(is_space(c) || c == '-' || c == '.')) {
			return text_fail(why, whylen,
				    "a phone number may contain only digits, spaces, '+', '-', '.', "
				    "'(' and ')'");
		}
	}
	if (blank)
		return text_fail(why, whylen, "a phone number must not be empty");
	if (in_paren)
		return text_fail(why, whylen, "the parentheses in a phone number do not match");
	if (n == 0 && !plus)
		return text_fail(why, whylen, "a phone number must contain digits");

	if (plus) {
		start = 0;
	} else if (n >= 2 && d[0] == '0' && d[1] == '0') {
		start = 2;
	} else if (d[0] == '0') {
		/* UK national: the trunk 0 becomes +44 */
		if (n - 1 != 9 && n - 1 != 10)
			return text_fail(why, whylen,
				    "a UK phone number has 10 digits after the leading 0 "
				    "(9 for some older numbers)");
		memcpy(buf, "+44", 3);
		memcpy(buf + 3, d + 1, n - 1);
		buf[3 + n - 1] = '\0';
		return 0;
	} else {
		return text_fail(why, whylen,
			    "a phone number must start with 0 (a UK number), or with '+' or 00 "
			    "and the country code");
	}

	buf[len++] = '+';
	for (size_t i = start; i < n; i++) {
		if (trunk[i] && i > start)
			continue;
		if (len > E164_MAX)
			return text_fail(why, whylen,
				    "an international phone number has at most %d digits after the "
				    "country prefix",
				    E164_MAX);
		buf[len++] = d[i];
	}
	buf[len] = '\0';
	if (len == 1)
		return text_fail(why, whylen,
			    "a phone number needs the country code and number after '+' or 00");
	if (buf[1] == '0')
		return text_fail(why, whylen, "a country code never starts with 0");
	if (buf[1] == '4' && buf[2] == '4') {
		size_t rest;

		if (buf[3] == '0') { /* "+44 07700 900123": the trunk 0 typed by habit */
			memmove(buf + 3, buf + 4, len - 3); /* with the NUL */
			len--;
		}
		rest = len - 3;
		if (buf[3] == '0' || (rest != 9 && rest != 10))
			return text_fail(why, whylen,
				    "a UK phone number has 10 digits after +44 (9 for some older "
				    "numbers), the first of them not 0");
		return 0;
	}
	if (len - 1 < E164_MIN)
		return text_fail(why, whylen,
			    "an international phone number has at least %d digits after the "
			    "country prefix",
			    E164_MIN);
	return 0;
}

/*
 * Email addresses: trimmed and lowercased.  Strictly the local part is case-
 * sensitive (RFC 5321), but no mail provider in practice treats it so, and a
 * suspect's address typed with a capital must still match.  Dots and "+tags"
 * in the local part are kept: Gmail ignores them, most providers do not, so
 * removing them could link two different people.  Quoted local parts with
 * spaces are refused; no one uses them.
 */
static int email_normalise(const char *s, char *buf, char *why, size_t whylen)
{
	const char *b, *e, *at = NULL;
	size_t n, ats = 0;

	trim(s, &b, &e);
	n = (size_t)(e - b);
	if (n == 0)
		return text_fail(why, whylen, "an email address must not be empty");
	if (n > EMAIL_MAX)
		return text_fail(why, whylen, "an email address may be at most %d characters long",
			    EMAIL_MAX);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)b[i];

		if (c <= ' ' || c == 0x7f)
			return text_fail(why, whylen,
				    "an email address must not contain spaces or control characters");
		if (c == '@') {
			ats++;
			at = buf + i;
		}
		buf[i] = lower(c);
	}
	buf[n] = '\0';
	if (!account_text_clean(buf, n))
		return text_fail(why, whylen,
			    "an email address must be UTF-8 text without control characters");
	if (ats != 1)
		return text_fail(why, whylen, "an email address must contain exactly one '@'");
	if (at == buf)
		return text_fail(why, whylen, "an email address needs a name before the '@'");
	{
		const char *dom = at + 1, *end = buf + n;

		/* labels separated by single dots, at least two of them */
		if (dom == end || *dom == '.' || end[-1] == '.' ||
		    !memchr(dom, '.', (size_t)(end - dom)) || strstr(dom, ".."))
			return text_fail(why, whylen,
				    "an email address needs a domain after the '@', such as "
				    "example.com");
	}
	return 0;
}

/*
 * Social-media handles: "[platform:][@]name".  The platform is letters only
 * and optional, so "instagram:@Jane_Doe" and "@jane_doe" normalise to
 * "instagram:jane_doe" and "jane_doe"; they do not match each other, since a
 * handle without its platform may belong to someone else elsewhere.
 */
static int handle_normalise(const char *s, char *buf, char *why, size_t whylen)
{
	const char *b, *e, *colon, *h;
	size_t len = 0, n;

	trim(s, &b, &e);
	if (b == e)
		return text_fail(why, whylen, "a handle must not be empty");
	colon = memchr(b, ':', (size_t)(e - b));
	h = b;
	if (colon) {
		const char *pe = colon;

		while (pe > b && is_space((unsigned char)pe[-1]))
			pe--;
		if (pe == b)
			return text_fail(why, whylen, "a platform name is needed before the ':'");
		if (pe - b > PLATFORM_MAX)
			return text_fail(why, whylen, "a platform name may be at most %d letters long",
				    PLATFORM_MAX);
		for (const char *p = b; p < pe; p++) {
			if (!is_letter((unsigned char)*p))
				return text_fail(why, whylen,
					    "a platform name before the ':' may contain only letters");
			buf[len++] = lower((unsigned char)*p);
		}
		buf[len++] = ':';
		h = colon + 1;
		while (h < e && is_space((unsigned char)*h))
			h++;
	}
	if (h < e && *h == '@')
		h++;
	n = (size_t)(e - h);
	if (n < 1 || n > HANDLE_MAX)
		return text_fail(why, whylen, "a handle must be 1 to %d characters long, after any '@'",
			    HANDLE_MAX);
	for (const char *p = h; p < e; p++) {
		unsigned char c = (unsigned char)*p;

		if (!(is_letter(c) || is_digit(c) || c == '_' || c == '.' || c == '-'))
			return text_fail(why, whylen,
				    "a handle may contain only letters, digits, '_', '.' and '-'");
		buf[len++] = lower(c);
	}
	buf[len] = '\0';
	return 0;
}

/* Vehicle registrations: "ab12 cde" and "AB12-CDE" are both "AB12CDE". */
static int vehicle_normalise(const char *s, char *buf, char *why, size_t whylen)
{
	size_t len = 0;

	for (const char *p = s; *p; p++) {
		unsigned char c = (unsigned char)*p;

		if (is_space(c) || c == '-')
			continue;
		if (!(is_letter(c) || is_digit(c)))
			return text_fail(why, whylen,
				    "a vehicle registration may contain only letters, digits, "
				    "spaces and '-'");
		if (len == VEHICLE_MAX)
			return text_fail(why, whylen,
				    "a vehicle registration has %d to %d letters and digits",
				    VEHICLE_MIN, VEHICLE_MAX);
		buf[len++] = upper(c);
	}
	if (len < VEHICLE_MIN)
		return text_fail(why, whylen, "a vehicle registration has %d to %d letters and digits",
			    VEHICLE_MIN, VEHICLE_MAX);
	buf[len] = '\0';
	return 0;
}

/*
 * Postal addresses, for matching only (the address as typed is kept
 * elsewhere): ASCII lowercased, every run of ASCII punctuation and whitespace
 * made one space, trimmed.  Line breaks and tabs count as whitespace, since an
 * address is often typed on several lines; other control characters are
 * refused.  Apostrophes are dropped rather than spaced, so "St John's Road"
 * matches "St Johns Road"; the typographic apostrophe U+2019 is treated the
 * same, and a no-break space U+00A0 as a space, as both arrive by copy and
 * paste.  Other non-ASCII text is kept as it is.
 */
static int address_normalise(const char *s, char *buf, char *why, size_t whylen)
{
	char clean[ADDRESS_MAX + 1];
	size_t n = strlen(s), len = 0;
	bool gap = false;

	if (n > ADDRESS_MAX)
		return text_fail(why, whylen, "an address may be at most %d bytes long", ADDRESS_MAX);
	memcpy(clean, s, n + 1);
	for (size_t i = 0; i < n; i++)
		if (clean[i] == '\t' || clean[i] == '\n' || clean[i] == '\r')
			clean[i] = ' ';
	if (!account_text_clean(clean, n))
		return text_fail(why, whylen, "an address must be UTF-8 text without control characters");
	/* the text is valid UTF-8, so 0xc2 and 0xe2 below are lead bytes */
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)clean[i];

		if (c == '\'')
			continue;
		if (c == 0xe2 && i + 2 < n && (unsigned char)clean[i + 1] == 0x80 &&
		    (unsigned char)clean[i + 2] == 0x99) {
			i += 2; /* U+2019 RIGHT SINGLE QUOTATION MARK */
			continue;
		}
		if (c == 0xc2 && i + 1 < n && (unsigned char)clean[i + 1] == 0xa0) {
			i++; /* U+00A0 NO-BREAK SPACE */
			gap = true;
			continue;
		}
		if (!(is_letter(c) || is_digit(c) || c >= 0x80)) {
			gap = true;
			continue;
		}
		if (gap && len > 0)
			buf[len++] = ' ';
		gap = false;
		buf[len++] = lower(c);
	}
	if (len == 0)
		return text_fail(why, whylen, "an address must contain letters or digits");
	buf[len] = '\0';
	return 0;
}

/* The kinds, in enum order. */
static const struct {
	const char *name;
	const char *what; /* for messages: "no %s was given" */
	int (*normalise)(const char *s, char *buf, char *why, size_t whylen);
} kinds[IDENT_KIND_COUNT] = {
	[IDENT_PHONE] = { "phone", "phone number", phone_normalise },
	[IDENT_EMAIL] = { "email", "email address", email_normalise },
	[IDENT_HANDLE] = { "handle", "handle", handle_normalise },
	[IDENT_VEHICLE] = { "vehicle", "vehicle registration", vehicle_normalise },
	[IDENT_ADDRESS] = { "address", "address", address_normalise },
};

const char *identifier_kind_name(enum identifier_kind k)
{
	if ((unsigned)k >= IDENT_KIND_COUNT)
		return NULL;
	return kinds[k].name;
}

int identifier_kind_parse(const char *name, enum identifier_kind *out)
{
	if (!name)
		return -1;
	for (int k = 0; k < IDENT_KIND_COUNT; k++) {
		if (strcmp(name, kinds[k].name) == 0) {
			if (out)
				*out = (enum identifier_kind)k;
			return 0;
		}
	}
	return -1;
}

int identifier_normalise(enum identifier_kind k, const char *value, char *out, size_t outlen,
			 char *why, size_t whylen)
{
	char buf[IDENTIFIER_MAX + 1];
	size_t n;

	if (out && outlen)
		out[0] = '\0';
	if (why && whylen)
		why[0] = '\0';
	if ((unsigned)k >= IDENT_KIND_COUNT)
		return text_fail(why, whylen, "unknown kind of identifier");
	if (!value)
		return text_fail(why, whylen, "no %s was given", kinds[k].what);
	if (kinds[k].normalise(value, buf, why, whylen) != 0)
		return -1;
	n = strlen(buf);
	if (!out || n >= outlen)
		return text_fail(why, whylen, "the %s is too long to store (%zu bytes)", kinds[k].what,
			    n);
	memcpy(out, buf, n + 1);
	return 0;
}
