/*
 * thread — what the program's own threads share: waiting a while for work,
 * and telling one to stop.
 */
#ifndef VIGIL_BASE_THREAD_H
#define VIGIL_BASE_THREAD_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

/* Wait on cv (one on the default, real-time clock) with mu held, for up to
 * ms milliseconds. */
void thread_wait_ms(pthread_cond_t *cv, pthread_mutex_t *mu, int64_t ms);
/* Tell the thread that waits on cv under mu to stop: *stopping (which mu
 * guards) set, and the thread woken. */
void thread_tell_stop(pthread_mutex_t *mu, pthread_cond_t *cv, bool *stopping);
/* thread_tell_stop, and wait for thread t to end. */
void thread_stop(pthread_t t, pthread_mutex_t *mu, pthread_cond_t *cv, bool *stopping);

#endif
