/*
 * testlib.c: shared helpers of the Check tests (see testlib.h).
 */
#include "tests/lib/testlib.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>

/*
 * The snapshot uses the iproute2 and nft commands on purpose: the tests
 * check netfault's library code against an independent view of the kernel.
 */
char *nf_root_snapshot(void)
{
	static const char cmd[] =
		"ip -o link show 2>&1 | sed -E 's/ qlen [0-9]+//'; ip -o addr show 2>&1; "
		"ip route show table all 2>&1; ip -6 route show table all 2>&1; "
		"ip rule show 2>&1; ip -6 rule show 2>&1; "
		"tc qdisc show 2>&1; (nft list ruleset 2>&1 || true)";
	FILE *p = popen(cmd, "r");
	char *buf = NULL;
	size_t len = 0, cap = 0;
	char chunk[4096];
	size_t n;

	if (!p)
		return strdup("");
	while ((n = fread(chunk, 1, sizeof(chunk), p)) > 0) {
		if (len + n + 1 > cap) {
			cap = (len + n + 1) * 2;
			buf = realloc(buf, cap);
			if (!buf)
				abort();
		}
		memcpy(buf + len, chunk, n);
		len += n;
	}
	pclose(p);
	if (!buf)
		return strdup("");
	buf[len] = '\0';
	return buf;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int nf_scenario_files(char **dir, char **files, int max)
{
	const char *env = getenv("NF_SCENARIO_DIR");
	struct dirent *de;
	int n = 0;
	DIR *d;

	*dir = strdup(env && *env ? env : "scenarios");
	d = opendir(*dir);
	if (!d)
		return 0;
	while ((de = readdir(d)) && n < max) {
		size_t len = strlen(de->d_name);

		if (len > 5 && strcmp(de->d_name + len - 5, ".yaml") == 0)
			files[n++] = strdup(de->d_name);
	}
	closedir(d);
	qsort(files, (size_t)n, sizeof(files[0]), cmp_names);
	return n;
}

const char *nf_json_str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	ck_assert_msg(s != NULL, "no \"%s\" text", key);
	return s;
}

double nf_json_num(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	ck_assert_msg(json_is_number(v), "no \"%s\" number", key);
	return json_number_value(v);
}

int nf_run_suite(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
