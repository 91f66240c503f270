/*
 * protocol.h: the control socket protocol between netfaultd and its clients
 * (netfaultctl, or any program that speaks JSON over a Unix socket). Both
 * sides include this header; netfaultd(8) documents the same for users.
 *
 * Framing: newline-delimited JSON. Every request and every reply is one
 * JSON object on one line, at most NF_MAX_LINE bytes with its newline; a
 * longer request is answered with an error and the connection is closed.
 *
 * Requests carry "op":
 *   {"op":"run","file":NAME,"text":YAML,"detach":BOOL,
 *    "set":[{"path":"apps.server.tcp.user_timeout","values":["2s","4s"]}],
 *    "pcap":DIR}
 * "pcap" (optional, root only): an existing directory, an absolute path
 * without "." or ".." components, at most NF_PCAP_DIR_MAX bytes; each run
 * writes its pcap files into a directory of its own that the worker makes
 * there, DIR/run-ID, and its result says which in "pcap_dir".
 *   {"op":"list"}   {"op":"show","run":ID}   {"op":"cancel","run":ID}
 *   {"op":"status"}
 *
 * Any request may carry "tag" (a text of at most NF_TAG_MAX bytes, or an
 * integer); every reply to it, and every line of a run's stream, carries the
 * same "tag", so a client can tell its requests' replies apart.
 *
 * Replies carry "type" and "ok". A failed request gets one
 *   {"type":"error","ok":false,"error":TEXT[,"errors":[TEXT...]]}
 * A run request gets {"type":"accepted",...,"runs":[...]} and then, unless
 * it asked to detach, {"type":"event"} lines as they happen, one
 * {"type":"result"} per run and a closing {"type":"done"}. The other ops get
 * one reply whose type is the op's name. A client may send further requests
 * while runs stream (each request is answered in order; streams interleave),
 * so one connection can carry any number of runs.
 */
#ifndef NETFAULT_PROTOCOL_H
#define NETFAULT_PROTOCOL_H

#define NETFAULT_VERSION     "0.1.0"
#define NF_PROTOCOL_VERSION  1

#define NF_SOCKET_DIR        "/run/netfault"
#define NF_SOCKET_PATH       NF_SOCKET_DIR "/netfaultd.sock"

/* One line: a scenario text of SC_MAX_TEXT (1 MiB) JSON-escaped may grow
 * (tabs, quotes, newlines take two bytes), plus room for the other members. */
#define NF_MAX_LINE          ((2u << 20) + (64u << 10))

/* ---- members ------------------------------------------------------------ */
#define NF_OP                "op"
#define NF_TYPE              "type"
#define NF_OK                "ok"
#define NF_ERROR             "error"
#define NF_ERRORS            "errors"      /* scenario errors, file:line:col: msg */
#define NF_FILE              "file"
#define NF_TEXT              "text"
#define NF_DETACH            "detach"
#define NF_SET               "set"
#define NF_SET_PATH          "path"
#define NF_SET_VALUES        "values"
#define NF_RUN               "run"         /* a run id */
#define NF_RUNS              "runs"        /* accepted, list */
#define NF_NAME              "name"
#define NF_DURATION          "duration"    /* seconds */
#define NF_CELL              "cell"        /* sweep cell: {path: value} or null */
#define NF_STATE             "state"
#define NF_EVENT             "event"
#define NF_EVENTS            "events"
#define NF_RESULT            "result"
#define NF_PASSED            "passed"
#define NF_PCAP              "pcap"        /* run request: a directory */
#define NF_PCAP_DIR          "pcap_dir"    /* result: the run's own one */
#define NF_TAG               "tag"         /* any request: echoed in its replies */
#define NF_RETRY             "retry"       /* error: busy now, the same request may pass later */

/* A request's "tag": a text of at most this many bytes, or an integer. */
#define NF_TAG_MAX           256

/* The engine takes pcap directories shorter than 256 bytes: room for
 * "/run-4294967295.99" after the client's. */
#define NF_PCAP_DIR_MAX      200

/* ---- ops and reply types ------------------------------------------------ */
#define NF_OP_RUN            "run"
#define NF_OP_LIST           "list"
#define NF_OP_SHOW           "show"
#define NF_OP_CANCEL         "cancel"
#define NF_OP_STATUS         "status"

#define NF_TYPE_ERROR        "error"
#define NF_TYPE_ACCEPTED     "accepted"
#define NF_TYPE_EVENT        "event"
#define NF_TYPE_RESULT       "result"
#define NF_TYPE_DONE         "done"
/* list, show, cancel and status replies have the op's name as their type */

/* ---- run states (list, show, result) ------------------------------------ */
#define NF_STATE_QUEUED      "queued"
#define NF_STATE_RUNNING     "running"
#define NF_STATE_CANCELLING  "cancelling"
#define NF_STATE_PASSED      "passed"      /* every expectation held */
#define NF_STATE_FAILED      "failed"      /* some did not */
#define NF_STATE_ERROR       "error"       /* the run could not run to its end */
#define NF_STATE_CANCELLED   "cancelled"

#endif
