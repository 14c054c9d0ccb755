/*
 * text — making outside text safe to show: in a log line, in an error message
 * that goes into JSON, on an operator's terminal; and the small things the
 * vocabularies and validators share.
 */
#ifndef VIGIL_BASE_TEXT_H
#define VIGIL_BASE_TEXT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Escape n bytes of s into out (outlen bytes, always NUL-terminated when
 * outlen > 0): a backslash becomes "\\", and every byte of a control
 * character (C0, DEL, C1), of a line or paragraph separator or bidirectional
 * control (U+2028, U+2029, U+200E-F, U+202A-E, U+2066-9), and of invalid
 * UTF-8 becomes "\xNN".  Valid printable UTF-8 is kept, so the result is
 * always valid UTF-8 on one line.  An escape is never cut: what does not fit
 * is dropped.  Returns the length of out.
 */
size_t text_escape(const char *s, size_t n, char *out, size_t outlen);

/* Drop a UTF-8 sequence left incomplete at the end of s by a cut. */
void text_utf8_cut(char *s);

/* Is s NULL, empty or only spaces, tabs and line ends? */
bool text_blank(const char *s);

/* Where s stands in names, a list that ends at a NULL or after n names (SIZE_MAX:
 * only at the NULL): its index, or -1 when it is not there or s is NULL. */
int text_index(const char *const *names, size_t n, const char *s);

/*
 * A refusal's reason, for the loaders and validators that answer -1 and a
 * sentence: fmt into why (when why and whylen are given), cut at a character
 * boundary, since the sentence may go into JSON.  Always -1.
 */
int text_fail(char *why, size_t whylen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int text_vfail(char *why, size_t whylen, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

#endif
