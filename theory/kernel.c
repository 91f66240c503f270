/*
 * kernel.c: the kernel figures the timer model uses (struct theory_kernel):
 * a new namespace's compiled-in defaults by kernel version, and a host's
 * sysctl: over them.
 */
#include "theory/theory.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void theory_kernel_defaults(struct theory_kernel *k, int major, int minor)
{
	memset(k, 0, sizeof(*k));
	k->syn_linear = major > 6 || (major == 6 && minor >= 5);
	k->syn_linear_timeouts = k->syn_linear ? 4 : 0;
	k->syn_retries = 6;
	k->synack_retries = 5;
	k->retries2 = 15;
	k->rto_min_us = 200000;
	k->rto_max_us = 120LL * 1000000;
	k->ka_time_us = 7200LL * 1000000;
	k->ka_intvl_us = 75LL * 1000000;
	k->ka_probes = 9;
}

void theory_kernel_release(struct theory_kernel *k, const char *release)
{
	int major, minor;

	if (sscanf(release, "%d.%d", &major, &minor) != 2) {
		major = 6;   /* this project's kernel */
		minor = 18;
	}
	theory_kernel_defaults(k, major, minor);
}

/* The value of sysctl KEY as an integer, when it is one. */
static bool sysctl_int(const struct sc_sysctl *s, const char *key, long long *out)
{
	char *end;

	if (strcmp(s->key, key) != 0 || !s->value)
		return false;
	*out = strtoll(s->value, &end, 10);
	return end != s->value && *end == '\0';
}

void theory_kernel_host(struct theory_kernel *k, const struct sc_host *h)
{
	for (size_t i = 0; i < h->nsysctls; i++) {
		const struct sc_sysctl *s = &h->sysctls[i];
		long long v;

		if (sysctl_int(s, "net.ipv4.tcp_retries2", &v))
			k->retries2 = (int)v;
		else if (sysctl_int(s, "net.ipv4.tcp_syn_retries", &v))
			k->syn_retries = (int)v;
		else if (sysctl_int(s, "net.ipv4.tcp_synack_retries", &v))
			k->synack_retries = (int)v;
		else if (sysctl_int(s, "net.ipv4.tcp_syn_linear_timeouts", &v))
			k->syn_linear_timeouts = k->syn_linear ? (int)v : 0;
		else if (sysctl_int(s, "net.ipv4.tcp_keepalive_time", &v))
			k->ka_time_us = v * 1000000;
		else if (sysctl_int(s, "net.ipv4.tcp_keepalive_intvl", &v))
			k->ka_intvl_us = v * 1000000;
		else if (sysctl_int(s, "net.ipv4.tcp_keepalive_probes", &v))
			k->ka_probes = (int)v;
		else if (sysctl_int(s, "net.ipv4.tcp_rto_min_us", &v))
			k->rto_min_us = v;
	}
}
