/*
 * http/throttle — a small open-addressed table of recent failures by address.
 */
#include "http/throttle.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"

#define SLOTS 4096
#define PROBE 8

struct slot {
	char addr[64];
	int count;
	int64_t first_at;
	int64_t last_at; /* the latest attempt let through */
};

struct throttle {
	pthread_mutex_t mu;
	int max_failures;
	int64_t window_ms;
	int64_t slow_ms;
	struct slot slots[SLOTS];
};

struct throttle *throttle_new(int max_failures, int64_t window_ms, int64_t slow_ms)
{
	struct throttle *t = xcalloc(1, sizeof *t);

	pthread_mutex_init(&t->mu, NULL);
	t->max_failures = max_failures;
	t->window_ms = window_ms;
	t->slow_ms = slow_ms;
	return t;
}

void throttle_free(struct throttle *t)
{
	if (!t)
		return;
	pthread_mutex_destroy(&t->mu);
	free(t);
}

static uint32_t hash(const char *s)
{
	uint32_t h = 2166136261u;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}

/* The slot holding addr, or NULL. */
static struct slot *find(struct throttle *t, const char *addr)
{
	uint32_t h = hash(addr);

	for (int i = 0; i < PROBE; i++) {
		struct slot *s = &t->slots[(h + (uint32_t)i) % SLOTS];

		if (s->addr[0] && strcmp(s->addr, addr) == 0)
			return s;
	}
	return NULL;
}

/* The slot for addr, making one if needed (an empty or expired slot, else the
 * oldest in the probe run).  Call with the mutex held. */
static struct slot *slot_for(struct throttle *t, const char *addr, int64_t now)
{
	struct slot *s = find(t, addr), *victim = NULL;
	uint32_t h = hash(addr);

	if (s)
		return s;
	for (int i = 0; i < PROBE; i++) {
		struct slot *c = &t->slots[(h + (uint32_t)i) % SLOTS];

		if (!c->addr[0] || now - c->first_at >= t->window_ms) {
			victim = c;
			break;
		}
		if (!victim || c->first_at < victim->first_at)
			victim = c;
	}
	memset(victim, 0, sizeof *victim);
	strncpy(victim->addr, addr, sizeof victim->addr - 1);
	return victim;
}

int64_t throttle_claim(struct throttle *t, const char *addr, int64_t now)
{
	int64_t wait = 0;
	struct slot *s;

	pthread_mutex_lock(&t->mu);
	s = slot_for(t, addr, now);
	if (s->count == 0 || now - s->first_at >= t->window_ms) {
		s->count = 0;
		s->first_at = now;
	}
	/* past the limit: one attempt every slow_ms, not none */
	if (s->count >= t->max_failures && now - s->last_at < t->slow_ms)
		wait = s->last_at + t->slow_ms - now;
	else {
		s->count++;
		s->last_at = now;
	}
	pthread_mutex_unlock(&t->mu);
	return wait;
}

void throttle_refund(struct throttle *t, const char *addr)
{
	struct slot *s;

	pthread_mutex_lock(&t->mu);
	s = find(t, addr);
	if (s && s->count > 0)
		s->count--;
	pthread_mutex_unlock(&t->mu);
}
