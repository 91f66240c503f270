/*
 * scenario.h: the scenario file, format version 1, as a plain C model.
 *
 * scenario_parse() reads a YAML text (libyaml) into struct scenario, checks
 * every key against the format (man netfault-scenario(5)) and resolves names
 * (hosts, apps, connect targets) into indexes, so the engine never looks at
 * text again. Every error found is collected with its line and column; a
 * scenario with any error is rejected whole. Nothing here prints or logs.
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
#define SC_MAX_HOSTS       250
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

struct sc_host {
	char name[SC_NAME_MAX + 1];
	int line, col;
	char *addr4;           /* "10.0.0.1/24": the default filled in */
	char *addr6;           /* "fd00::1/64": the default filled in */
	uint8_t mac[6];
	bool mac_set;          /* false: derived by the run (run id, index) */
	struct sc_sysctl *sysctls;
	size_t nsysctls;
	bool has_link;
	struct sc_impair link;
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
	int target_host;       /* resolved: host index, or -1 for a literal addr */
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
	int host;              /* host index; -1 = all (heal: all); partition: -1 */
	int app;               /* crash: app index, -1 = all of the host's apps */
	int signal;            /* crash: default SIGKILL */
	int64_t down_us;       /* reboot: default 1s */
	struct sc_impair impair;  /* delay, loss, rate */
	enum sc_direction direction; /* drop, reject (default in), delay.. (out) */
	int proto;             /* drop/reject: 0 any, IPPROTO_TCP, IPPROTO_UDP */
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
/* Reads FILE from disk and parses it. */
int scenario_load(const char *path, const struct sc_override *ovr, size_t novr,
		  struct scenario **out, struct sc_errors *errs);
void scenario_free(struct scenario *sc);
void sc_errors_free(struct sc_errors *errs);
/* Writes "file:line:col: message" for error I into BUF ("file: message"
 * for an error with no place). I == errs->n with errors dropped writes
 * "file: N more errors not shown"; any other I past the end, "". */
const char *sc_error_format(const struct sc_errors *errs, size_t i, char *buf, size_t len);

/* Index of the host/app named NAME, or -1. */
int scenario_host_find(const struct scenario *sc, const char *name);
int scenario_app_find(const struct scenario *sc, const char *name);

#endif
