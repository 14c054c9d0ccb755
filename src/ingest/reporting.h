/*
 * reporting — asking a tag to report faster, and back to its normal period,
 * over the device's own protocol (DESIGN.md section 4: an uncertain fix
 * "asks the tag to report faster").
 *
 * The engine only asks (reporting_ask: queued, never waits).  This node's
 * reporting thread records what was asked (device_reporting, state
 * "asked"), and has the command written on the device's session: a
 * Teltonika tag's open TCP session, held by this node's listener
 * (ingest/tcp.c) or, when several nodes share a PostgreSQL database, by
 * another node's.  So a request this node's listener cannot place goes to
 * the other nodes (NOTIFY vigil_reporting "send ..."), and the node that
 * holds the session writes it and says so ("taken ..."); when no node does
 * within REPORTING_REMOTE_WAIT_MS, the device cannot be commanded now.
 * Whichever node writes the command records what comes of it, as device
 * events and in device_reporting:
 *
 *   reporting_command_sent        the command was written (detail: mode, command)
 *   reporting_command_answered    the tag's Codec 12 response (detail: mode, response)
 *   reporting_command_unanswered  no response within the timeout, or the
 *                                 session closed first
 *   faster_reporting_unavailable  fast reports asked and no session open on
 *                                 any node (normal_reporting_unavailable for
 *                                 the way back): the possible entry is
 *                                 decided with what the tag sends anyway
 *
 * A tag that was not told (no session) is owed the command: the listener
 * writes it after the first packet of the tag's next session, until the tag
 * has acknowledged the mode asked last.  The command texts are settings of
 * `vigil serve` (--teltonika-fast-command, --teltonika-normal-command);
 * nodes sharing a database should be given the same (a request carries the
 * asking node's text).
 */
#ifndef VIGIL_INGEST_REPORTING_H
#define VIGIL_INGEST_REPORTING_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

struct vigil;
struct reporting;
struct tcp_server;

enum reporting_mode { REPORTING_NORMAL, REPORTING_FAST };

#define REPORTING_CHANNEL "vigil_reporting"
#define REPORTING_COMMAND_MAX 160   /* Teltonika's limit for an SMS/GPRS command */
#define REPORTING_ORIGIN_MAX 40
#define REPORTING_REMOTE_WAIT_MS 3000 /* no node took a request: no session open */

struct reporting_config {
	const char *command[2];     /* the text for each mode (enum reporting_mode) */
	int64_t answer_timeout_ms;  /* a command not answered within this is unanswered */
};

/* One command for one device's session. */
struct reporting_request {
	int64_t device_id;
	int mode;                                 /* enum reporting_mode */
	uint64_t id;                              /* the asking node's number; 0: owed */
	char origin[REPORTING_ORIGIN_MAX + 1];    /* the asking node; "" this one */
	char command[REPORTING_COMMAND_MAX + 1];  /* the text to write */
};

/* What became of a request on a session (from the listener's thread). */
enum reporting_result {
	REPORTING_NO_SESSION,  /* this node holds no session of the device */
	REPORTING_SENT,        /* written (text: the command) */
	REPORTING_ANSWERED,    /* the tag's response (text) */
	REPORTING_UNANSWERED,  /* none in time, or the session closed (text: why) */
};

const char *reporting_mode_name(int mode);
/* Defaults: the FMB "Home, on moving" period and send period, 5 s fast,
 * 60 s normal (see docs/ARCHITECTURE.md); answers within 30 s. */
void reporting_config_defaults(struct reporting_config *c);
/* Is text a usable command (1 to REPORTING_COMMAND_MAX printable ASCII)? */
int reporting_command_valid(const char *text);

/* Start the reporting thread with a database connection of its own.  0, or
 * -1 with err.  Caller stops it with reporting_stop(). */
int reporting_start(struct vigil *v, const struct reporting_config *c, struct reporting **out,
		    char *err, size_t errlen);
/* What is queued is recorded first (as far as the database allows). */
void reporting_stop(struct reporting *r);
/* The Teltonika listener of this node (NULL: none, or about to stop). */
void reporting_attach(struct reporting *r, struct tcp_server *tel);
/* The deadline of this node's lease on the engine (ms of clock_mono_ns();
 * NULL: one node, which always leads), set by the node before its engine
 * starts and cleared before it goes.  What an engine asked before its node
 * was frozen or cut off past it is dropped: the node that leads now decides
 * what the tag is asked. */
void reporting_lease(struct reporting *r, const atomic_llong *until);
/* The engine wants device_id (uid, for the log) to report in mode: queued. */
void reporting_ask(struct reporting *r, int64_t device_id, const char *uid, int mode);
/* The text this node writes for mode. */
const char *reporting_command(const struct reporting *r, int mode);
/* From the listener: what became of rq (text as above, may be NULL): queued. */
void reporting_outcome(struct reporting *r, int result, const struct reporting_request *rq,
		       int64_t at, const char *text);
/* A notification on REPORTING_CHANNEL from the node thread: queued. */
void reporting_notice(struct reporting *r, const char *payload);
/* How long a command may wait for its answer (the listener's timer). */
int64_t reporting_answer_timeout(const struct reporting *r);

#endif
