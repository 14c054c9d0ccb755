/*
 * thread — waiting a while for work, and telling a thread to stop.
 */
#include "base/thread.h"

#include <time.h>

void thread_wait_ms(pthread_cond_t *cv, pthread_mutex_t *mu, int64_t ms)
{
	struct timespec until;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += ms / 1000;
	until.tv_nsec += (ms % 1000) * 1000000;
	if (until.tv_nsec >= 1000000000) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000;
	}
	pthread_cond_timedwait(cv, mu, &until);
}

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
