/*
 * monitor/sinks — where the monitoring engine's news goes.
 *
 * The engine, its node and the operations on alerts publish; they do not
 * know who listens.  `vigil serve` subscribes the listeners before anything
 * runs (the live stream, the notifier, the bridge that asks tags to report
 * faster) and the registry is not changed afterwards, so publishing takes no
 * lock.  A subscriber runs on the publisher's thread and must not block: each
 * of today's only queues or wakes.  Publishing to a NULL registry does
 * nothing (the command line, unit tests).
 *
 * An alert is recorded in the store by whoever raises it, in the transaction
 * that checks the engine's lease (a stale engine's alert must not commit);
 * the sinks hear of it once it has committed.
 */
#ifndef VIGIL_MONITOR_SINKS_H
#define VIGIL_MONITOR_SINKS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

/* An alert opened, or visited again while unresolved, and committed. */
struct alert_news {
	int64_t id;
	const char *kind;     /* core/alerts.h's kinds */
	const char *severity;
	bool late;            /* decided too long ago to warn her */
	int repeat;           /* 0: opened; n: its nth visit after the first */
};

/* What a tag is asked to report at (the engine asks; ingest/ carries it). */
enum report_mode { REPORT_NORMAL, REPORT_FAST };

struct monitor_sinks;

struct monitor_sinks *sinks_new(void);
void sinks_free(struct monitor_sinks *s);

/* Subscribe (before anything publishes).  At most 8 of each. */
void sinks_on_alert(struct monitor_sinks *s, void (*fn)(void *arg, const struct alert_news *n),
		    void *arg);
/* Alert events were added, here or (announced) on another node: read them. */
void sinks_on_events(struct monitor_sinks *s, void (*fn)(void *arg), void *arg);
/* This node began (true) or stopped (false) running the engine. */
void sinks_on_leading(struct monitor_sinks *s, void (*fn)(void *arg, bool leads), void *arg);
/* The deadline of this node's lease, on its monotonic clock (NULL: the node
 * stopped); what is asked of a tag is acted on only within it. */
void sinks_on_lease(struct monitor_sinks *s, void (*fn)(void *arg, const atomic_llong *until),
		    void *arg);
/* The engine wants a tag to report in mode. */
void sinks_on_reporting(struct monitor_sinks *s,
			void (*fn)(void *arg, int64_t device_id, const char *uid,
				   enum report_mode mode),
			void *arg);
/* A notification on channel reached this node (from another, or itself). */
void sinks_on_notice(struct monitor_sinks *s, const char *channel,
		     void (*fn)(void *arg, const char *payload), void *arg);

/* Publish. */
void sinks_alert(const struct monitor_sinks *s, const struct alert_news *n);
void sinks_events(const struct monitor_sinks *s);
void sinks_leading(const struct monitor_sinks *s, bool leads);
void sinks_lease(const struct monitor_sinks *s, const atomic_llong *until);
void sinks_reporting(const struct monitor_sinks *s, int64_t device_id, const char *uid,
		     enum report_mode mode);
/* 1 when some subscriber took the channel's notice, else 0. */
int sinks_notice(const struct monitor_sinks *s, const char *channel, const char *payload);
/* The channels subscribed to (the node listens on them): fn for each, once. */
int sinks_notice_channels(const struct monitor_sinks *s, int (*fn)(const char *channel, void *arg),
			  void *arg);

#endif
