/*
 * text — escaping for display.  Invalid UTF-8 is escaped byte by byte rather
 * than replaced, so that what was sent can still be read from the log.
 */
#include "base/text.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <stdint.h>

/* The length of the valid UTF-8 sequence at s (n bytes left), 0 if none,
 * and its code point. */
static size_t utf8_seq(const unsigned char *s, size_t n, uint32_t *cp)
{
	size_t len, i;
	uint32_t c;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xC2 && s[0] <= 0xDF) {
		len = 2;
		c = s[0] & 0x1F;
	} else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
		len = 3;
		c = s[0] & 0x0F;
	} else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
		len = 4;
		c = s[0] & 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3F);
	}
	/* overlong forms, surrogates, beyond U+10FFFF */
	if ((len == 3 && c < 0x800) || (len == 4 && (c < 0x10000 || c > 0x10FFFF)) ||
	    (c >= 0xD800 && c <= 0xDFFF))
		return 0;
	*cp = c;
	return len;
}

/* Code points a terminal or a log viewer may act on rather than show. */
static bool unsafe(uint32_t c)
{
	return c < 0x20 || (c >= 0x7F && c <= 0x9F) || c == 0x200E || c == 0x200F ||
	       (c >= 0x2028 && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069);
}

size_t text_escape(const char *s, size_t n, char *out, size_t outlen)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;
	size_t o = 0, i = 0;

	if (outlen == 0)
		return 0;
	while (i < n) {
		uint32_t cp = 0;
		size_t len = utf8_seq(p + i, n - i, &cp);
		bool escape = len == 0 || unsafe(cp);
		size_t bytes = len ? len : 1;

		if (!escape && cp == '\\') {
			if (o + 2 >= outlen)
				break;
			out[o++] = '\\';
			out[o++] = '\\';
		} else if (!escape) {
			if (o + bytes >= outlen)
				break;
			for (size_t k = 0; k < bytes; k++)
				out[o++] = (char)p[i + k];
		} else {
			if (o + 4 * bytes >= outlen)
				break;
			for (size_t k = 0; k < bytes; k++) {
				out[o++] = '\\';
				out[o++] = 'x';
				out[o++] = hex[p[i + k] >> 4];
				out[o++] = hex[p[i + k] & 0xF];
			}
		}
		i += bytes;
	}
	out[o] = '\0';
	return o;
}

void text_utf8_cut(char *s)
{
	size_t n = strlen(s), i = n, need;
	unsigned char lead;

	while (i > 0 && ((unsigned char)s[i - 1] & 0xC0) == 0x80)
		i--;
	if (i == 0)
		return;
	lead = (unsigned char)s[i - 1];
	need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
	if (n - (i - 1) < need)
		s[i - 1] = '\0';
}

int text_vfail(char *why, size_t whylen, const char *fmt, va_list ap)
{
	if (why && whylen) {
		vsnprintf(why, whylen, fmt, ap);
		text_utf8_cut(why);
	}
	return -1;
}

int text_fail(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	text_vfail(why, whylen, fmt, ap);
	va_end(ap);
	return -1;
}

int text_index(const char *const *names, size_t n, const char *s)
{
	for (size_t i = 0; s && i < n && names[i]; i++)
		if (strcmp(names[i], s) == 0)
			return (int)i;
	return -1;
}

bool text_blank(const char *s)
{
	for (; s && *s; s++)
		if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
			return false;
	return true;
}
