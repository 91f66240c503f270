/*
 * junit_merge.c: JUnit files joined (see junit_merge.h), with libxml2: each
 * input is parsed (no network, no entities from outside), its <testsuite>
 * elements are copied whole into the output document, and the root's
 * totals are counted from the copied <testcase> elements, so inputs from
 * other tools that leave some counts out merge as well.
 */
#include "ctl/junit_merge.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

/* libxml2's BAD_CAST drops const; its functions take const xmlChar * */
#define XML_TEXT(s) ((const xmlChar *)(s))

struct totals {
	unsigned long tests, failures, errors, skipped;
	double seconds;
};

static bool is_element(const xmlNode *node, const char *name)
{
	return node->type == XML_ELEMENT_NODE && xmlStrcmp(node->name, XML_TEXT(name)) == 0;
}

static bool has_child(const xmlNode *node, const char *name)
{
	for (const xmlNode *c = node->children; c; c = c->next) {
		if (is_element(c, name))
			return true;
	}
	return false;
}

static void count_suite(const xmlNode *suite, struct totals *t)
{
	xmlChar *time = xmlGetProp(suite, XML_TEXT("time"));

	if (time)
		t->seconds += strtod((const char *)time, NULL);
	xmlFree(time);
	for (const xmlNode *c = suite->children; c; c = c->next) {
		if (!is_element(c, "testcase"))
			continue;
		t->tests++;
		t->failures += has_child(c, "failure");
		t->errors += has_child(c, "error");
		t->skipped += has_child(c, "skipped");
	}
}

static void copy_suite(xmlDoc *doc, xmlNode *suite, struct totals *t)
{
	xmlNode *copy = xmlDocCopyNode(suite, doc, 1);

	if (copy)
		xmlAddChild(xmlDocGetRootElement(doc), copy);
	count_suite(suite, t);
}

/* Adds IN's suites to DOC; 0, or -1 after saying why. */
static int merge_one(xmlParserCtxt *ctxt, xmlDoc *doc, const char *in, struct totals *t)
{
	xmlDoc *src = xmlCtxtReadFile(ctxt, in, NULL, XML_PARSE_NONET | XML_PARSE_NOBLANKS |
				      XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	const xmlError *err;
	xmlNode *root = src ? xmlDocGetRootElement(src) : NULL;
	int status = 0;

	if (!src) {
		err = xmlCtxtGetLastError(ctxt);
		fprintf(stderr, "netfaultctl: junit-merge: %s:%d: %s", in, err ? err->line : 0,
			err && err->message ? err->message : "cannot read it\n");
		return -1;
	}
	if (root && is_element(root, "testsuite")) {
		copy_suite(doc, root, t);
	} else if (root && is_element(root, "testsuites")) {
		for (xmlNode *c = root->children; c; c = c->next) {
			if (is_element(c, "testsuite"))
				copy_suite(doc, c, t);
		}
	} else {
		fprintf(stderr, "netfaultctl: junit-merge: %s: not JUnit XML (its root is "
			"<%s>, not <testsuites> or <testsuite>)\n", in,
			root ? (const char *)root->name : "nothing");
		status = -1;
	}
	xmlFreeDoc(src);
	return status;
}

static void set_number(xmlNode *node, const char *name, unsigned long value)
{
	char text[32];

	snprintf(text, sizeof(text), "%lu", value);
	xmlSetProp(node, XML_TEXT(name), XML_TEXT(text));
}

static void set_totals(xmlNode *root, const struct totals *t)
{
	char text[32];

	set_number(root, "tests", t->tests);
	set_number(root, "failures", t->failures);
	set_number(root, "errors", t->errors);
	set_number(root, "skipped", t->skipped);
	snprintf(text, sizeof(text), "%.3f", t->seconds);
	xmlSetProp(root, XML_TEXT("time"), XML_TEXT(text));
}

int junit_merge_command(const char *out, const char *const *inputs, size_t n)
{
	xmlParserCtxt *ctxt = xmlNewParserCtxt();
	xmlDoc *doc = xmlNewDoc(XML_TEXT("1.0"));
	xmlNode *root = xmlNewNode(NULL, XML_TEXT("testsuites"));
	struct totals t = { 0 };
	int status = 2;

	if (!ctxt || !doc || !root) {
		fprintf(stderr, "netfaultctl: junit-merge: out of memory\n");
		xmlFreeNode(root);
		goto out;
	}
	xmlDocSetRootElement(doc, root);
	xmlSetProp(root, XML_TEXT("name"), XML_TEXT("netfault"));
	for (size_t i = 0; i < n; i++) {
		if (merge_one(ctxt, doc, inputs[i], &t) < 0)
			goto out;
	}
	set_totals(root, &t);
	if (xmlSaveFormatFileEnc(out, doc, "UTF-8", 1) < 0) {
		fprintf(stderr, "netfaultctl: junit-merge: cannot write %s\n", out);
		goto out;
	}
	status = 0;
out:
	xmlFreeDoc(doc);
	xmlFreeParserCtxt(ctxt);
	return status;
}
