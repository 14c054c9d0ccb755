/*
 * thread — what the program's own threads share: telling one to stop.
 */
#ifndef VIGIL_BASE_THREAD_H
#define VIGIL_BASE_THREAD_H

#include <pthread.h>
#include <stdbool.h>

/* Tell the thread that waits on cv under mu to stop: *stopping (which mu
 * guards) set, and the thread woken. */
void thread_tell_stop(pthread_mutex_t *mu, pthread_cond_t *cv, bool *stopping);
/* thread_tell_stop, and wait for thread t to end. */
void thread_stop(pthread_t t, pthread_mutex_t *mu, pthread_cond_t *cv, bool *stopping);

#endif
