/*
 * xmlout.c: element, attribute and text helpers over xmlTextWriter (see
 * xmlout.h). The writer's errors are not checked call by call: the report
 * checks the writer's end (xmlTextWriterEndDocument, the file's close).
 */
#include "ctl/xmlout.h"

#include <stdarg.h>
#include <stdio.h>

static const xmlChar *X(const char *s)
{
	return (const xmlChar *)s;
}

static void open_va(xmlTextWriterPtr w, const char *name, va_list ap)
{
	const char *attr, *value;

	xmlTextWriterStartElement(w, X(name));
	while ((attr = va_arg(ap, const char *))) {
		value = va_arg(ap, const char *);
		if (value)
			xmlTextWriterWriteAttribute(w, X(attr), X(value));
	}
}

void xo_open(xmlTextWriterPtr w, const char *name, ...)
{
	va_list ap;

	va_start(ap, name);
	open_va(w, name, ap);
	va_end(ap);
}

void xo_close(xmlTextWriterPtr w)
{
	xmlTextWriterFullEndElement(w);
}

void xo_text_element(xmlTextWriterPtr w, const char *name, const char *text, ...)
{
	va_list ap;

	va_start(ap, text);
	open_va(w, name, ap);
	va_end(ap);
	xmlTextWriterWriteString(w, X(text ? text : ""));
	xmlTextWriterFullEndElement(w);
}

void xo_text(xmlTextWriterPtr w, const char *text)
{
	xmlTextWriterWriteString(w, X(text ? text : ""));
}

void xo_textf(xmlTextWriterPtr w, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	xmlTextWriterWriteString(w, X(buf));
}

void xo_num(xmlTextWriterPtr w, const char *name, double value)
{
	xmlTextWriterWriteFormatAttribute(w, X(name), "%.1f", value);
}

void xo_attrf(xmlTextWriterPtr w, const char *name, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	xmlTextWriterWriteAttribute(w, X(name), X(buf));
}
