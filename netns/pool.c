/*
 * pool.c: network namespaces made ahead of time, so that a build finds its
 * namespaces ready instead of waiting for the kernel to make each (the
 * unshare is about 0.4 ms of a 2-host build's 3 ms).
 *
 * A pooled namespace is brand new and unnamed: a thread of the pool
 * unshares into it, opens it, and goes back home; nothing ever enters it
 * until netns_create_here takes it, names it and moves the builder in.
 * Every taker therefore gets a namespace no one has used, identical to one
 * made at that moment. Being held only by fds, pooled namespaces go with
 * the process that holds them, even when it is killed: there is nothing to
 * clean up after a crash.
 *
 * One pool per process. netns_pool_start runs a refill thread that keeps
 * SIZE namespaces ready; netns_pool_take hands some on (a daemon gives a
 * forked worker its share this way, and the worker makes them its own
 * pool, without a thread, with netns_pool_adopt). A fork while the refill
 * thread holds the lock is made safe by pthread_atfork.
 */
#include "common/monotime.h"
#include "netns/netns.h"
#include "netns/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <time.h>
#include <stdbool.h>
#include <stdint.h>
#include <unistd.h>

#define THREAD_NET_NS "/proc/thread-self/ns/net"

static struct {
	pthread_mutex_t lock;
	pthread_cond_t changed;   /* a take (room to fill), a fill, or a stop */
	int fds[NETNS_POOL_MAX];  /* a ring: the oldest at first */
	size_t first, count;
	size_t size;              /* what the refill thread keeps ready */
	bool running;             /* a refill thread is alive */
	bool stopping;
	bool refill_idle;         /* the thread waits for a take, untimed */
	int last_error;           /* the refill's last try failed: how; else 0 */
	int64_t last_error_us;    /* monotonic */
	int64_t last_take_us;     /* monotonic */
	pthread_t thread;
} pool = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.changed = PTHREAD_COND_INITIALIZER,
};

/* How long after a take the refill waits: a small build is done by then. */
#define POOL_QUIET_US 10000
/* How long after a failure it tries again. */
#define POOL_RETRY_US 1000000

static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

/* The pool's condition variable runs on CLOCK_REALTIME: now + US there. */
static struct timespec realtime_after_us(int64_t us)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += (time_t)(us / 1000000);
	ts.tv_nsec += (long)(us % 1000000) * 1000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	return ts;
}

static void pool_lock(void)
{
	pthread_mutex_lock(&pool.lock);
}

static void pool_unlock(void)
{
	pthread_mutex_unlock(&pool.lock);
}

/* The pool is a queue, oldest first: a build that takes some while the
 * refill adds new ones still gets those that were ready when it began. */
static void pool_push(int fd)
{
	pool.fds[(pool.first + pool.count++) % NETNS_POOL_MAX] = fd;
}

static int pool_pop(void)
{
	int fd = pool.fds[pool.first];

	pool.first = (pool.first + 1) % NETNS_POOL_MAX;
	pool.count--;
	return fd;
}

/* A fork copies the lock as it is: taken around it, it is free on both sides. */
static void atfork_register(void)
{
	pthread_atfork(pool_lock, pool_unlock, pool_unlock);
}

/* A new namespace, unshared in this thread, which goes back to HOME. */
static int namespace_make(int home)
{
	int fd, err = 0;

	if (unshare(CLONE_NEWNET) < 0)
		return -errno;
	fd = open(THREAD_NET_NS, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		err = -errno;
	if (setns(home, CLONE_NEWNET) < 0) {
		/* cannot happen with the privilege to unshare; this thread
		 * must not go on making namespaces inside one */
		err = -errno;
		if (fd >= 0)
			close(fd);
		return err;
	}
	return err < 0 ? err : fd;
}

static void *refill_main(void *arg)
{
	int home = *(int *)arg;
	int fd;

	pthread_setname_np(pthread_self(), "netns-pool");
	pool_lock();
	while (!pool.stopping) {
		int64_t now = mono_usec(), not_before;

		if (pool.count >= pool.size) {
			pool.refill_idle = true;
			pthread_cond_wait(&pool.changed, &pool.lock);
			pool.refill_idle = false;
			continue;
		}
		/* a build that just took some is still making its links, and
		 * would wait for the kernel's locks behind a refill; after a
		 * failure (out of fds or memory, say) takers make their own
		 * for a while */
		not_before = pool.last_take_us + POOL_QUIET_US;
		if (pool.last_error && pool.last_error_us + POOL_RETRY_US > not_before)
			not_before = pool.last_error_us + POOL_RETRY_US;
		if (now < not_before) {
			struct timespec until = realtime_after_us(not_before - now);

			pthread_cond_timedwait(&pool.changed, &pool.lock, &until);
			continue;
		}
		pool_unlock();
		fd = namespace_make(home);
		pool_lock();
		if (fd < 0) {
			pool.last_error = fd;
			pool.last_error_us = mono_usec();
		} else {
			pool.last_error = 0;
			pool_push(fd);
		}
		pthread_cond_broadcast(&pool.changed);
	}
	pool.running = false;
	pthread_cond_broadcast(&pool.changed);
	pool_unlock();
	close(home);
	return NULL;
}

int netns_pool_start(size_t size)
{
	static int home;   /* the refill thread's to close */
	pthread_attr_t attr;
	int err;

	if (size == 0)
		return 0;
	if (size > NETNS_POOL_MAX)
		return -EINVAL;
	pthread_once(&atfork_once, atfork_register);
	pool_lock();
	if (pool.running || pool.stopping) {
		pool_unlock();
		return -EBUSY;
	}
	home = open(THREAD_NET_NS, O_RDONLY | O_CLOEXEC);
	if (home < 0) {
		err = -errno;
		pool_unlock();
		return err;
	}
	pool.size = size;
	pool.last_error = 0;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 64 * 1024);
	err = -pthread_create(&pool.thread, &attr, refill_main, &home);
	pthread_attr_destroy(&attr);
	if (err < 0)
		close(home);
	else
		pool.running = true;
	pool_unlock();
	return err;
}

void netns_pool_stop(void)
{
	bool joinable;

	pool_lock();
	joinable = pool.running;
	pool.stopping = true;
	pthread_cond_broadcast(&pool.changed);
	pool_unlock();
	if (joinable)
		pthread_join(pool.thread, NULL);
	pool_lock();
	while (pool.count > 0)
		close(pool_pop());
	pool.size = 0;
	pool.stopping = false;
	pool.running = false;
	pool_unlock();
}

size_t netns_pool_take(int *fds, size_t n)
{
	size_t got = 0;

	pool_lock();
	while (got < n && pool.count > 0)
		fds[got++] = pool_pop();
	if (got > 0) {
		pool.last_take_us = mono_usec();
		/* a refill already waiting out a quiet time sees the new take
		 * when it wakes: only an idle one needs waking (a futex call
		 * the taker, in the middle of its build, is spared) */
		if (pool.refill_idle)
			pthread_cond_broadcast(&pool.changed);
	}
	pool_unlock();
	return got;
}

void netns_pool_adopt(const int *fds, size_t n)
{
	pool_lock();
	/* the fds the parent's pool held are not this process's to close:
	 * a forked worker has closed its copies already (or will) */
	pool.count = 0;
	pool.first = 0;
	pool.size = 0;
	pool.running = false;
	pool.stopping = false;
	pool.last_error = 0;
	for (size_t i = 0; i < n && pool.count < NETNS_POOL_MAX; i++)
		pool_push(fds[i]);
	pool_unlock();
}

size_t netns_pool_ready(void)
{
	size_t n;

	pool_lock();
	n = pool.count;
	pool_unlock();
	return n;
}

int netns_pool_wait_full(int timeout_ms)
{
	struct timespec deadline = realtime_after_us(timeout_ms * 1000LL);
	int err = 0;

	pool_lock();
	while (pool.count < pool.size && pool.running && !pool.last_error && err == 0)
		err = -pthread_cond_timedwait(&pool.changed, &pool.lock, &deadline);
	if (pool.count >= pool.size)
		err = 0;
	else if (pool.last_error)
		err = pool.last_error;
	else if (err == 0)
		err = -ESRCH;   /* no refill thread */
	pool_unlock();
	return err;
}

/* For netns_create_here: a pooled namespace's fd, or -1 when none is ready. */
int netns_pool_take_one(void)
{
	int fd;

	return netns_pool_take(&fd, 1) == 1 ? fd : -1;
}
