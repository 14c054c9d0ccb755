/*
 * http/route — path matching for the route table.
 */
#include "http/route.h"

#include <stdlib.h>
#include <string.h>

#include "base/mem.h"

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decode %XX escapes of one segment; NULL when malformed or decoding to a NUL
 * or a '/' (which would change the segment structure). */
static char *segment_decode(const char *s, size_t n)
{
	char *out = xmalloc(n + 1), *o = out;

	for (size_t i = 0; i < n; i++) {
		if (s[i] == '%') {
			int hi, lo;

			if (i + 2 >= n) {
				free(out);
				return NULL;
			}
			hi = hexval(s[i + 1]);
			lo = hexval(s[i + 2]);
			if (hi < 0 || lo < 0 || (hi == 0 && lo == 0) || (hi == 2 && lo == 15)) {
				free(out);
				return NULL;
			}
			*o++ = (char)(hi * 16 + lo);
			i += 2;
		} else {
			*o++ = s[i];
		}
	}
	*o = '\0';
	return out;
}

bool route_match(const char *pattern, const char *path, const char **names, char **values,
		 int max, int *count)
{
	const char *p = pattern, *q = path;
	int n = 0;

	*count = 0;
	while (*p && *q) {
		const char *pe = strchr(p + 1, '/'), *qe = strchr(q + 1, '/');
		size_t plen, qlen;

		if (*p != '/' || *q != '/')
			goto nomatch;
		p++;
		q++;
		pe = pe ? pe : p + strlen(p);
		qe = qe ? qe : q + strlen(q);
		plen = (size_t)(pe - p);
		qlen = (size_t)(qe - q);
		if (plen > 2 && p[0] == '{' && p[plen - 1] == '}') {
			char *v;

			if (qlen == 0 || n >= max)
				goto nomatch;
			v = segment_decode(q, qlen);
			if (!v)
				goto nomatch;
			/* the name points into the static pattern, just after '{', and
			 * ends at the '}' (see req_param) */
			names[n] = p + 1;
			values[n++] = v;
		} else if (plen != qlen || memcmp(p, q, plen) != 0) {
			goto nomatch;
		}
		p = pe;
		q = qe;
	}
	if (*p || *q)
		goto nomatch;
	*count = n;
	return true;
nomatch:
	for (int i = 0; i < n; i++)
		free(values[i]);
	return false;
}
