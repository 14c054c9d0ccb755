/*
 * http/limits — connections counted per remote address and in total, for
 * each listening port, before anyone signs in: one address (a script behind
 * one connection after another, trickling half a header each) cannot take
 * every connection the server has and shut staff out of signing in.  A
 * refused connection is closed at once and counted; the counts are in
 * /metrics.  Thread-safe; fixed size (an address beyond the table's room is
 * refused: the table cannot be grown from outside).
 *
 * Many addresses together could still fill the total.  So each connection
 * taken is also tracked with its state: one that has not finished its
 * request's headers (or its TLS handshake) within the header deadline, or
 * its body within the body deadline, is cut (its socket shut down; the
 * server then closes it as it would a client that left); and when the total
 * is reached, a new connection is taken by cutting the oldest one that is
 * waiting (no request yet, or idle between requests, for more than a
 * second) instead of being refused.  A request being answered (a live
 * stream, an authorised upload) is never cut.  A person signing in sends her
 * request in milliseconds: it is a trickling client that loses its place.
 */
#ifndef VIGIL_HTTP_LIMITS_H
#define VIGIL_HTTP_LIMITS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include <microhttpd.h>

#include "base/mem.h"

struct conn_limits;

/* port: the port's name in the metrics ("api", "osmand", "teltonika"). */
struct conn_limits *conn_limits_new(const char *port, int max_total, int max_per_addr);
void conn_limits_free(struct conn_limits *l);
/* A connection from addr: true to take it (it is counted until released),
 * false to refuse it (counted as refused, and why). */
bool conn_limits_admit(struct conn_limits *l, const struct sockaddr *addr, socklen_t len);
void conn_limits_release(struct conn_limits *l, const struct sockaddr *addr, socklen_t len);
/* The deadlines, in ms (0: none): headers (and TLS handshake) from the
 * connection's start, and a body from its headers. */
void conn_limits_deadlines(struct conn_limits *l, int64_t header_ms, int64_t body_ms);

/* What a tracked connection is doing. */
enum conn_state {
	CONN_WAITING, /* no request yet: handshake or headers arriving */
	CONN_BODY,    /* headers read, an unauthenticated body arriving */
	CONN_BUSY,    /* being answered (or an authorised upload): never cut */
	CONN_IDLE,    /* between requests on a kept-alive connection */
};
struct conn_track;
/* A connection taken (conn_limits_admit said yes), its socket fd: tracked
 * until conn_limits_untrack(), which also releases its count. */
struct conn_track *conn_limits_track(struct conn_limits *l, int fd, const struct sockaddr *addr,
				     socklen_t len);
void conn_limits_set_state(struct conn_limits *l, struct conn_track *t, enum conn_state st);
void conn_limits_untrack(struct conn_limits *l, struct conn_track *t);

/*
 * libmicrohttpd glue, for a daemon whose connections these limits count:
 * give conn_limits_mhd_accept to MHD_start_daemon as its accept policy and
 * conn_limits_mhd_notify as MHD_OPTION_NOTIFY_CONNECTION, each with the
 * limits as its closure; move a connection's state with
 * conn_limits_mhd_state as its requests go (headers in, body in, answered).
 */
enum MHD_Result conn_limits_mhd_accept(void *limits, const struct sockaddr *addr, socklen_t len);
void conn_limits_mhd_notify(void *limits, struct MHD_Connection *c, void **socket_context,
			    enum MHD_ConnectionNotificationCode toe);
void conn_limits_mhd_state(struct conn_limits *l, struct MHD_Connection *c, enum conn_state st);

/* Bytes of unfinished device packets held now, for a port's metrics (its
 * own budget): the port adds and takes them as it buffers and frees. */
void conn_limits_buffered(struct conn_limits *l, long long delta);

/* Count something else refused before sign-in on this port (a body too
 * large, a device packet too big or too slow...). */
void conn_limits_refused(struct conn_limits *l, const char *reason);
/* The Prometheus lines for this port. */
void conn_limits_render(struct conn_limits *l, struct buf *out);

#endif
