/*
 * parallel.h: one function called for every index 0..N-1 by a few threads
 * at once, for work that mostly waits on the kernel (a packet socket's
 * open and close each wait for RCU grace periods; done one after the
 * other, a thousand hosts would wait for thousands of them).
 */
#ifndef NETFAULT_PARALLEL_H
#define NETFAULT_PARALLEL_H

#include <stddef.h>

#define PARALLEL_MAX_THREADS 32

/*
 * Calls FN(I, ARG) once for every I below N, from up to THREADS threads
 * (at most PARALLEL_MAX_THREADS; the calling thread is one of them), and
 * returns when every call has returned. FN must be safe to run beside
 * itself for different indexes. When no thread can be started the calling
 * thread does it all: it never fails.
 */
void parallel_for(size_t n, unsigned threads, void (*fn)(size_t i, void *arg), void *arg);

#endif
