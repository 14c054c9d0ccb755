/*
 * http/throttle — failed sign-ins per client address, in memory.
 *
 * The per-account policy (slowing, then locking) is in core/account and its
 * state in the users table, so it holds across restarts and nodes.  This
 * table adds a per-address limit, so one address cannot try password after
 * password across many accounts.  Past max_failures within the window, an
 * address is slowed, not shut out: one attempt every slow_ms, so a whole
 * police station behind one address still signs in with right passwords
 * while guessing from it drops to a trickle.  Fixed size: when full, the
 * oldest entry is replaced, so an attacker cannot grow it without bound.
 */
#ifndef VIGIL_HTTP_THROTTLE_H
#define VIGIL_HTTP_THROTTLE_H

#include <stdint.h>

struct throttle;

/* max_failures within window_ms slow the address to one attempt every
 * slow_ms until window_ms after the first counted failure. */
struct throttle *throttle_new(int max_failures, int64_t window_ms, int64_t slow_ms);
void throttle_free(struct throttle *t);
/*
 * Claim an attempt for addr: 0 when it may try, and the attempt is counted as
 * a failure at once (so that concurrent attempts cannot all pass the check
 * before any failure is recorded); else the milliseconds until it may try,
 * and nothing is counted.  Give the claim back with throttle_refund() when the
 * attempt succeeded or was refused without checking a password.
 */
int64_t throttle_claim(struct throttle *t, const char *addr, int64_t now);
void throttle_refund(struct throttle *t, const char *addr);

#endif
