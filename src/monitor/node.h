/*
 * node — this server's part among the `vigil serve` nodes sharing one
 * database.
 *
 * Every node answers the whole API and takes fixes.  One node at a time
 * leads: it runs the monitoring engine and the timers (the engine's ticks and
 * the housekeeping sweep).  Leadership is a lease (db_lease_hold, on a
 * connection of the node's own) that the leader renews every second with a
 * deadline of a few seconds on the database's clock; a standby asks for it
 * every second and is granted it when it lapses, or at once when the
 * leader's session has ended (its node died); it then ends the old leader's
 * sessions and starts the engine, which rebuilds its state from the
 * database.  A leader acts only within its lease's deadline, counted on its
 * own monotonic clock from before it asked: a leader frozen or cut off past it
 * stops its engine at its first look, and an engine checks the lease's epoch
 * in the transaction of every alert, so two engines never run side by side.
 * On SQLite the one node always leads and nothing below sends anything.
 *
 * The same connection listens for the nodes' notifications, which the
 * database delivers when the sending transaction commits:
 *   vigil_engine  "fix {...}" — a fix a standby stored, for the leader's
 *                 engine; "reload", "reload devices", "reload case N" —
 *                 devices, assignments or zones changed;
 *   vigil_alerts  alert events were committed: wake the live streams here
 *                 (they read the events from the database, so Last-Event-ID
 *                 numbering is the same on every node).
 *   vigil_reporting  a command for a tag, for the node that holds its
 *                 session, and that node's word that it took it
 *                 (ingest/reporting.h).
 */
#ifndef VIGIL_MONITOR_NODE_H
#define VIGIL_MONITOR_NODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/fix.h"
#include "db/db.h"
#include "monitor/engine.h"

struct vigil;
struct node;
struct buf;

/* Join the nodes on v's database: lead at once when no other node does
 * (starting the engine), else stand by.  0, or -1 with err (the database
 * cannot be reached, or the engine cannot load its state).  Caller stops it
 * with node_stop(). */
int node_start(struct vigil *v, const struct engine_config *ec, struct node **out, char *err,
	       size_t errlen);
/* Stop the engine (after it applied what is queued) and leave; the
 * leadership passes to another node. */
void node_stop(struct node *n);
/* Whether this node runs the engine now, within its lease's deadline. */
bool node_leads(struct node *n);

/* In the write transaction that stores fixes, on d: on a node that does not
 * lead, tell the leader of each fix with results[i] == stored_value (sent
 * with the commit, so the leader hears of exactly the fixes stored).  Returns
 * 1 when it did (the fixes are then the leader's), 0 when this node leads or
 * the database has one node, negative on a database error (the transaction is
 * then spoilt and must be rolled back). */
int node_fixes_forward(struct node *n, db *d, const struct fix *f, const int *results,
		       size_t count, int stored_value);
/* After the commit: hand the stored fixes (results[i] == stored_value) that
 * were not forwarded to this node's engine, together; if this node stopped
 * leading meanwhile, to the leader. */
void node_fixes_stored(struct node *n, db *d, const struct fix *f, const int *results,
		       size_t count, int stored_value);

/* What a change touched: one case's assignments or zones (its id, above 0),
 * newly registered devices, or anything at all. */
#define NODE_CHANGED_DEVICES 0
#define NODE_CHANGED_ALL (-1)
/* In the write transaction on d that changes devices, assignments or zones:
 * the engine will read what changed again once it commits, on whichever node
 * it runs (a notification sent with the commit).  Negative on a database
 * error. */
int node_config_changing(struct node *n, db *d, int64_t changed);
/* After that commit: the engine here, if this node leads, reads it now. */
void node_config_changed(struct node *n, int64_t changed);

/* A device's live state: the engine's on the leader; on a standby, rebuilt
 * from the database on d (the newest fix, and whether a lost-signal alert was
 * raised after it).  False when the device has no state to show. */
bool node_device_live(struct node *n, db *d, int64_t device_id, struct device_live *out);

/* Prometheus lines: whether this node leads, and how many times it took over. */
void node_metrics(struct node *n, struct buf *out);

#endif
