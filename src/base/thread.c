/*
 * thread — telling a thread to stop.
 */
#include "base/thread.h"

void thread_tell_stop(pthread_mutex_t *mu, pthread_cond_t *cv, bool *stopping)
{
	pthread_mutex_lock(mu);
	*stopping = true;
	pthread_cond_signal(cv);
	pthread_mutex_unlock(mu);
}

void thread_stop(pthread_t t, pthread_mutex_t *mu, pthread_cond_t *cv, bool *stopping)
{
	thread_tell_stop(mu, cv, stopping);
	pthread_join(t, NULL);
}
