/*
 * bench/observe.c: what the engine's own observation costs a run: packet
 * capture on every host (with pcap files) and sock_diag sampling every 5 ms,
 * against the same run with engine_opts.no_observe. Two workloads:
 *
 *   seed   the seed's first experiment (crash after read, FIN, Broken
 *          pipe): a few dozen packets over 2.4 s, mostly idle sampling
 *   bulk   20 MB from client to server as fast as TCP goes, then the
 *          run ends: hundreds of (GSO-sized) packets captured, written to
 *          the pcap files and decoded
 *
 * The wall times differ by more than the observation: with it a finished
 * run ends as soon as the observers see nothing more can happen; without
 * it the run cannot tell and waits its 200 ms settle. The CPU time is the
 * observation's cost.
 *
 * Each workload runs REPS times in each mode, alternating. Per run: wall
 * time of engine_run (build to teardown) and the engine's own CPU time
 * (user + system of this process, where the engine runs; the apps are
 * other processes and cost the same either way).
 *
 *   build/bench/observe [REPS [DIR]]    (root; default 5, DIR "bench")
 *
 * The workloads are DIR/observe-seed.yaml and DIR/observe-bulk.yaml.
 *
 * Besides a readable table it prints lines for bench/run:
 *   RESULT <workload> <off wall median ms> <on wall median ms>
 *          <off cpu median ms> <on cpu median ms> <reps>
 */
#include "common/monotime.h"
#include "engine/engine.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#define MAX_REPS 100

static int compare_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), compare_double);
	return n ? v[(n - 1) / 2] : 0.0;
}

static double cpu_ms(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
}

static void count_event(json_t *ev, void *ctx)
{
	(*(unsigned long *)ctx)++;
}

static void remove_dir(const char *dir)
{
	char path[512];
	struct dirent *de;
	DIR *d = opendir(dir);

	while (d && (de = readdir(d))) {
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
			snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
			unlink(path);
		}
	}
	if (d)
		closedir(d);
	rmdir(dir);
}

/* One run; returns 0 with its wall and CPU milliseconds. */
static int run_once(const struct scenario *sc, bool observe, double *wall, double *cpu,
		    unsigned long *events)
{
	char dir[] = "/tmp/nf-bench-observe-XXXXXX";
	struct engine_opts opts = { .on_event = count_event, .ctx = events,
				    .no_observe = !observe };
	json_t *result = NULL;
	int64_t t0;
	double c0;
	int ret;

	if (observe) {
		if (!mkdtemp(dir))
			return -errno;
		opts.pcap_dir = dir;
	}
	c0 = cpu_ms();
	t0 = mono_usec();
	ret = engine_run(sc, &opts, &result);
	*wall = (double)(mono_usec() - t0) / 1e3;
	*cpu = cpu_ms() - c0;
	if (ret == 0 && !json_is_true(json_object_get(result, "passed")) &&
	    strcmp(sc->name, "bulk") != 0)
		fprintf(stderr, "observe: %s did not pass: %s\n", sc->name,
			json_string_value(json_object_get(result, "reason")));
	if (ret < 0)
		fprintf(stderr, "observe: %s: %s\n", sc->name,
			json_string_value(json_object_get(result, "error")));
	json_decref(result);
	if (observe)
		remove_dir(dir);
	return ret;
}

static int workload(const char *name, const char *dir, int reps)
{
	static double wall[2][MAX_REPS], cpu[2][MAX_REPS];
	unsigned long events[2] = { 0, 0 };
	struct sc_errors errs = { 0 };
	struct scenario *sc = NULL;
	char path[512];
	int ret;

	snprintf(path, sizeof(path), "%s/observe-%s.yaml", dir, name);
	ret = scenario_load(path, NULL, 0, &sc, &errs);
	sc_errors_free(&errs);
	if (ret < 0) {
		fprintf(stderr, "observe: %s: %s\n", path, strerror(-ret));
		return ret;
	}
	for (int i = 0; i < reps && ret == 0; i++)
		for (int on = 0; on < 2 && ret == 0; on++)
			ret = run_once(sc, on, &wall[on][i], &cpu[on][i], &events[on]);
	scenario_free(sc);
	if (ret < 0)
		return ret;
	printf("%-6s %10.1f ms %10.1f ms %10.1f ms %10.1f ms %8lu %8lu\n", name,
	       median(wall[0], (size_t)reps), median(wall[1], (size_t)reps),
	       median(cpu[0], (size_t)reps), median(cpu[1], (size_t)reps),
	       events[0] / (unsigned long)reps, events[1] / (unsigned long)reps);
	printf("RESULT %s %.1f %.1f %.1f %.1f %d\n", name, median(wall[0], (size_t)reps),
	       median(wall[1], (size_t)reps), median(cpu[0], (size_t)reps),
	       median(cpu[1], (size_t)reps), reps);
	return 0;
}

int main(int argc, char **argv)
{
	int reps = argc > 1 ? atoi(argv[1]) : 5;
	const char *dir = argc > 2 ? argv[2] : "bench";

	if (geteuid() != 0) {
		fprintf(stderr, "observe: needs root (network namespaces)\n");
		return 77;
	}
	if (reps < 1 || reps > MAX_REPS) {
		fprintf(stderr, "usage: observe [REPS 1..%d [DIR]]\n", MAX_REPS);
		return 2;
	}
	printf("observe: a run without and with capture + sock_diag sampling (medians of %d)\n",
	       reps);
	printf("%-6s %13s %13s %13s %13s %8s %8s\n", "", "wall off", "wall on", "cpu off",
	       "cpu on", "ev off", "ev on");
	if (workload("seed", dir, reps) < 0 || workload("bulk", dir, reps) < 0)
		return 1;
	return 0;
}
