/*
 * internal.h: what the files of the scenario parser share, and nothing the
 * rest of netfault needs (that is scenario.h).
 *
 * The parser checks how deep the text nests (parse.c), loads it whole into
 * a libyaml document, applies the --set overrides to that document
 * (override.c and paths.c), then reads the model from it section by
 * section: parse.c walks the top level and calls networks.c, hosts.c
 * (with routers.c for network:, gateway: and middlebox:, addresses.c for
 * addr: and addr6:), apps.c (with tcp.c and steps.c), addresses.c again
 * for the defaults, routers.c for gateways, targets.c, faults.c (with
 * impair.c and partition.c), expect.c and matrix.c in that order; subnet.c
 * does the address arithmetic. schema.c holds the key tree of the
 * format, which keys.c checks mappings against and paths.c follows for
 * dotted paths (--set and matrix:). Errors go through errors.c with the
 * position of the YAML node they are about; value readers (values.c)
 * report their own errors, so a section reader only says which key it
 * wants read as what.
 *
 * Every reader keeps going after an error, so one pass reports all of them.
 */
#ifndef NETFAULT_SCENARIO_INTERNAL_H
#define NETFAULT_SCENARIO_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <yaml.h>

#include "scenario/scenario.h"

/* ---- the parse context ---------------------------------------------------- */

/* Where an app came from in the document, for the passes after apps.c. */
struct sc_app_src {
	const yaml_node_t *key;      /* the app's name */
	const yaml_node_t *host;     /* host: value, or NULL */
	const yaml_node_t *connect;  /* connect: value, or NULL */
	bool family_given;
};

struct sc_host_src {
	const yaml_node_t *key;      /* the host's name (NULL for implicit hosts) */
	const yaml_node_t *addr;     /* addr: value (an address or a mapping), or NULL */
	const yaml_node_t *addr6;    /* addr6: value, or NULL */
	const yaml_node_t *gateway;  /* gateway: value, or NULL */
	uint8_t written[2];          /* bit k: interface k's IPv4 [0] / IPv6 [1]
				      * address was written and read */
};

/* ---- subnet.c: addresses and subnets as numbers ----------------------------- */

struct sc_prefix {
	int family;                  /* AF_INET or AF_INET6 */
	unsigned char addr[16];      /* network order; IPv4 in the first 4 */
	unsigned len;
};

/* 32 or 128. */
unsigned sc_addr_bits(int family);
/* "10.1.0.0/24" or "10.1.0.0" (*len = -1): 0, -EINVAL (not an address, a
 * bad prefix) or -ERANGE (a prefix past the family's bits). */
int sc_addr_parse(const char *text, int family, unsigned char addr[16], int *len);
bool sc_prefix_contains(const struct sc_prefix *p, const unsigned char addr[16]);
bool sc_prefix_overlap(const struct sc_prefix *a, const struct sc_prefix *b);
/* Zeroes P's host bits; true when some were set. */
bool sc_prefix_clear_host(struct sc_prefix *p);
/* ADDR is P's own address / P's IPv4 broadcast address. */
bool sc_prefix_is_base(const struct sc_prefix *p, const unsigned char addr[16]);
bool sc_prefix_is_broadcast(const struct sc_prefix *p, const unsigned char addr[16]);
/* The offset from the base of the N-th host: N, or in IPv6 N's decimal
 * digits read as hexadecimal (12 -> 0x12). */
uint64_t sc_host_offset(int family, unsigned n);
/* The N-th host's address of P into OUT; false when P does not hold it. */
bool sc_prefix_nth(const struct sc_prefix *p, unsigned n, unsigned char out[16]);
/* How many hosts P holds by position, at most SC_MAX_HOSTS + 1. */
unsigned sc_prefix_hosts(const struct sc_prefix *p);
/* "10.1.0.3/24" (or without the prefix when LEN < 0) into BUF. */
const char *sc_addr_format(int family, const unsigned char addr[16], int len,
			   char *buf, size_t size);

/* A network's nodes and parsed subnets, for the passes after networks.c. */
struct sc_net_src {
	const yaml_node_t *key;       /* NULL for the implicit network */
	const yaml_node_t *subnet[2]; /* subnet: [0], subnet6: [1] as written, or NULL */
	struct sc_prefix prefix[2];   /* IPv4 [0], IPv6 [1]: written or default */
	bool prefix_ok[2];            /* false after an error in it */
};

struct sc_ctx {
	const char *text;        /* the file as given, for positions of bad bytes */
	size_t len;
	yaml_document_t *doc;
	struct scenario *sc;
	struct sc_errors *errs;
	const struct sc_override *ovr;
	size_t novr;
	int failure;             /* a negative errno other than -EINVAL, or 0 */
	bool hosts_given;        /* a non-empty hosts: mapping was read */
	const yaml_node_t *hosts_node;     /* the hosts: value, or NULL */
	const yaml_node_t *networks_key;   /* the networks: key, or NULL */
	struct sc_app_src app_src[SC_MAX_APPS];
	struct sc_host_src host_src[SC_MAX_HOSTS];
	struct sc_net_src net_src[SC_MAX_NETWORKS];
};

/* ---- errors.c ---------------------------------------------------------------- */

/* Records an error about NODE (its start position; NULL: the whole file). */
void sc_error(struct sc_ctx *ctx, const yaml_node_t *node, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Records an error at a 1-based LINE and COL (0, 0: the whole file). */
void sc_error_at(struct sc_ctx *ctx, int line, int col, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Remembers an allocation failure; the parse then ends with -ENOMEM. */
void sc_nomem(struct sc_ctx *ctx);
/* Sorts the errors by position, keeping the order of errors at one place. */
void sc_errors_sort(struct sc_errors *errs);

/* Overrides mark the nodes they create with this line; column = index. */
#define SC_OVERRIDE_LINE ((size_t)-1)

/* ---- node.c: reading the libyaml document ----------------------------------- */

/* NODE must be a mapping, a list: check with sc_is_map, sc_is_list first. */
#define SC_FOR_PAIRS(p, node) \
	for (yaml_node_pair_t *p = (node)->data.mapping.pairs.start; \
	     p < (node)->data.mapping.pairs.top; p++)
#define SC_FOR_ITEMS(it, node) \
	for (yaml_node_item_t *it = (node)->data.sequence.items.start; \
	     it < (node)->data.sequence.items.top; it++)

yaml_node_t *sc_node(const struct sc_ctx *ctx, int id);
bool sc_is_map(const yaml_node_t *n);
bool sc_is_list(const yaml_node_t *n);
bool sc_is_scalar(const yaml_node_t *n);
/* A plain empty, "~" or "null" scalar: a key written with no value. */
bool sc_is_null(const yaml_node_t *n);
/* A quoted or block scalar (never a number, a boolean or null). */
bool sc_is_quoted(const yaml_node_t *n);
/* The text of a scalar, or NULL for other nodes. */
const char *sc_scalar(const yaml_node_t *n);
size_t sc_map_len(const yaml_node_t *n);
size_t sc_list_len(const yaml_node_t *n);
/* The value of the first KEY in mapping MAP, or NULL. */
yaml_node_t *sc_get(const struct sc_ctx *ctx, const yaml_node_t *map, const char *key);
/* The key node of the first KEY in MAP, or NULL. */
yaml_node_t *sc_get_key(const struct sc_ctx *ctx, const yaml_node_t *map, const char *key);
/* A node's text for messages: quoted, shortened, control characters out. */
struct sc_quoted { char s[72]; };
const char *sc_quote(struct sc_quoted *q, const char *text);
/* A node's 1-based line and column; 0 for nodes an override made. */
int sc_line(const yaml_node_t *n);
int sc_col(const yaml_node_t *n);
/* What a node is, for "expected ..., not a list" messages. */
const char *sc_node_kind(const yaml_node_t *n);

/* ---- values.c: single values, each reports its own errors ------------------- */

/* All return true when *out was set, false after reporting an error. */
bool sc_read_text(struct sc_ctx *ctx, const yaml_node_t *n, const char *what,
		  bool one_line, char **out);
bool sc_read_duration(struct sc_ctx *ctx, const yaml_node_t *n, const char *what,
		      int64_t *out);
bool sc_read_uint(struct sc_ctx *ctx, const yaml_node_t *n, const char *what,
		  uint64_t min, uint64_t max, uint64_t *out);
bool sc_read_int(struct sc_ctx *ctx, const yaml_node_t *n, const char *what,
		 int min, int max, int *out);
bool sc_read_port(struct sc_ctx *ctx, const yaml_node_t *n, const char *what, int *out);
bool sc_read_bool(struct sc_ctx *ctx, const yaml_node_t *n, const char *what, bool *out);
bool sc_read_percent(struct sc_ctx *ctx, const yaml_node_t *n, const char *what,
		     double *out);
bool sc_read_rate(struct sc_ctx *ctx, const yaml_node_t *n, const char *what,
		  uint64_t *bps);
/* One of WORDS (NULL-terminated); *out = its index. */
bool sc_read_word(struct sc_ctx *ctx, const yaml_node_t *n, const char *what,
		  const char *const *words, int *out);
/* ok, eof or an errno name: SC_RESULT_OK, SC_RESULT_EOF or the errno. */
bool sc_read_result(struct sc_ctx *ctx, const yaml_node_t *n, int *out);
bool sc_read_signal(struct sc_ctx *ctx, const yaml_node_t *n, int *out);
bool sc_read_direction(struct sc_ctx *ctx, const yaml_node_t *n,
		       enum sc_direction *out);
/* A host or app name: [a-z][a-z0-9-]{0,14}. */
bool sc_name_valid(const char *name);
/* Pure parsers the readers use, for tests and other callers. */
int sc_parse_rate(const char *text, uint64_t *bps);
int sc_parse_uint(const char *text, uint64_t *out);

/* ---- suggest.c: "did you mean" --------------------------------------------- */

/* The candidate closest to WORD, or NULL when none is close enough. */
const char *sc_suggest(const char *word, const char *const *candidates, size_t n);
/* The errno name closest to WORD, or NULL. */
const char *sc_suggest_errno(const char *word);
/* Appends " (did you mean X?)" or " (expected A, B or C)" to BUF. */
void sc_hint(char *buf, size_t len, const char *word,
	     const char *const *candidates, size_t n);
/* Writes "A, B or C" into BUF. */
const char *sc_join_or(char *buf, size_t len, const char *const *words, size_t n);

/* ---- schema.c: the key tree of format 1 ------------------------------------ */

enum sc_shape {
	SC_SHAPE_LEAF,     /* a single value */
	SC_SHAPE_KEYS,     /* a mapping with fixed keys (.keys) */
	SC_SHAPE_NAMED,    /* a mapping of user-chosen names to .entry */
	SC_SHAPE_LIST,     /* a list of .entry */
	SC_SHAPE_FREE,     /* a mapping of free dotted names to values (sysctl) */
};

/* The type of a single value, for checking matrix values early. */
enum sc_value_type {
	SC_VALUE_NONE,     /* takes no single value */
	SC_VALUE_ANY,
	SC_VALUE_TEXT,
	SC_VALUE_DURATION,
	SC_VALUE_DURATION_OR_OFF,
	SC_VALUE_NUMBER,
	SC_VALUE_PORT,
	SC_VALUE_PERCENT,
	SC_VALUE_RATE,
	SC_VALUE_BOOL,
};

enum sc_names { SC_NAMES_NONE, SC_NAMES_HOSTS, SC_NAMES_APPS, SC_NAMES_NETWORKS };

struct sc_schema {
	const char *name;
	enum sc_shape shape;
	enum sc_value_type value;        /* also for KEYS that take a single value */
	const struct sc_schema *keys;    /* KEYS: array ended by { NULL } */
	const struct sc_schema *entry;   /* NAMED, LIST */
	enum sc_names names;             /* NAMED: whose names the keys are */
	bool exclusive;                  /* one of the keys a fault/step item holds */
};

extern const struct sc_schema sc_schema_root;
extern const struct sc_schema sc_schema_network;
extern const struct sc_schema sc_schema_host;
extern const struct sc_schema sc_schema_middlebox;
extern const struct sc_schema sc_schema_app;
extern const struct sc_schema sc_schema_step;      /* a step list item */
extern const struct sc_schema sc_schema_fault;     /* a fault list item */
extern const struct sc_schema sc_schema_expect;    /* one app's expectation */
/* The child named NAME of a KEYS node, or NULL. */
const struct sc_schema *sc_schema_child(const struct sc_schema *s, const char *name);
/* The names of a KEYS node's children into NAMES (at most MAX); the count. */
size_t sc_schema_names(const struct sc_schema *s, const char **names, size_t max,
		       bool exclusive_only);

/* ---- keys.c: checking a mapping against the tree ---------------------------- */

/*
 * Checks that N is a mapping (else reports EXPECTED, e.g. "expected a mapping
 * of TCP options") whose keys are all children of S, each once. Unknown keys
 * are reported with the nearest valid one. A null node counts as an empty
 * mapping. Returns false when N is not a mapping at all.
 */
bool sc_check_keys(struct sc_ctx *ctx, const yaml_node_t *n,
		   const struct sc_schema *s, const char *expected);
/* Reports keys of mapping N that repeat, as "duplicate NOUN". */
void sc_check_duplicates(struct sc_ctx *ctx, const yaml_node_t *n, const char *noun);
/* Reports KEY as a duplicate NOUN ("key", "host") of the earlier FIRST. */
void sc_report_duplicate(struct sc_ctx *ctx, const yaml_node_t *key, const char *noun,
			 const yaml_node_t *first);
/* Reports a missing required KEY of mapping N, with a hint of its use. */
void sc_missing(struct sc_ctx *ctx, const yaml_node_t *n, const char *key,
		const char *hint);

/* ---- paths.c: dotted key paths --------------------------------------------- */

enum sc_path_mode { SC_PATH_CHECK, SC_PATH_SET };
/*
 * Follows PATH ("apps.server.tcp.user_timeout") through the key tree and the
 * document. CHECK changes nothing and stores the schema node of the last key
 * in *leaf; SET puts node VALUE_ID at the path, creating missing keys (their
 * nodes marked with MARK). Returns 0, -EINVAL with a reason in WHY, or
 * -ENOMEM.
 */
int sc_path_follow(struct sc_ctx *ctx, const char *path, enum sc_path_mode mode,
		   int value_id, yaml_mark_t mark, const struct sc_schema **leaf,
		   char *why, size_t whylen);

/* ---- the sections ---------------------------------------------------------- */

int sc_apply_overrides(struct sc_ctx *ctx);                       /* override.c */
/* networks: of ROOT, or the implicit network when it has none. */
void sc_read_networks(struct sc_ctx *ctx, const yaml_node_t *root); /* networks.c */
void sc_read_hosts(struct sc_ctx *ctx, const yaml_node_t *hosts);  /* hosts.c */
void sc_make_implicit_hosts(struct sc_ctx *ctx);
/* A host's network: (VALUE, NULL when absent) into its interfaces; MISSING
 * reports an absent one when the file has several networks. */
void sc_read_host_networks(struct sc_ctx *ctx, struct sc_host *h,  /* routers.c */
			   struct sc_host_src *src, const yaml_node_t *value, bool missing);
void sc_read_middlebox(struct sc_ctx *ctx, struct sc_host *h, const yaml_node_t *key,
		       const yaml_node_t *value);
void sc_resolve_gateways(struct sc_ctx *ctx);
/* addr: (FAMILY AF_INET) or addr6: of host H into its interfaces. */
void sc_read_host_addr(struct sc_ctx *ctx, struct sc_host *h,     /* addresses.c */
		       struct sc_host_src *src, const yaml_node_t *value, int family);
/* Default addresses by position, subnet sizes, h->addr4/addr6, repeats. */
void sc_fill_addresses(struct sc_ctx *ctx);
bool sc_read_impair(struct sc_ctx *ctx, const yaml_node_t *map,   /* impair.c */
		    const struct sc_schema *s, struct sc_impair *imp);
void sc_impair_init(struct sc_impair *imp);
void sc_read_apps(struct sc_ctx *ctx, const yaml_node_t *apps);    /* apps.c */
void sc_place_apps(struct sc_ctx *ctx);
void sc_read_tcp(struct sc_ctx *ctx, struct sc_app *app,           /* tcp.c */
		 const yaml_node_t *tcp);
void sc_tcp_init(struct sc_tcp *tcp);
void sc_read_steps(struct sc_ctx *ctx, struct sc_app *app,         /* steps.c */
		   const yaml_node_t *steps);
void sc_resolve_targets(struct sc_ctx *ctx);                       /* targets.c */
void sc_read_faults(struct sc_ctx *ctx, const yaml_node_t *faults); /* faults.c */
void sc_read_partition(struct sc_ctx *ctx, struct sc_fault *f,     /* partition.c */
		       const yaml_node_t *value);
void sc_read_expect(struct sc_ctx *ctx, const yaml_node_t *expect); /* expect.c */
void sc_read_matrix(struct sc_ctx *ctx, const yaml_node_t *matrix); /* matrix.c */

/* Host and app lookups that report "unknown host" with a suggestion. */
int sc_find_host(struct sc_ctx *ctx, const yaml_node_t *n);       /* hosts.c */
int sc_find_host_named(struct sc_ctx *ctx, const yaml_node_t *n, const char *name);
int sc_find_app(struct sc_ctx *ctx, const yaml_node_t *n);        /* apps.c */
/* A network name lookup that reports "unknown network" with a suggestion. */
int sc_find_network(struct sc_ctx *ctx, const yaml_node_t *n);    /* networks.c */
/* "lan", "lan and wan", "lan, wan and dmz" (LAST_SEP " and " or " or ") of
 * the network indexes NETS, or "9 networks" when many. */
const char *sc_network_names(const struct scenario *sc, const int *nets, size_t n,
			     const char *last_sep, char *buf, size_t len);
/* The networks host H is on, as sc_network_names writes them. */
const char *sc_host_networks(const struct scenario *sc, const struct sc_host *h,
			     char *buf, size_t len);

/* ---- memory ---------------------------------------------------------------- */

void *sc_calloc(struct sc_ctx *ctx, size_t n, size_t size);       /* model.c */
/* The index of H's interface on NETWORK, or -1. */
int sc_host_iface_on(const struct sc_host *h, int network);
/* The defaults of a host's fields (no gateway, no middlebox, no link). */
void sc_host_init(struct sc_host *h);
char *sc_strdup(struct sc_ctx *ctx, const char *s);
/* Frees what a host or app points to (not the struct itself). */
void sc_host_free_contents(struct sc_host *h);
void sc_app_free_contents(struct sc_app *a);

#endif
