/*
 * mem — allocation and growable byte buffers.
 *
 * Allocation policy (one for the whole program, see docs/ARCHITECTURE.md): an
 * allocation that fails aborts the process with a message, as Redis and Kore do.
 * Callers therefore never test xmalloc() and friends for NULL.  Vigil's memory
 * use is bounded by configured limits (request bodies, pools), so running out
 * of memory is an operational fault, not an input the code must survive.
 */
#ifndef VIGIL_BASE_MEM_H
#define VIGIL_BASE_MEM_H

#include <stdarg.h>
#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* printf into a new string; caller frees. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

/* A growable byte buffer, always NUL-terminated.  Owns its storage. */
struct buf {
	char *data;
	size_t len;
	size_t cap;
};

void buf_init(struct buf *b);
void buf_free(struct buf *b);
void buf_reset(struct buf *b);
void buf_append(struct buf *b, const void *data, size_t n);
void buf_puts(struct buf *b, const char *s);
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_vprintf(struct buf *b, const char *fmt, va_list ap);
/* Take the contents (caller frees); the buffer is left empty. */
char *buf_steal(struct buf *b);

#endif
