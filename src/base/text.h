/*
 * text — making outside text safe to show: in a log line, in an error message
 * that goes into JSON, on an operator's terminal.
 */
#ifndef VIGIL_BASE_TEXT_H
#define VIGIL_BASE_TEXT_H

#include <stddef.h>

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

#endif
