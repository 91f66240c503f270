/*
 * reqdecode.c: a control request line into a struct request (see
 * reqdecode.h).
 *
 * The checks run in a fixed order, the first failing one gives the error:
 * the line is a JSON object; "tag" is an integer or a short text; "op" is
 * known; then the op's own members. Every text the struct points to lives
 * in req->json, which request_release() drops, so nothing is copied.
 */
#include "daemon/reqdecode.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "common/protocol.h"

static const struct {
	const char *name;
	enum request_op op;
} request_ops[] = {
	{ NF_OP_RUN, REQUEST_RUN },
	{ NF_OP_LIST, REQUEST_LIST },
	{ NF_OP_SHOW, REQUEST_SHOW },
	{ NF_OP_CANCEL, REQUEST_CANCEL },
	{ NF_OP_STATUS, REQUEST_STATUS },
};

__attribute__((format(printf, 2, 3)))
static int refuse(char *why, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, REQUEST_WHY_MAX, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static bool file_name_ok(const char *name)
{
	size_t len = strlen(name);

	if (len == 0 || len > REQUEST_FILE_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f)
			return false;
	}
	return true;
}

/* "set": [{"path": P, "values": [V...]}...] */
static int decode_sets(json_t *set, struct request *req, char *why)
{
	size_t i, used = 0;
	json_t *item;

	req->nsets = 0;
	if (!set || json_is_null(set))
		return 0;
	if (!json_is_array(set) || json_array_size(set) > REQUEST_MAX_SETS)
		return refuse(why, "\"set\" must be a list of at most %u {\"path\", "
			      "\"values\"} objects", REQUEST_MAX_SETS);
	json_array_foreach(set, i, item) {
		const char *path = json_string_value(json_object_get(item, NF_SET_PATH));
		json_t *list = json_object_get(item, NF_SET_VALUES);
		size_t j;
		json_t *value;

		if (!path || !json_is_array(list) || json_array_size(list) == 0 ||
		    json_array_size(list) > SC_MAX_MATRIX_VALUES)
			return refuse(why, "each \"set\" item needs \"path\" (text) and "
				      "\"values\" (a list of 1 to %u texts)",
				      SC_MAX_MATRIX_VALUES);
		req->sets[i] = (struct sc_sweep_set){ path, req->values + used,
						   json_array_size(list) };
		json_array_foreach(list, j, value) {
			if (!json_is_string(value))
				return refuse(why, "\"set\" values must be texts, such as \"2s\"");
			req->values[used++] = json_string_value(value);
		}
	}
	req->nsets = json_array_size(set);
	return 0;
}

static int decode_run(struct request *req, char *why)
{
	json_t *file = json_object_get(req->json, NF_FILE);
	json_t *text = json_object_get(req->json, NF_TEXT);
	json_t *detach = json_object_get(req->json, NF_DETACH);
	json_t *pcap = json_object_get(req->json, NF_PCAP);

	if (!json_is_string(file) || !file_name_ok(json_string_value(file)))
		return refuse(why, "run needs \"file\": the scenario's name, 1 to %u bytes "
			      "without control characters", REQUEST_FILE_MAX);
	req->file = json_string_value(file);
	if (!json_is_string(text))
		return refuse(why, "run needs \"text\": the scenario itself (the file's "
			      "contents, not its path)");
	req->text = json_string_value(text);
	req->text_len = json_string_length(text);
	if (req->text_len > SC_MAX_TEXT)
		return refuse(why, "%.200s: larger than %u bytes", req->file, SC_MAX_TEXT);
	if (detach && !json_is_boolean(detach) && !json_is_null(detach))
		return refuse(why, "\"detach\" must be true or false");
	req->detach = json_is_true(detach);
	if (pcap && !json_is_null(pcap) && !json_is_string(pcap))
		return refuse(why, "\"pcap\" must be a directory's absolute path or null");
	req->pcap = json_string_value(pcap);
	return decode_sets(json_object_get(req->json, NF_SET), req, why);
}

static int decode_target(struct request *req, const char *op, char *why)
{
	json_t *id = json_object_get(req->json, NF_RUN);

	if (!json_is_integer(id) || json_integer_value(id) <= 0 ||
	    json_integer_value(id) > (json_int_t)UINT32_MAX)
		return refuse(why, "%s needs \"run\": a run id (a number, see list)", op);
	req->run = (unsigned)json_integer_value(id);
	return 0;
}

int request_decode(const char *line, struct request *req, char *why)
{
	json_error_t jerr;
	json_t *tag;
	const char *op;

	memset(req, 0, offsetof(struct request, values));
	req->json = json_loads(line, 0, &jerr);
	if (!json_is_object(req->json))
		return refuse(why, "malformed request: %s (column %d); a request is one "
			      "JSON object on one line",
			      req->json ? "not an object" : jerr.text,
			      req->json ? 1 : jerr.column);
	tag = json_object_get(req->json, NF_TAG);
	if (tag && !json_is_integer(tag) &&
	    !(json_is_string(tag) && json_string_length(tag) <= NF_TAG_MAX))
		return refuse(why, "\"tag\" must be an integer or a text of at most %u "
			      "bytes", NF_TAG_MAX);
	req->tag = tag;
	op = json_string_value(json_object_get(req->json, NF_OP));
	for (size_t i = 0; op && i < sizeof(request_ops) / sizeof(request_ops[0]); i++) {
		if (strcmp(op, request_ops[i].name) != 0)
			continue;
		req->op = request_ops[i].op;
		if (req->op == REQUEST_RUN)
			return decode_run(req, why);
		if (req->op == REQUEST_SHOW || req->op == REQUEST_CANCEL)
			return decode_target(req, op, why);
		return 0;
	}
	return refuse(why, "unknown op \"%.64s\" (valid ops: run list show cancel "
		      "status)", op ? op : "");
}

void request_release(struct request *req)
{
	json_decref(req->json);
	req->json = NULL;
	req->tag = NULL;
}
