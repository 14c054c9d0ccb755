/*
 * http/limits — connections counted per remote address and in total, for
 * each listening port, before anyone signs in: one address (a script behind
 * one connection after another, trickling half a header each) cannot take
 * every connection the server has and shut staff out of signing in.  A
 * refused connection is closed at once and counted; the counts are in
 * /metrics.  Thread-safe; fixed size (an address beyond the table's room is
 * refused: the table cannot be grown from outside).
 */
#ifndef VIGIL_HTTP_LIMITS_H
#define VIGIL_HTTP_LIMITS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "base/mem.h"

struct conn_limits;

/* port: the port's name in the metrics ("api", "osmand", "teltonika"). */
struct conn_limits *conn_limits_new(const char *port, int max_total, int max_per_addr);
void conn_limits_free(struct conn_limits *l);
/* A connection from addr: true to take it (it is counted until released),
 * false to refuse it (counted as refused, and why). */
bool conn_limits_admit(struct conn_limits *l, const struct sockaddr *addr, socklen_t len);
void conn_limits_release(struct conn_limits *l, const struct sockaddr *addr, socklen_t len);
/* Count something else refused before sign-in on this port (a body too
 * large, a device packet too big or too slow...). */
void conn_limits_refused(struct conn_limits *l, const char *reason);
/* The Prometheus lines for this port. */
void conn_limits_render(struct conn_limits *l, struct buf *out);

#endif
