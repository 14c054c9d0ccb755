/*
 * http/route — the shape of a route table entry, and path matching.
 *
 * The table itself is data in src/api/routes.c: method, pattern, the one
 * permission that guards it, the handler, and a name used for the audit trail
 * and metrics.  Patterns are literal segments and {name} placeholders, each
 * placeholder matching one non-empty segment.
 */
#ifndef VIGIL_HTTP_ROUTE_H
#define VIGIL_HTTP_ROUTE_H

#include <stdbool.h>

#include "core/access.h"

struct req;

enum route_flags {
	ROUTE_AUDIT_READ = 1 << 0, /* audit this read (GET) as well */
	ROUTE_TEXT = 1 << 1,       /* answers text, not JSON (e.g. /metrics) */
	ROUTE_UPLOAD = 1 << 2,     /* the body is a file (up to attachment_max), streamed
				    * to disk and hashed, not parsed as JSON */
	ROUTE_DEVICE_TOKEN = 1 << 3, /* open to a token bound to devices (which may use
				      * these routes only, for its devices) */
	ROUTE_CASE_FILE = 1 << 4,   /* a route on a case's file (CASE_PART_FILE) */
	ROUTE_VICTIM_CARE = 1 << 5, /* a route on her care (CASE_PART_VICTIM_CARE) */
	ROUTE_CLINICAL = 1 << 6,    /* on his clinical record (CASE_PART_CLINICAL) */
};

struct route {
	const char *method;
	const char *pattern;
	enum perm perm;
	void (*handler)(struct req *r);
	const char *name;    /* "user.create": audit action and metrics label */
	unsigned flags;
	const char *summary; /* one line for docs/ACCESS.md */
};

/*
 * Match path against pattern.  On a match returns true and stores up to max
 * placeholders: names[i] points into the pattern just after '{' (the name ends
 * at '}'), values[i] is the URL-decoded segment, which the caller frees.
 */
bool route_match(const char *pattern, const char *path, const char **names, char **values,
		 int max, int *count);

#endif
