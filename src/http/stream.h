/*
 * http/stream — the live alert stream (Server-Sent Events).
 *
 * Each client's connection is suspended while there is nothing to send and
 * resumed by stream_wake(), which the engine calls after it records alert
 * events, and which the node thread (monitor/node.c) calls when another node
 * announced events (stream_announce).  Events are read from the alert_events
 * table, so their ids are the same on every node, and a client that
 * reconnects with Last-Event-ID gets everything it missed, on any node.  A
 * generation counter closes the race between "nothing new" and suspending.
 * A comment line every 15 seconds keeps proxies from closing an idle stream.
 *
 * Rights are checked at every event, not once: before each read of new
 * events and at each keep-alive the client's session (or token) and account
 * are read again (http/auth's auth_recheck); when she signed out, the token
 * was revoked or expired, the account was disabled or her role lost the
 * permission, the stream sends one last event, `end`, with the reason, and
 * closes.  Cases are judged with her role and agency as they are now.
 */
#ifndef VIGIL_HTTP_STREAM_H
#define VIGIL_HTTP_STREAM_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "db/db.h"

struct stream_hub;
struct req;

#include "store/cases.h"
#include "store/monitor.h"

/* event_json builds one event's data for the client's viewer (the caller owns
 * the result), or NULL when the viewer may not see it (it is skipped). */
typedef json_t *(*stream_event_fn)(db *d, int64_t event_id, int64_t alert_id, const char *kind,
				    int64_t at, const struct viewer *v);

struct stream_hub *stream_new(db_pool *pool, stream_event_fn event_json);
/* Wake every waiting client of this node (there may be new events). */
void stream_wake(struct stream_hub *h);
/* The channel on which nodes sharing a database hear of new events (store/
 * monitor.h: adding an alert event notifies it). */
#define STREAM_CHANNEL ALERT_EVENTS_CHANNEL
/* In the write transaction on d that adds alert events: the streams of the
 * other nodes are woken when it commits (nothing on SQLite).  Call
 * stream_wake() after the commit for this node's own clients.  Negative on a
 * database error, which spoils the transaction. */
int stream_announce(db *d);
/* On shutdown: end every stream. */
void stream_close(struct stream_hub *h);
void stream_free(struct stream_hub *h);
/* Answer r with a stream starting after event last_id (0: from now on),
 * for r's caller, as long as she keeps permission perm. */
void stream_attach(struct stream_hub *h, struct req *r, int64_t last_id, enum perm perm);
/* The same for the alerts of one case only, which ends (an `end` event,
 * code case_not_visible) as soon as she may no longer see the case. */
void stream_attach_case(struct stream_hub *h, struct req *r, int64_t last_id, enum perm perm,
			int64_t case_id);
/* The newest event id (where a new client starts). */
int64_t stream_latest(struct stream_hub *h);

#endif
