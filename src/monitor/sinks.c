/*
 * monitor/sinks — the registry of the monitoring engine's listeners
 * (monitor/sinks.h).
 */
#include "monitor/sinks.h"

#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/mem.h"

#define SINKS_MAX 8

struct monitor_sinks {
	struct {
		void (*fn)(void *, const struct alert_news *);
		void *arg;
	} alert[SINKS_MAX];
	struct {
		void (*fn)(void *);
		void *arg;
	} events[SINKS_MAX];
	struct {
		void (*fn)(void *, bool);
		void *arg;
	} leading[SINKS_MAX];
	struct {
		void (*fn)(void *, const atomic_llong *);
		void *arg;
	} lease[SINKS_MAX];
	struct {
		void (*fn)(void *, int64_t, const char *, enum report_mode);
		void *arg;
	} reporting[SINKS_MAX];
	struct {
		const char *channel;
		void (*fn)(void *, const char *);
		void *arg;
	} notice[SINKS_MAX];
	int nalert, nevents, nleading, nlease, nreporting, nnotice;
};

struct monitor_sinks *sinks_new(void)
{
	return xcalloc(1, sizeof(struct monitor_sinks));
}

void sinks_free(struct monitor_sinks *s)
{
	free(s);
}

/* A subscription past the registry's room is a wiring bug: said, and dropped. */
static bool room(int n, const char *topic)
{
	if (n < SINKS_MAX)
		return true;
	log_error("too many subscribers to the engine's %s; one is left out", topic);
	return false;
}

#define SUBSCRIBE(list, count, topic, ...)                                                 \
	do {                                                                               \
		if (room(s->count, topic))                                                 \
			s->list[s->count++] = (__typeof__(s->list[0])){ __VA_ARGS__ };      \
	} while (0)

void sinks_on_alert(struct monitor_sinks *s, void (*fn)(void *arg, const struct alert_news *n),
		    void *arg)
{
	SUBSCRIBE(alert, nalert, "alerts", fn, arg);
}

void sinks_on_events(struct monitor_sinks *s, void (*fn)(void *arg), void *arg)
{
	SUBSCRIBE(events, nevents, "alert events", fn, arg);
}

void sinks_on_leading(struct monitor_sinks *s, void (*fn)(void *arg, bool leads), void *arg)
{
	SUBSCRIBE(leading, nleading, "leadership", fn, arg);
}

void sinks_on_lease(struct monitor_sinks *s, void (*fn)(void *arg, const atomic_llong *until),
		    void *arg)
{
	SUBSCRIBE(lease, nlease, "lease", fn, arg);
}

void sinks_on_reporting(struct monitor_sinks *s,
			void (*fn)(void *arg, int64_t device_id, const char *uid,
				   enum report_mode mode),
			void *arg)
{
	SUBSCRIBE(reporting, nreporting, "reporting requests", fn, arg);
}

void sinks_on_notice(struct monitor_sinks *s, const char *channel,
		     void (*fn)(void *arg, const char *payload), void *arg)
{
	SUBSCRIBE(notice, nnotice, "notifications", channel, fn, arg);
}

void sinks_alert(const struct monitor_sinks *s, const struct alert_news *n)
{
	for (int i = 0; s && i < s->nalert; i++)
		s->alert[i].fn(s->alert[i].arg, n);
}

void sinks_events(const struct monitor_sinks *s)
{
	for (int i = 0; s && i < s->nevents; i++)
		s->events[i].fn(s->events[i].arg);
}

void sinks_leading(const struct monitor_sinks *s, bool leads)
{
	for (int i = 0; s && i < s->nleading; i++)
		s->leading[i].fn(s->leading[i].arg, leads);
}

void sinks_lease(const struct monitor_sinks *s, const atomic_llong *until)
{
	for (int i = 0; s && i < s->nlease; i++)
		s->lease[i].fn(s->lease[i].arg, until);
}

void sinks_reporting(const struct monitor_sinks *s, int64_t device_id, const char *uid,
		     enum report_mode mode)
{
	for (int i = 0; s && i < s->nreporting; i++)
		s->reporting[i].fn(s->reporting[i].arg, device_id, uid, mode);
}

int sinks_notice_channels(const struct monitor_sinks *s, int (*fn)(const char *channel, void *arg),
			  void *arg)
{
	for (int i = 0; s && i < s->nnotice; i++) {
		bool seen = false;

		for (int k = 0; k < i; k++)
			seen = seen || strcmp(s->notice[k].channel, s->notice[i].channel) == 0;
		if (!seen && fn(s->notice[i].channel, arg) < 0)
			return -1;
	}
	return 0;
}

int sinks_notice(const struct monitor_sinks *s, const char *channel, const char *payload)
{
	int taken = 0;

	for (int i = 0; s && i < s->nnotice; i++)
		if (strcmp(s->notice[i].channel, channel) == 0) {
			s->notice[i].fn(s->notice[i].arg, payload);
			taken = 1;
		}
	return taken;
}
