/*
 * scenario.h: the scenario file, format version 1, as a plain C model.
 *
 * scenario_parse() reads a YAML text (libyaml) into struct scenario, checks
 * every key against the format (man netfault-scenario(5)) and resolves names
 * (networks, hosts, apps, connect targets) into indexes, so the engine never
 * looks at text again. Every error found is collected with its line and
 * column; a scenario with any error is rejected whole. Nothing here prints
 * or logs.
 *
 * Networks (issue 12): a run has 1 to SC_MAX_NETWORKS networks, each a
 * switch of its own with an IPv4 and an IPv6 subnet and an MTU. A file
 * without networks: has exactly one, implicit, network (10.0.0.0/24,
 * fd00::/64, mtu 1500) with every host on it, and parses to what it did
 * before networks existed: host N (1-based) at 10.0.0.N/24 and fd00::N/64
 * unless written. A host has one interface per network it is on (eth0,
 * eth1, ... in the order of its network:); a host on two or more networks
 * is a router, and may carry a middlebox (connection tracking, NAT, idle
 * timeouts). Every address, gateway and middlebox below is final: the
 * kernel layer only builds what the model says, and computes routes from
 * networks, interfaces and routers.
 *
 * Times are microseconds (int64_t). Limits below bound what one file can make
 * the daemon allocate.
 */
#ifndef NETFAULT_SCENARIO_H
#define NETFAULT_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SC_MAX_TEXT        (1u << 20)   /* bytes of one scenario file */
#define SC_MAX_HOSTS       1000         /* per run; a network's subnet must hold its hosts */
#define SC_MAX_NETWORKS    16           /* per run */
#define SC_MAX_HOST_NETWORKS 8          /* networks (interfaces) of one host */
#define SC_MIN_PREFIX4     8            /* an IPv4 subnet: /8 to /30 */
#define SC_MAX_PREFIX4     30
#define SC_MIN_PREFIX6     8            /* an IPv6 subnet: /8 to /126 */
#define SC_MAX_PREFIX6     126
#define SC_MIN_MTU         576
#define SC_MAX_MTU         9000
#define SC_DEFAULT_MTU     1500
#define SC_IMPLICIT_NETWORK "default"   /* the name of a file's one implicit network */
/* A middlebox's idle_timeout: whole seconds (conntrack counts seconds), 1s to 7 days. */
#define SC_MAX_IDLE_TIMEOUT (7LL * 24 * 3600 * 1000000)
#define SC_MAX_APPS        64
#define SC_MAX_STEPS       256          /* per app */
#define SC_MAX_FAULTS      256
#define SC_MAX_SYSCTLS     64           /* per host */
#define SC_MAX_CMD_ARGS    64
#define SC_MAX_APP_FILES   8            /* files: of one cmd app */
#define SC_MAX_FILE_NAME   64
#define SC_MAX_STRING      4096         /* any one string value */
#define SC_MAX_SEND        (64u << 20)  /* bytes of one send/recv step */
#define SC_MAX_DURATION    (3600LL * 1000000)  /* duration: at most 1h */
#define SC_DEFAULT_DURATION (30LL * 1000000)
#define SC_MAX_MATRIX_KEYS 8
#define SC_MAX_MATRIX_VALUES 64
#define SC_MAX_MATRIX_CELLS 256
#define SC_MAX_ERRORS      100
#define SC_MAX_DEPTH       32           /* mappings and lists inside each other */
#define SC_NAME_MAX        15
/* What the link engines can serve (netns/impair.h): delay and jitter, rate. */
#define SC_MAX_DELAY_US    (225LL * 1000000)
#define SC_MIN_RATE_BPS    8ULL                 /* 1 byte per second */
#define SC_MAX_RATE_BPS    17000000000ULL       /* 17gbit */

enum sc_verdict {
	SC_VERDICT_NOTHING = 0,
	SC_VERDICT_FIN,
	SC_VERDICT_RST,
	SC_VERDICT_TIMEOUT,
	SC_VERDICT_UNREACHABLE,
	SC_VERDICT_REFUSED,
};
const char *sc_verdict_name(enum sc_verdict v);
/* "fin" -> SC_VERDICT_FIN; -1 when unknown. */
int sc_verdict_parse(const char *text);

/* Step results and step expectations: 0 ok, SC_RESULT_EOF, or an errno > 0. */
#define SC_RESULT_OK   0
#define SC_RESULT_EOF  (-1)
/* "ok", "eof", "EPIPE" ... ; the returned text is static. */
const char *sc_result_name(int result);

enum sc_step_kind {
	SC_STEP_ACCEPT, SC_STEP_CONNECT, SC_STEP_SEND, SC_STEP_RECV,
	SC_STEP_WAIT, SC_STEP_SLEEP, SC_STEP_HOLD, SC_STEP_SHUTDOWN,
	SC_STEP_CLOSE, SC_STEP_ABORT, SC_STEP_EXIT, SC_STEP_CRASH,
};
const char *sc_step_name(enum sc_step_kind k);

struct sc_step {
	enum sc_step_kind kind;
	int line, col;
	uint64_t bytes;        /* send: N bytes; recv: N, 0 = until eof/error */
	char *text;            /* send: "text" (then bytes = strlen) */
	int64_t sleep_us;      /* sleep */
	int shutdown_how;      /* SHUT_RD, SHUT_WR, SHUT_RDWR */
	bool implied;          /* the implied accept/connect */
	bool has_expect;
	int expect;            /* SC_RESULT_OK, SC_RESULT_EOF or errno */
};

struct sc_tcp {
	int keepalive;         /* -1 unset, 0 off, 1 on */
	int64_t ka_idle_us, ka_interval_us;   /* 0 = unset */
	int ka_count;          /* 0 = unset */
	int64_t user_timeout_us;              /* -1 = unset */
	int linger;            /* -1 unset, 0 off, 1 on with linger_us */
	int64_t linger_us;
	int nodelay;           /* -1 unset, 0, 1 */
	int sndbuf, rcvbuf;    /* 0 = unset */
	int syn_retries;       /* -1 = unset */
};

enum sc_direction { SC_DIR_OUT = 1, SC_DIR_IN = 2, SC_DIR_BOTH = 3 };
enum sc_engine { SC_ENGINE_AUTO = 0, SC_ENGINE_NETEM, SC_ENGINE_QUEUE };

/* Link impairments: a host's `link:` and the delay/loss/rate faults. */
struct sc_impair {
	int64_t delay_us;      /* -1 = unset */
	int64_t jitter_us;     /* -1 = unset */
	double loss_percent;   /* < 0 = unset */
	uint64_t rate_bps;     /* 0 = unset; bits per second */
	enum sc_direction direction;
	enum sc_engine engine;
};

struct sc_sysctl {
	char *key;
	char *value;
	int line, col;
};

/*
 * A network: one switch (a bridge in a namespace of its own) with the
 * interfaces plugged into it. Written in networks:, or the one implicit
 * network of a file without networks: (name SC_IMPLICIT_NETWORK,
 * 10.0.0.0/24, fd00::/64, mtu 1500; its hosts' written addresses are kept
 * as written, in or out of that subnet, as before networks existed).
 */
struct sc_network {
	char name[SC_NAME_MAX + 1];  /* the host-name rule */
	int line, col;         /* its key in networks:; 0, 0 when implicit */
	char *subnet4;         /* "10.1.0.0/24": host bits zero; default 10.K.0.0/24,
				* K = 1-based position in networks: */
	char *subnet6;         /* "fd00:1::/64"; default fd00:K::/64 (K's decimal digits) */
	int mtu;               /* of every interface on it, SC_MIN_MTU to SC_MAX_MTU;
				* below 1280 the kernel turns IPv6 off on them */
	bool implicit;         /* made because networks: was absent */
};

/*
 * A host's interface on one network: eth0, eth1, ... in the order of the
 * host's network:. Default addresses go by position: the N-th host (in
 * hosts order, 1-based) on a network gets the subnet's base + N, in IPv6
 * with N's decimal digits (the 12th host of fd00:1::/64 is fd00:1::12).
 * The prefix is always the network's (the implicit network: as written,
 * default /24 and /64). No two interfaces of a run share an address.
 */
struct sc_iface {
	int network;           /* index into scenario.networks */
	char *addr4;           /* "10.1.0.3/24" */
	char *addr6;           /* "fd00:1::3/64" */
	int line, col;         /* the network's name in the host's network:, else
				* the host's own place */
};

/* What a packet of a connection the middlebox forgot meets. */
enum sc_expired {
	SC_EXPIRED_DROP = 0,   /* dropped silently (cloud NATs, firewalls); default */
	SC_EXPIRED_RESET,      /* answered with an RST to its sender (load balancers) */
	SC_EXPIRED_PICKUP,     /* Linux's loose tracking: from the inside it re-creates
				* the mapping, from the outside the router answers RST */
};

/* A router's connection tracking: a NAT gateway, a stateful firewall or a
 * load balancer that forgets idle connections. */
struct sc_middlebox {
	bool enabled;          /* middlebox: written (routers only) */
	int nat;               /* network index connections leaving through it are
				* masqueraded on (to the router's address there); -1 none */
	int64_t idle_timeout_us;  /* an established connection idle this long is
				   * forgotten; whole seconds; -1 = the kernel's (5 days) */
	enum sc_expired expired;
	int line, col;         /* the middlebox: key */
};

struct sc_host {
	char name[SC_NAME_MAX + 1];  /* never "all", "sw" or "sw-..." */
	int line, col;
	char *addr4;           /* "10.0.0.1/24": ifaces[0].addr4 (a copy), so code that
				* knows one interface per host reads it as before */
	char *addr6;           /* "fd00::1/64": ifaces[0].addr6 (a copy) */
	struct sc_iface *ifaces;  /* 1 to SC_MAX_HOST_NETWORKS */
	size_t nifaces;
	bool router;           /* on two or more networks: forwards IPv4 and IPv6
				* between them */
	int gateway;           /* host index of the router its default route goes to:
				* written, or the first router (hosts order) on one of
				* its networks; -1: none (gateway: none, no router
				* near, or a router without gateway:, which reaches
				* every network by the routes computed for it) */
	struct sc_middlebox middlebox;
	uint8_t mac[6];        /* eth0's; the kernel layer derives the others */
	bool mac_set;          /* false: derived by the run (run id, index) */
	struct sc_sysctl *sysctls;
	size_t nsysctls;
	bool has_link;
	struct sc_impair link; /* on every interface of the host */
	bool implicit;         /* made because `hosts` was absent */
};

/* An extension for cmd apps: a file written into the app's own directory
 * before it starts (its config), ${APPDIR} in TEXT and in cmd replaced by
 * that directory's path. */
struct sc_file {
	char *name;            /* [A-Za-z0-9_][A-Za-z0-9._-]*: no '/', no ".." */
	char *text;
	int line, col;
};

struct sc_app {
	char name[SC_NAME_MAX + 1];
	int line, col;
	int host;              /* index into scenario.hosts */
	bool is_server;        /* listen: given */
	bool is_client;        /* connect: given */
	int listen_port;
	char *connect;         /* the text as written */
	int target_host;       /* resolved: host index, or -1 for a literal addr;
				* which of its addresses: scenario_iface_toward() */
	char *target_addr;     /* literal address (no brackets), else NULL */
	int target_port;
	int family;            /* AF_INET (default) or AF_INET6 */
	struct sc_tcp tcp;
	struct sc_step *steps; /* implied accept/connect included */
	size_t nsteps;
	bool default_steps;    /* no steps: written, these are the role's default */
	char **cmd;            /* NULL-terminated argv, or NULL for built-in */
	size_t ncmd;
	struct sc_file *files; /* cmd apps only (extension key files:) */
	size_t nfiles;
	char *user;            /* NULL = root */
	int user_line, user_col; /* the user: key; 0, 0: none or an override */
};

enum sc_fault_kind {
	SC_FAULT_POWEROFF, SC_FAULT_POWERON, SC_FAULT_REBOOT, SC_FAULT_CRASH,
	SC_FAULT_FREEZE, SC_FAULT_THAW, SC_FAULT_UNPLUG, SC_FAULT_PLUG,
	SC_FAULT_DELAY, SC_FAULT_LOSS, SC_FAULT_RATE, SC_FAULT_DROP,
	SC_FAULT_REJECT, SC_FAULT_PARTITION, SC_FAULT_HEAL,
	SC_FAULT_FORGET,       /* a router's middlebox forgets every connection */
};
const char *sc_fault_name(enum sc_fault_kind k);

enum sc_reject_with {
	SC_REJECT_TCP_RESET, SC_REJECT_ICMP_PORT, SC_REJECT_ICMP_HOST,
	SC_REJECT_ICMP_ADMIN,
};

struct sc_fault {
	enum sc_fault_kind kind;
	int line, col;
	int64_t at_us;
	int host;              /* host index; -1 = all (heal: all); partition: -1;
				* forget: a router with a middlebox */
	int network;           /* unplug, plug, delay, loss, rate, drop, reject: the
				* network index of the one interface it acts on;
				* -1 = every interface of the host (the default) */
	int app;               /* crash: app index, -1 = all of the host's apps */
	int signal;            /* crash: default SIGKILL */
	int64_t down_us;       /* reboot: default 1s */
	struct sc_impair impair;  /* delay, loss, rate */
	enum sc_direction direction; /* drop, reject (default in), delay.. (out) */
	int proto;             /* drop/reject: 0 any, IPPROTO_TCP, IPPROTO_UDP,
				* IPPROTO_ICMP (ICMP and ICMPv6) */
	int port;              /* drop/reject: 0 any */
	enum sc_reject_with reject_with;
	/* partition: group[h] = group number of host h (0 = in no group) for
	 * the symmetric form; or from/to host masks for the one-way form */
	bool one_way;
	int *group;            /* nhosts entries, symmetric form */
	bool *from, *to;       /* nhosts entries, one-way form */
};

struct sc_expect {
	int app;
	int line, col;
	enum sc_verdict verdict;
	int64_t after_us;      /* -1 = no lower bound */
	int64_t before_us;     /* -1 = no upper bound */
};

struct sc_matrix_key {
	char *path;            /* "apps.server.tcp.keepalive.idle" */
	char **values;         /* scalar texts */
	size_t nvalues;
	int line, col;
};

struct scenario {
	char *file;            /* the name errors are reported with */
	char *name;
	char *description;
	int64_t duration_us;
	struct sc_network *networks;  /* 1 to SC_MAX_NETWORKS */
	size_t nnetworks;
	bool networks_given;   /* networks: written; else the one implicit network */
	struct sc_host *hosts;
	size_t nhosts;
	struct sc_app *apps;
	size_t napps;
	struct sc_fault *faults;  /* sorted by at_us, stable */
	size_t nfaults;
	struct sc_expect *expects;
	size_t nexpects;
	struct sc_matrix_key *matrix;
	size_t nmatrix;
};

struct sc_error {
	int line, col;         /* 1-based; 0, 0: no place in the file (the file's
				* size, a --set override: msg names it) */
	char msg[256];
};

struct sc_errors {
	char *file;
	struct sc_error *v;
	size_t n;
	size_t dropped;        /* errors past SC_MAX_ERRORS */
};

/* One "--set PATH=VALUE" override, applied to the document before it is read
 * (the value is YAML text: "2s", "3", "[1, 2]"). */
struct sc_override {
	const char *path;
	const char *value;
};

/*
 * Parses TEXT (LEN bytes) named FILE. On success returns 0 and *out. On
 * failure returns -EINVAL (errs filled, at least one error), or another
 * negative errno (-ENOMEM, -EFBIG when over SC_MAX_TEXT). ERRS must be
 * released with sc_errors_free in any case.
 */
int scenario_parse(const char *file, const char *text, size_t len,
		   const struct sc_override *ovr, size_t novr,
		   struct scenario **out, struct sc_errors *errs);
/*
 * Reads PATH into *TEXT (malloc'd, NUL-terminated, *LEN bytes before the
 * NUL), but no more than SC_MAX_TEXT + 1 bytes: a longer file is then
 * refused by scenario_parse like any text over the limit. Returns 0 or a
 * negative errno.
 */
int scenario_read_text(const char *path, char **text, size_t *len);
/* Reads FILE from disk and parses it. */
int scenario_load(const char *path, const struct sc_override *ovr, size_t novr,
		  struct scenario **out, struct sc_errors *errs);
void scenario_free(struct scenario *sc);
void sc_errors_free(struct sc_errors *errs);
/* Writes "file:line:col: message" for error I into BUF ("file: message"
 * for an error with no place). I == errs->n with errors dropped writes
 * "file: N more errors not shown"; any other I past the end, "". */
const char *sc_error_format(const struct sc_errors *errs, size_t i, char *buf, size_t len);

/* Index of the host/app/network named NAME, or -1. */
int scenario_host_find(const struct scenario *sc, const char *name);
int scenario_app_find(const struct scenario *sc, const char *name);
int scenario_network_find(const struct scenario *sc, const char *name);
/* The index of HOST's interface on NETWORK, or -1 when it is not on it. */
int scenario_host_iface(const struct scenario *sc, int host, int network);
/*
 * Which interface of host TO a client on host FROM connects to (connect:
 * HOST or APP): the first of TO's interfaces on a network FROM is on too,
 * else TO's first (0); the address is that interface's addr4 or addr6 by
 * the app's family. -1 when TO is not a host index.
 */
int scenario_iface_toward(const struct scenario *sc, int from, int to);

#endif
