/*
 * enginetest.c: running scenarios through the engine in the integration
 * tests, their events, and what a run must not leave behind (see
 * enginetest.h).
 */
#include "tests/lib/enginetest.h"

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/monotime.h"
#include "netns/qdisc.h"
#include "tests/lib/testlib.h"

#define GROUP_DEATH_MS 10000   /* how long a killed group may take to go */

/* ---- events ---------------------------------------------------------------- */

void log_event(json_t *ev, void *ctx)
{
	struct run_log *log = ctx;

	if (getenv("NF_TEST_EVENTS")) {  /* NF_TEST_EVENTS=1: show every event */
		char *text = json_dumps(ev, JSON_COMPACT);

		fprintf(stderr, "%s\n", text);
		free(text);
	}
	json_array_append(log->events, ev);
	if (log->watch)
		log->watch(log, ev);
}

void log_free(struct run_log *log)
{
	json_decref(log->events);
	log->events = NULL;
}

json_t *events_of(const struct run_log *log, const char *kind, const char *app)
{
	json_t *out = json_array(), *ev;
	size_t i;

	json_array_foreach(log->events, i, ev) {
		const char *k = json_string_value(json_object_get(ev, "event"));
		const char *a = json_string_value(json_object_get(ev, "app"));

		if (strcmp(k, kind) == 0 && (!app || (a && strcmp(a, app) == 0)))
			json_array_append(out, ev);
	}
	return out;
}

/* The events of KIND whose member KEY is VALUE (KEY NULL: every one). */
json_t *events_where(const struct run_log *log, const char *kind, const char *key,
		     const char *value)
{
	json_t *out = json_array(), *ev;
	size_t i;

	json_array_foreach(log->events, i, ev) {
		const char *k = json_string_value(json_object_get(ev, "event"));
		const char *v = key ? json_string_value(json_object_get(ev, key)) : NULL;

		if (strcmp(k, kind) == 0 && (!key || (v && strcmp(v, value) == 0)))
			json_array_append(out, ev);
	}
	return out;
}

/* The one event of KIND for APP, asserted to exist. */
json_t *event_of(const struct run_log *log, const char *kind, const char *app)
{
	json_t *all = events_of(log, kind, app);
	json_t *ev;

	ck_assert_msg(json_array_size(all) == 1, "%zu %s events for %s",
		      json_array_size(all), kind, app ? app : "-");
	ev = json_array_get(all, 0);
	json_decref(all);
	return ev; /* still held by log->events */
}

json_t *step_of(const struct run_log *log, const char *app, int index)
{
	json_t *all = events_of(log, "step", app), *ev, *found = NULL;
	size_t i;

	json_array_foreach(all, i, ev)
		if (json_integer_value(json_object_get(ev, "index")) == index)
			found = ev;
	ck_assert_msg(found != NULL, "no step %d of %s", index, app);
	json_decref(all);
	return found;
}

/* How long step INDEX of APP took, in seconds. */
double step_secs(const struct run_log *log, const char *app, int index)
{
	json_t *st = step_of(log, app, index);

	return nf_json_num(st, "t") - nf_json_num(st, "started");
}

/* Where EV stands in the stream, asserted to be there. */
size_t position(const struct run_log *log, const json_t *ev)
{
	json_t *e;
	size_t i;

	json_array_foreach(log->events, i, e)
		if (e == ev)
			return i;
	ck_abort_msg("event not in the log");
	return 0;
}

unsigned run_id_of(const struct run_log *log)
{
	json_t *topo = events_where(log, "topology", NULL, NULL);
	unsigned id = 0;

	if (json_array_size(topo) == 1)
		id = (unsigned)json_integer_value(json_object_get(json_array_get(topo, 0), "run"));
	json_decref(topo);
	return id;
}

const char *ns_of(const struct run_log *log, const char *host)
{
	json_t *topo = events_where(log, "topology", NULL, NULL), *h;
	const char *ns = NULL;
	size_t i;

	json_array_foreach(json_object_get(json_array_get(topo, 0), "hosts"), i, h)
		if (strcmp(nf_json_str(h, "name"), host) == 0)
			ns = nf_json_str(h, "ns");
	json_decref(topo);
	return ns;   /* still held by log->events */
}

json_t *app_result(json_t *result, const char *app)
{
	json_t *a;
	size_t i;

	json_array_foreach(json_object_get(result, "apps"), i, a)
		if (strcmp(nf_json_str(a, "app"), app) == 0)
			return a;
	ck_abort_msg("no result for app %s", app);
	return NULL;
}

/* ---- running, and what a run must not leave ------------------------------- */

static int64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* After a run: nothing of it is left. */
static void assert_clean(const struct run_log *log, json_t *result, const char *snapshot)
{
	const char *rundir;
	pid_t child = 0;
	json_t *ev;
	size_t i;

	json_array_foreach(log->events, i, ev) {
		const char *kind = json_string_value(json_object_get(ev, "event"));

		if (!strcmp(kind, "app")) {
			pid_t pid = (pid_t)json_integer_value(json_object_get(ev, "pid"));

			/* each app is a process group: a program's children too.
			 * The engine waits for each group's leader; the others
			 * got their SIGKILL and die when next scheduled, which
			 * on a busy or emulated machine takes a moment (tests/vm
			 * saw it): a generous deadline, not a bound. */
			for (int ms = 0; pid > 0 && ms < GROUP_DEATH_MS && nf_group_alive(pid);
			     ms += 10)
				usleep(10000);
			ck_assert_msg(pid <= 0 || !nf_group_alive(pid),
				      "a process of app %s (group %d) still exists",
				      nf_json_str(ev, "app"), (int)pid);
		}
	}
	ck_assert_msg(nf_children(NULL, &child) == 0, "process %d (a child of the test) "
		      "survived the run", (int)child);
	rundir = json_string_value(json_object_get(result, "run_dir"));
	if (rundir && json_is_false(json_object_get(result, "run_dir_kept")))
		ck_assert_msg(access(rundir, F_OK) < 0 && errno == ENOENT,
			      "temporary run directory %s left", rundir);
	nf_assert_nothing_left(run_id_of(log), snapshot, "the run");
}

int run_and_check(const struct scenario *sc, struct engine_opts *opts,
		  struct run_log *log, json_t **result)
{
	char *snapshot = nf_root_snapshot();
	int ret;

	opts->on_event = log_event;
	opts->ctx = log;
	log->events = json_array();
	log->rt_minus_mono_ns = clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_MONOTONIC);
	*result = NULL;
	ret = engine_run(sc, opts, result);
	ck_assert_ptr_nonnull(*result);
	assert_clean(log, *result, snapshot);
	free(snapshot);
	return ret;
}

/* DIR/FILE, DIR from the environment variable ENV when set, else DEFAULT. */
static void path_in(char *path, size_t len, const char *env, const char *dir,
		    const char *file)
{
	const char *given = getenv(env);

	snprintf(path, len, "%s/%s", given && *given ? given : dir, file);
}

json_t *run_file(const char *path, struct run_log *log)
{
	struct scenario *sc = load(path);
	struct engine_opts opts = { 0 };
	json_t *result;
	int ret;

	ret = run_and_check(sc, &opts, log, &result);
	ck_assert_msg(ret == 0, "%s: engine_run %d: %s", path, ret,
		      json_string_value(json_object_get(result, "error")));
	scenario_free(sc);
	return result;
}

void check_passed(const json_t *result, const char *what)
{
	ck_assert_msg(json_is_true(json_object_get(result, "passed")), "%s failed: %s", what,
		      json_string_value(json_object_get(result, "reason")));
}

json_t *run_example(const char *file, struct run_log *log)
{
	char path[512];

	path_in(path, sizeof(path), "NF_SCENARIO_DIR", "scenarios", file);
	return run_file(path, log);
}

/* ---- scenarios ------------------------------------------------------------- */

struct scenario *load(const char *path)
{
	struct sc_errors errs = { 0 };
	struct scenario *sc = NULL;
	char msg[512];
	int ret;

	ret = scenario_load(path, NULL, 0, &sc, &errs);
	if (ret < 0 && errs.n)
		sc_error_format(&errs, 0, msg, sizeof(msg));
	else
		snprintf(msg, sizeof(msg), "%s", strerror(-ret));
	sc_errors_free(&errs);
	ck_assert_msg(ret == 0, "%s: %s", path, msg);
	return sc;
}

struct scenario *parse(const char *name, const char *text)
{
	struct sc_errors errs = { 0 };
	struct scenario *sc = NULL;
	char msg[512] = "";
	int ret;

	ret = scenario_parse(name, text, strlen(text), NULL, 0, &sc, &errs);
	if (ret < 0 && errs.n)
		sc_error_format(&errs, 0, msg, sizeof(msg));
	sc_errors_free(&errs);
	ck_assert_msg(ret == 0, "%s: %s", name, msg);
	return sc;
}

struct scenario *load_example(const char *file)
{
	char path[512];

	path_in(path, sizeof(path), "NF_SCENARIO_DIR", "scenarios", file);
	return load(path);
}

struct scenario *load_data(const char *file)
{
	char path[512];

	path_in(path, sizeof(path), "NF_TEST_DATA_DIR", "tests/data", file);
	return load(path);
}

char *data_text(const char *file)
{
	char path[512], *text;
	long len;
	FILE *f;

	path_in(path, sizeof(path), "NF_TEST_DATA_DIR", "tests/data", file);
	f = fopen(path, "r");
	ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
	ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
	len = ftell(f);
	ck_assert_int_ge(len, 0);
	rewind(f);
	text = malloc((size_t)len + 1);
	ck_assert_ptr_nonnull(text);
	ck_assert_uint_eq(fread(text, 1, (size_t)len, f), (size_t)len);
	text[len] = '\0';
	fclose(f);
	return text;
}

/* The first cmd program of SC that is not installed, or NULL. */
const char *missing_program(const struct scenario *sc)
{
	for (size_t i = 0; i < sc->napps; i++) {
		const char *p = sc->apps[i].cmd ? sc->apps[i].cmd[0] : NULL;
		char buf[512];

		if (!p)
			continue;
		if (strchr(p, '/')) {
			if (access(p, X_OK) != 0)
				return p;
			continue;
		}
		snprintf(buf, sizeof(buf), "command -v %s >/dev/null 2>&1", p);
		if (system(buf) != 0)
			return p;
	}
	return NULL;
}

/* Removes DIR and everything under it. */
void remove_dir(const char *dir)
{
	char path[512];
	struct dirent *de;
	DIR *d = opendir(dir);

	while (d && (de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (de->d_type == DT_DIR)
			remove_dir(path);
		else
			unlink(path);
	}
	if (d)
		closedir(d);
	rmdir(dir);
}

/* ---- network faults ---------------------------------------------------------- */

int run_engine(struct scenario *sc, enum sc_engine engine, struct run_log *log,
	       json_t **result)
{
	struct engine_opts opts = { .impair_engine = engine };
	int ret = run_and_check(sc, &opts, log, result);

	scenario_free(sc);
	return ret;
}

/* Runs SC (auto engine): it must run to its end and pass. */
json_t *run_passing(struct scenario *sc, struct run_log *log)
{
	json_t *result = NULL;
	int ret = run_engine(sc, SC_ENGINE_AUTO, log, &result);

	ck_assert_msg(ret == 0, "engine_run %d: %s", ret,
		      json_string_value(json_object_get(result, "error")));
	ck_assert_msg(json_is_true(json_object_get(result, "passed")), "failed: %s",
		      json_string_value(json_object_get(result, "reason")));
	return result;
}

/* The engine this kernel gives delay, loss and rate when nothing forces one. */
const char *auto_engine(void)
{
	int have = netem_available(false);

	ck_assert_int_ge(have, 0);
	return have ? "netem" : "queue";
}

/* ---- a cancelled run --------------------------------------------------------- */

#define CANCEL_DEADLINE_US 20000000LL

static volatile sig_atomic_t worker_cancel;
static int worker_pipe = -1;

static void worker_sigterm(int sig)
{
	(void)sig;
	worker_cancel = 1;
}

int cancel_worker_fd(void)
{
	return worker_pipe;
}

pid_t cancel_worker_start(const struct scenario *sc, engine_event_fn on_event, int *read_fd)
{
	int p[2];
	pid_t worker;

	ck_assert_int_eq(pipe(p), 0);
	worker = fork();
	ck_assert_int_ge(worker, 0);
	if (worker == 0) {
		struct engine_opts opts = { .on_event = on_event, .cancel = &worker_cancel };
		json_t *result = NULL;
		const char *err;
		int ret;

		close(p[0]);
		worker_pipe = p[1];
		signal(SIGTERM, worker_sigterm);
		ret = engine_run(sc, &opts, &result);
		err = json_string_value(json_object_get(result, "error"));
		_exit(ret == -ECANCELED && json_is_false(json_object_get(result, "passed")) &&
		      err && strstr(err, "cancel") ? 0 : 1);
	}
	close(p[1]);
	*read_fd = p[0];
	return worker;
}

void cancel_worker_stop(pid_t worker, int delay_ms)
{
	int64_t start = mono_usec();
	int status = 0;

	usleep((useconds_t)delay_ms * 1000);
	kill(worker, SIGTERM);
	ck_assert_int_eq(waitpid(worker, &status, 0), worker);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "the worker did not return -ECANCELED (status %d)", status);
	ck_assert_msg(mono_usec() - start < CANCEL_DEADLINE_US + delay_ms * 1000LL,
		      "cancel took more than 20 s");
}
