/*
 * listener — the OsmAnd HTTP port: phones running Traccar Client send their
 * positions here (GET or POST, parameters or a JSON body).  Its own
 * libmicrohttpd daemon, separate from the API: no sessions, no cookies; the
 * device identifier in the request is the credential, checked against the
 * registered devices.  200 when stored, 400 naming the problem, 404 for an
 * unregistered device, 503 when the fix could not be made durable.
 */
#ifndef VIGIL_INGEST_LISTENER_H
#define VIGIL_INGEST_LISTENER_H

#include <stddef.h>

struct vigil;
struct osmand_server;

int osmand_server_start(struct vigil *v, const char *host, int port, struct osmand_server **out,
			char *err, size_t errlen);
int osmand_server_port(const struct osmand_server *s);
void osmand_server_stop(struct osmand_server *s);

#endif
