/*
 * parallel.c: parallel_for() (parallel.h): the indexes are handed out one
 * at a time under a mutex, so a slow call holds up only its own thread.
 */
#include "common/parallel.h"

#include <pthread.h>

struct parallel_job {
	pthread_mutex_t lock;
	size_t next, n;
	void (*fn)(size_t i, void *arg);
	void *arg;
};

static void *parallel_worker(void *p)
{
	struct parallel_job *job = p;

	for (;;) {
		size_t i;

		pthread_mutex_lock(&job->lock);
		i = job->next < job->n ? job->next++ : job->n;
		pthread_mutex_unlock(&job->lock);
		if (i >= job->n)
			return NULL;
		job->fn(i, job->arg);
	}
}

void parallel_for(size_t n, unsigned threads, void (*fn)(size_t i, void *arg), void *arg)
{
	struct parallel_job job = { .next = 0, .n = n, .fn = fn, .arg = arg };
	pthread_t tid[PARALLEL_MAX_THREADS];
	unsigned started = 0;

	if (threads > PARALLEL_MAX_THREADS)
		threads = PARALLEL_MAX_THREADS;
	if (threads > n)
		threads = (unsigned)n;
	pthread_mutex_init(&job.lock, NULL);
	while (started + 1 < threads &&
	       pthread_create(&tid[started], NULL, parallel_worker, &job) == 0)
		started++;
	parallel_worker(&job);
	for (unsigned t = 0; t < started; t++)
		pthread_join(tid[t], NULL);
	pthread_mutex_destroy(&job.lock);
}
