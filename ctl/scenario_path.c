/*
 * scenario_path.c: scenario files by name (see scenario_path.h).
 *
 * The places, in order: the current directory, each directory of
 * $NETFAULT_PATH, the installed examples. In each, NAME and then NAME.yaml;
 * the first that exists and is not a directory wins. An absolute NAME is
 * only tried as it is (and with .yaml). A file found in the current
 * directory keeps the name it was given, so messages and JUnit reports say
 * what the user wrote.
 */
#include "ctl/scenario_path.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "scenario/scenario.h"

/* Set by the Makefile from PREFIX */
#ifndef NF_EXAMPLES_DIR
#define NF_EXAMPLES_DIR "/usr/local/share/netfault/scenarios"
#endif
/* from the program's own directory (BINDIR) */
#define EXAMPLES_FROM_BINDIR "/../share/netfault/scenarios"
#define MAX_EXAMPLES_DIRS 2
/* $NETFAULT_PATH: directories searched, at most */
#define MAX_PATH_DIRS 64

static bool is_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && !S_ISDIR(st.st_mode);
}

static bool is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static void add_dir(char **dirs, size_t *n, size_t max, const char *dir)
{
	char *real = realpath(dir, NULL);

	if (!real || !is_dir(real) || *n >= max) {
		free(real);
		return;
	}
	for (size_t i = 0; i < *n; i++) {
		if (strcmp(dirs[i], real) == 0) {
			free(real);
			return;
		}
	}
	dirs[(*n)++] = real;
}

size_t scenario_examples_dirs(char **dirs, size_t max)
{
	char exe[PATH_MAX], beside[PATH_MAX + sizeof(EXAMPLES_FROM_BINDIR)];
	ssize_t len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *slash;
	size_t n = 0;

	if (len > 0) {
		exe[len] = '\0';
		slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			snprintf(beside, sizeof(beside), "%s%s", exe, EXAMPLES_FROM_BINDIR);
			add_dir(dirs, &n, max, beside);
		}
	}
	add_dir(dirs, &n, max, NF_EXAMPLES_DIR);
	return n;
}

/* DIR/NAME or DIR/NAME.yaml, malloc'd, when one is a file; else NULL. */
static char *try_in(const char *dir, const char *name)
{
	char *path = NULL;

	for (int yaml = 0; yaml < 2; yaml++) {
		free(path);
		if (asprintf(&path, "%s%s%s%s", dir ? dir : "", dir ? "/" : "", name,
			     yaml ? ".yaml" : "") < 0)
			return NULL;
		if (is_file(path))
			return path;
	}
	free(path);
	return NULL;
}

/* The directories of $NETFAULT_PATH, split in place in COPY. */
static size_t path_dirs(char *copy, char **dirs, size_t max)
{
	size_t n = 0;

	for (char *save = NULL, *dir = copy ? strtok_r(copy, ":", &save) : NULL;
	     dir && n < max; dir = strtok_r(NULL, ":", &save))
		dirs[n++] = dir;
	return n;
}

static void say_not_found(const char *name, char **path, size_t npath,
			  char **examples, size_t nexamples, FILE *err)
{
	fprintf(err, "netfaultctl: %s: no such scenario; looked for %s and %s.yaml in:\n",
		name, name, name);
	if (name[0] == '/') {
		fprintf(err, "  / (an absolute name is looked for there only)\n");
		return;
	}
	fprintf(err, "  . (the current directory)\n");
	for (size_t i = 0; i < npath; i++)
		fprintf(err, "  %s ($NETFAULT_PATH)\n", path[i]);
	if (npath == 0)
		fprintf(err, "  ($NETFAULT_PATH is not set: a colon-separated list of "
			"directories)\n");
	for (size_t i = 0; i < nexamples; i++)
		fprintf(err, "  %s (the installed examples)\n", examples[i]);
	if (nexamples == 0)
		fprintf(err, "  (no installed examples: %s does not exist; see "
			"`make install`)\n", NF_EXAMPLES_DIR);
}

char *scenario_find(const char *name, FILE *err)
{
	char *examples[MAX_EXAMPLES_DIRS], *path[MAX_PATH_DIRS];
	const char *env = getenv("NETFAULT_PATH");
	char *copy = env ? strdup(env) : NULL;
	size_t npath = 0, nexamples = 0;
	char *found;

	found = try_in(NULL, name);
	if (found || name[0] == '/')
		goto out;
	npath = path_dirs(copy, path, MAX_PATH_DIRS);
	for (size_t i = 0; !found && i < npath; i++)
		found = try_in(path[i], name);
	nexamples = scenario_examples_dirs(examples, MAX_EXAMPLES_DIRS);
	for (size_t i = 0; !found && i < nexamples; i++)
		found = try_in(examples[i], name);
out:
	if (!found)
		say_not_found(name, path, npath, examples, nexamples, err);
	for (size_t i = 0; i < nexamples; i++)
		free(examples[i]);
	free(copy);
	return found;
}

int scenario_find_all(struct ctl_command *cmd, FILE *err)
{
	int status = 0;

	cmd->found = calloc(cmd->nfiles + 1, sizeof(char *));
	if (!cmd->found)
		return -1;
	cmd->nfound = cmd->nfiles;
	for (size_t i = 0; i < cmd->nfiles; i++) {
		cmd->found[i] = scenario_find(cmd->files[i], err);
		if (cmd->found[i])
			cmd->files[i] = cmd->found[i];
		else
			status = -1;
	}
	return status;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* DIR's *.yaml files, sorted; NULL-terminated, malloc'd. */
static char **yaml_files(const char *dir, size_t *n)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL, **grown;
	size_t len;

	*n = 0;
	while (d && (e = readdir(d))) {
		len = strlen(e->d_name);
		if (len < 6 || strcmp(e->d_name + len - 5, ".yaml") != 0)
			continue;
		grown = realloc(names, (*n + 2) * sizeof(*names));
		if (!grown)
			break;
		names = grown;
		names[*n] = strdup(e->d_name);
		if (names[*n])
			names[++*n] = NULL;
	}
	if (d)
		closedir(d);
	if (names)
		qsort(names, *n, sizeof(*names), by_name);
	return names;
}

static void print_example(FILE *out, const char *dir, const char *file)
{
	struct scenario *sc = NULL;
	struct sc_errors errs = { 0 };
	char *path = NULL;

	if (asprintf(&path, "%s/%s", dir, file) < 0)
		return;
	if (scenario_load(path, NULL, 0, &sc, &errs) == 0)
		fprintf(out, "  %-28s %s\n", file, sc->name);
	else
		fprintf(out, "  %-28s (not a valid scenario: netfaultctl validate %s)\n",
			file, path);
	scenario_free(sc);
	sc_errors_free(&errs);
	free(path);
}

int scenario_examples_command(FILE *out, FILE *err)
{
	char *dirs[MAX_EXAMPLES_DIRS];
	size_t ndirs = scenario_examples_dirs(dirs, MAX_EXAMPLES_DIRS), nfiles;
	char **files;

	if (ndirs == 0) {
		fprintf(err, "netfaultctl: no installed examples: %s does not exist "
			"(see `make install`)\n", NF_EXAMPLES_DIR);
		return 2;
	}
	for (size_t i = 0; i < ndirs; i++) {
		files = yaml_files(dirs[i], &nfiles);
		fprintf(out, "%s:\n", dirs[i]);
		for (size_t f = 0; f < nfiles; f++) {
			print_example(out, dirs[i], files[f]);
			free(files[f]);
		}
		free(files);
		free(dirs[i]);
	}
	fprintf(out, "run one by its file name, from any directory: netfaultctl run "
		"poweroff.yaml\n");
	return 0;
}
