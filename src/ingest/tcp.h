/*
 * tcp — the Teltonika TCP listener: one thread, epoll, non-blocking sockets.
 *
 * Each connection: the IMEI handshake (0x01 for a registered device, 0x00
 * and close otherwise), then packets, each acknowledged with its record count
 * only after its fixes are stored.  A packet with a bad CRC or length is
 * refused without acknowledgement and its connection closed (no resync on a
 * corrupt stream); other connections are not disturbed.  A connection silent
 * for longer than the idle timeout (slow or half-open) is closed.
 */
#ifndef VIGIL_INGEST_TCP_H
#define VIGIL_INGEST_TCP_H

#include <stddef.h>

struct vigil;
struct tcp_server;

int tcp_server_start(struct vigil *v, const char *host, int port, int idle_s,
		     struct tcp_server **out, char *err, size_t errlen);
int tcp_server_port(const struct tcp_server *s);
void tcp_server_stop(struct tcp_server *s);

#endif
