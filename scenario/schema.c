/*
 * schema.c: the key tree of scenario format 1, in one place.
 *
 * Each mapping of the format is a node listing its keys; a key's node says
 * whether it takes a single value (and of what type), fixed keys, names the
 * user chooses (networks, hosts, apps), or a list. A host's addr: is both:
 * one address, or network names to addresses. keys.c checks every mapping of a
 * file against this tree (unknown keys, with the nearest valid one), and
 * paths.c follows dotted paths through it for --set and matrix:. A new key
 * of the format is added here first, then read in its section's file.
 */
#include <string.h>

#include "scenario/internal.h"

#define LEAF(n, t) { .name = (n), .shape = SC_SHAPE_LEAF, .value = (t) }
#define KEYS(n, t, k) { .name = (n), .shape = SC_SHAPE_KEYS, .value = (t), .keys = (k) }
#define EXCL(n, t, k) { .name = (n), .shape = SC_SHAPE_KEYS, .value = (t), .keys = (k), \
			.exclusive = true }
#define END { .name = NULL }

/* ---- hosts ---- */

static const struct sc_schema link_keys[] = {
	LEAF("delay", SC_VALUE_DURATION),
	LEAF("jitter", SC_VALUE_DURATION),
	LEAF("loss", SC_VALUE_PERCENT),
	LEAF("rate", SC_VALUE_RATE),
	LEAF("direction", SC_VALUE_TEXT),
	LEAF("engine", SC_VALUE_TEXT),
	END,
};

static const struct sc_schema middlebox_keys[] = {
	LEAF("nat", SC_VALUE_TEXT),
	LEAF("idle_timeout", SC_VALUE_DURATION),
	LEAF("expired", SC_VALUE_TEXT),
	END,
};

const struct sc_schema sc_schema_middlebox = KEYS("middlebox", SC_VALUE_NONE, middlebox_keys);

/* addr: an address, or network name -> address (hosts on several networks) */
static const struct sc_schema addr_entry = LEAF("address", SC_VALUE_TEXT);
#define ADDRS(n) { .name = (n), .shape = SC_SHAPE_NAMED, .value = SC_VALUE_TEXT, \
		   .entry = &addr_entry, .names = SC_NAMES_NETWORKS }

static const struct sc_schema host_keys[] = {
	ADDRS("addr"),
	ADDRS("addr6"),
	LEAF("mac", SC_VALUE_TEXT),
	{ .name = "sysctl", .shape = SC_SHAPE_FREE, .value = SC_VALUE_NONE },
	KEYS("link", SC_VALUE_NONE, link_keys),
	LEAF("network", SC_VALUE_ANY),     /* a name or a list of them */
	LEAF("gateway", SC_VALUE_TEXT),
	KEYS("middlebox", SC_VALUE_NONE, middlebox_keys),
	END,
};

const struct sc_schema sc_schema_host = KEYS("host", SC_VALUE_NONE, host_keys);

/* ---- networks ---- */

static const struct sc_schema network_keys[] = {
	LEAF("subnet", SC_VALUE_TEXT),
	LEAF("subnet6", SC_VALUE_TEXT),
	LEAF("mtu", SC_VALUE_NUMBER),
	END,
};

const struct sc_schema sc_schema_network = KEYS("network", SC_VALUE_NONE, network_keys);

/* ---- apps ---- */

static const struct sc_schema keepalive_keys[] = {
	LEAF("idle", SC_VALUE_DURATION),
	LEAF("interval", SC_VALUE_DURATION),
	LEAF("count", SC_VALUE_NUMBER),
	END,
};

static const struct sc_schema tcp_keys[] = {
	KEYS("keepalive", SC_VALUE_TEXT, keepalive_keys),
	LEAF("user_timeout", SC_VALUE_DURATION),
	LEAF("linger", SC_VALUE_DURATION_OR_OFF),
	LEAF("nodelay", SC_VALUE_BOOL),
	LEAF("sndbuf", SC_VALUE_NUMBER),
	LEAF("rcvbuf", SC_VALUE_NUMBER),
	LEAF("syn_retries", SC_VALUE_NUMBER),
	END,
};

static const struct sc_schema expect_only_keys[] = {
	LEAF("expect", SC_VALUE_TEXT),
	END,
};

static const struct sc_schema send_keys[] = {
	LEAF("bytes", SC_VALUE_NUMBER),
	LEAF("text", SC_VALUE_TEXT),
	LEAF("expect", SC_VALUE_TEXT),
	END,
};

static const struct sc_schema recv_keys[] = {
	LEAF("bytes", SC_VALUE_NUMBER),
	LEAF("expect", SC_VALUE_TEXT),
	END,
};

static const struct sc_schema sleep_keys[] = {
	LEAF("time", SC_VALUE_DURATION),
	LEAF("expect", SC_VALUE_TEXT),
	END,
};

static const struct sc_schema shutdown_keys[] = {
	LEAF("how", SC_VALUE_TEXT),
	LEAF("expect", SC_VALUE_TEXT),
	END,
};

/* The keys of a step item: the step names, one per item. */
static const struct sc_schema step_keys[] = {
	EXCL("accept", SC_VALUE_NONE, expect_only_keys),
	EXCL("connect", SC_VALUE_NONE, expect_only_keys),
	EXCL("send", SC_VALUE_ANY, send_keys),
	EXCL("recv", SC_VALUE_NUMBER, recv_keys),
	EXCL("wait", SC_VALUE_NONE, expect_only_keys),
	EXCL("sleep", SC_VALUE_DURATION, sleep_keys),
	EXCL("hold", SC_VALUE_NONE, expect_only_keys),
	EXCL("shutdown", SC_VALUE_TEXT, shutdown_keys),
	EXCL("close", SC_VALUE_NONE, expect_only_keys),
	EXCL("abort", SC_VALUE_NONE, expect_only_keys),
	EXCL("exit", SC_VALUE_NONE, expect_only_keys),
	EXCL("crash", SC_VALUE_NONE, expect_only_keys),
	END,
};

const struct sc_schema sc_schema_step = KEYS("step", SC_VALUE_TEXT, step_keys);

static const struct sc_schema cmd_arg = LEAF("argument", SC_VALUE_TEXT);

static const struct sc_schema app_keys[] = {
	LEAF("host", SC_VALUE_TEXT),
	LEAF("listen", SC_VALUE_PORT),
	LEAF("connect", SC_VALUE_TEXT),
	LEAF("family", SC_VALUE_TEXT),
	KEYS("tcp", SC_VALUE_NONE, tcp_keys),
	{ .name = "steps", .shape = SC_SHAPE_LIST, .entry = &sc_schema_step },
	{ .name = "cmd", .shape = SC_SHAPE_LIST, .entry = &cmd_arg },
	{ .name = "files", .shape = SC_SHAPE_FREE, .value = SC_VALUE_NONE },
	LEAF("user", SC_VALUE_TEXT),
	END,
};

const struct sc_schema sc_schema_app = KEYS("app", SC_VALUE_NONE, app_keys);

/* ---- faults ---- */

static const struct sc_schema host_only_keys[] = {
	LEAF("host", SC_VALUE_TEXT),
	END,
};

static const struct sc_schema plug_keys[] = {
	LEAF("host", SC_VALUE_TEXT),
	LEAF("network", SC_VALUE_TEXT),
	END,
};

static const struct sc_schema reboot_keys[] = {
	LEAF("host", SC_VALUE_TEXT),
	LEAF("down", SC_VALUE_DURATION),
	END,
};

static const struct sc_schema crash_keys[] = {
	LEAF("host", SC_VALUE_TEXT),
	LEAF("app", SC_VALUE_TEXT),
	LEAF("signal", SC_VALUE_TEXT),
	END,
};

static const struct sc_schema delay_keys[] = {
	LEAF("host", SC_VALUE_TEXT),
	LEAF("time", SC_VALUE_DURATION),
	LEAF("jitter", SC_VALUE_DURATION),
	LEAF("direction", SC_VALUE_TEXT),
	LEAF("engine", SC_VALUE_TEXT),
	LEAF("network", SC_VALUE_TEXT),
	END,
};

static const struct sc_schema loss_keys[] = {
	LEAF("host", SC_VALUE_TEXT),
	LEAF("percent", SC_VALUE_PERCENT),
	LEAF("direction", SC_VALUE_TEXT),
	LEAF("engine", SC_VALUE_TEXT),
	LEAF("network", SC_VALUE_TEXT),
	END,
};

static const struct sc_schema rate_keys[] = {
	LEAF("host", SC_VALUE_TEXT),
	LEAF("rate", SC_VALUE_RATE),
	LEAF("direction", SC_VALUE_TEXT),
	LEAF("engine", SC_VALUE_TEXT),
	LEAF("network", SC_VALUE_TEXT),
	END,
};

static const struct sc_schema drop_keys[] = {
	LEAF("host", SC_VALUE_TEXT),
	LEAF("direction", SC_VALUE_TEXT),
	LEAF("proto", SC_VALUE_TEXT),
	LEAF("port", SC_VALUE_PORT),
	LEAF("network", SC_VALUE_TEXT),
	END,
};

static const struct sc_schema reject_keys[] = {
	LEAF("host", SC_VALUE_TEXT),
	LEAF("with", SC_VALUE_TEXT),
	LEAF("direction", SC_VALUE_TEXT),
	LEAF("proto", SC_VALUE_TEXT),
	LEAF("port", SC_VALUE_PORT),
	LEAF("network", SC_VALUE_TEXT),
	END,
};

static const struct sc_schema partition_keys[] = {
	LEAF("from", SC_VALUE_ANY),
	LEAF("to", SC_VALUE_ANY),
	END,
};

/* The keys of a fault item: at, and the fault names, one per item. */
static const struct sc_schema fault_keys[] = {
	LEAF("at", SC_VALUE_DURATION),
	EXCL("poweroff", SC_VALUE_TEXT, host_only_keys),
	EXCL("poweron", SC_VALUE_TEXT, host_only_keys),
	EXCL("reboot", SC_VALUE_TEXT, reboot_keys),
	EXCL("crash", SC_VALUE_TEXT, crash_keys),
	EXCL("freeze", SC_VALUE_TEXT, host_only_keys),
	EXCL("thaw", SC_VALUE_TEXT, host_only_keys),
	EXCL("unplug", SC_VALUE_TEXT, plug_keys),
	EXCL("plug", SC_VALUE_TEXT, plug_keys),
	EXCL("delay", SC_VALUE_NONE, delay_keys),
	EXCL("loss", SC_VALUE_NONE, loss_keys),
	EXCL("rate", SC_VALUE_NONE, rate_keys),
	EXCL("drop", SC_VALUE_TEXT, drop_keys),
	EXCL("reject", SC_VALUE_TEXT, reject_keys),
	EXCL("partition", SC_VALUE_ANY, partition_keys),
	EXCL("heal", SC_VALUE_TEXT, host_only_keys),
	EXCL("forget", SC_VALUE_TEXT, host_only_keys),
	END,
};

const struct sc_schema sc_schema_fault = KEYS("fault", SC_VALUE_NONE, fault_keys);

/* ---- expect ---- */

static const struct sc_schema expect_keys[] = {
	LEAF("sees", SC_VALUE_TEXT),
	LEAF("after", SC_VALUE_DURATION),
	LEAF("before", SC_VALUE_DURATION),
	END,
};

const struct sc_schema sc_schema_expect = KEYS("expectation", SC_VALUE_TEXT, expect_keys);

/* ---- the top level ---- */

static const struct sc_schema top_keys[] = {
	LEAF("format", SC_VALUE_NUMBER),
	LEAF("name", SC_VALUE_TEXT),
	LEAF("description", SC_VALUE_TEXT),
	LEAF("duration", SC_VALUE_DURATION),
	{ .name = "networks", .shape = SC_SHAPE_NAMED, .entry = &sc_schema_network,
	  .names = SC_NAMES_NETWORKS },
	{ .name = "hosts", .shape = SC_SHAPE_NAMED, .entry = &sc_schema_host,
	  .names = SC_NAMES_HOSTS },
	{ .name = "apps", .shape = SC_SHAPE_NAMED, .entry = &sc_schema_app,
	  .names = SC_NAMES_APPS },
	{ .name = "faults", .shape = SC_SHAPE_LIST, .entry = &sc_schema_fault },
	{ .name = "expect", .shape = SC_SHAPE_NAMED, .entry = &sc_schema_expect,
	  .names = SC_NAMES_APPS },
	/* a mapping of paths to value lists, read by matrix.c, never a path */
	{ .name = "matrix", .shape = SC_SHAPE_FREE, .value = SC_VALUE_NONE },
	END,
};

const struct sc_schema sc_schema_root = KEYS("scenario", SC_VALUE_NONE, top_keys);

const struct sc_schema *sc_schema_child(const struct sc_schema *s, const char *name)
{
	if (s->shape != SC_SHAPE_KEYS || !s->keys)
		return NULL;
	for (const struct sc_schema *k = s->keys; k->name; k++)
		if (strcmp(k->name, name) == 0)
			return k;
	return NULL;
}

size_t sc_schema_names(const struct sc_schema *s, const char **names, size_t max,
		       bool exclusive_only)
{
	size_t n = 0;

	if (s->shape != SC_SHAPE_KEYS || !s->keys)
		return 0;
	for (const struct sc_schema *k = s->keys; k->name && n < max; k++)
		if (!exclusive_only || k->exclusive)
			names[n++] = k->name;
	return n;
}
