/*
 * history.c: how many bytes of runs the daemon keeps (see history.h).
 *
 * What is counted is the compact JSON text of each kept event and result:
 * runs.c keeps them as that text, not as jansson trees (which take about
 * nine times as much heap), and parses them back for show. So the count is
 * the heap the history really holds, give or take malloc's rounding and a
 * few hundred bytes per run (its name, file, state), which the run count
 * limit (NFD_MAX_HISTORY) bounds.
 */
#include "daemon/history.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "daemon/netfaultd.h"

int history_budget_parse(const char *text, size_t *bytes)
{
	unsigned long long n, unit = 1;
	char *end;

	errno = 0;
	n = strtoull(text, &end, 10);
	if (errno || end == text || text[0] == '-')
		return -EINVAL;
	switch (*end) {
	case 'K': case 'k':
		unit = 1ull << 10;
		break;
	case 'M': case 'm':
		unit = 1ull << 20;
		break;
	case 'G': case 'g':
		unit = 1ull << 30;
		break;
	case '\0':
		break;
	default:
		return -EINVAL;
	}
	if (*end && end[1])
		return -EINVAL;
	if (n > NFD_MAX_HISTORY_BYTES / unit || n * unit < NFD_MIN_HISTORY_BYTES)
		return -ERANGE;
	*bytes = (size_t)(n * unit);
	return 0;
}

size_t history_budget(void)
{
	return nfd_conf.history_budget ? nfd_conf.history_budget : NFD_DEFAULT_HISTORY_BYTES;
}

size_t history_run_share(void)
{
	unsigned divisor = nfd_conf.parallel > NFD_RUN_SHARE_DIVISOR ?
			   nfd_conf.parallel : NFD_RUN_SHARE_DIVISOR;

	return history_budget() / divisor;
}

int64_t process_rss_bytes(void)
{
	FILE *f = fopen("/proc/self/statm", "re");
	unsigned long long size, resident;
	int64_t rss = -1;

	if (!f)
		return -1;
	if (fscanf(f, "%llu %llu", &size, &resident) == 2)
		rss = (int64_t)resident * sysconf(_SC_PAGESIZE);
	fclose(f);
	return rss;
}
