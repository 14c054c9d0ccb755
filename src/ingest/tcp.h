/*
 * tcp — the Teltonika TCP listener: one thread, epoll, non-blocking sockets.
 *
 * Each connection: the IMEI handshake (0x01 for a registered device, 0x00
 * and close otherwise), then packets, each acknowledged with its record count
 * only after its fixes are stored.  A packet with a bad CRC or length is
 * refused without acknowledgement and its connection closed (no resync on a
 * corrupt stream); other connections are not disturbed.  A connection silent
 * for longer than the idle timeout (slow or half-open) is closed.
 *
 * Commands to a tag (ingest/reporting.h) are written on its session as
 * Codec 12 between its packets: never while a packet of it waits for its
 * acknowledgement, and only once one has been acknowledged, so a tag reads
 * them where it expects the server to speak.  Its Codec 12 responses come
 * among its data packets and answer its commands in order; a command not
 * answered within the timeout, or whose session closes first, is reported
 * unanswered.  A tag that connects while it is owed a command (it has not
 * acknowledged the mode asked of it last) gets it after its first packet.
 */
#ifndef VIGIL_INGEST_TCP_H
#define VIGIL_INGEST_TCP_H

#include <stddef.h>

struct vigil;
struct tcp_server;

int tcp_server_start(struct vigil *v, const char *host, int port, int idle_s,
		     struct tcp_server **out, char *err, size_t errlen);
int tcp_server_port(const struct tcp_server *s);
/* Listen also on host:port for tags that speak TLS (Teltonika FMB firmware
 * that supports it), with the server's certificate (http/tls.h: the one
 * the API serves, read again on SIGHUP); the protocol inside is the same.
 * Before the listener's thread serves: call right after tcp_server_start.
 * 0, or -1 with err. */
struct tls_store;
int tcp_server_listen_tls(struct tcp_server *s, const char *host, int port, struct tls_store *t,
			  char *err, size_t errlen);
int tcp_server_tls_port(const struct tcp_server *s);
void tcp_server_stop(struct tcp_server *s);
struct reporting_request;
/* Write rq's command on the session of rq->device_id here (queued for the
 * listener's thread: never blocks).  What becomes of it goes to the node's
 * reporting (reporting_outcome): no session here, sent, answered or not. */
void tcp_server_command(struct tcp_server *s, const struct reporting_request *rq);

#endif
