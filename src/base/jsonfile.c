/*
 * base/jsonfile — a JSON file read whole, checked (base/jsonfile.h).
 */
#include "base/jsonfile.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "base/mem.h"
#include "base/text.h"

json_t *jsonfile_load(const char *path, size_t max, char *why, size_t whylen)
{
	FILE *f = fopen(path, "rb");
	json_t *root = NULL;
	json_error_t jerr;
	struct buf b;
	char chunk[8192];
	size_t n;

	buf_init(&b);
	if (!f) {
		snprintf(why, whylen, "cannot open: %s", strerror(errno));
		goto out;
	}
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
		buf_append(&b, chunk, n);
		if (b.len > max) {
			snprintf(why, whylen, "larger than %zu bytes", max);
			goto out;
		}
	}
	if (ferror(f)) {
		snprintf(why, whylen, "cannot read: %s", strerror(errno));
		goto out;
	}
	root = json_loadb(b.data ? b.data : "", b.len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		/* jansson quotes the input near the error, maybe half a UTF-8
		 * character of it: the message must stay text */
		char text[4 * sizeof jerr.text];

		text_escape(jerr.text, strlen(jerr.text), text, sizeof text);
		snprintf(why, whylen, "line %d, column %d: %s", jerr.line, jerr.column, text);
	}
out:
	buf_free(&b);
	if (f)
		fclose(f);
	return root;
}
