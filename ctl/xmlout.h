/*
 * xmlout.h: the few calls the reports (report_html.c, ladder_svg.c) make on
 * libxml2's xmlTextWriter, which does the escaping: an element with its
 * attributes in one call, text, numbers as attributes, and an element
 * closed in full ("<td></td>", never "<td/>", which HTML would not close).
 */
#ifndef NETFAULTCTL_XMLOUT_H
#define NETFAULTCTL_XMLOUT_H

#include <libxml/xmlwriter.h>

/* Opens element NAME with the attributes given as name, value pairs
 * closed by NULL (a NULL value leaves its attribute out). */
void xo_open(xmlTextWriterPtr w, const char *name, ...);
/* Closes the innermost open element, in full. */
void xo_close(xmlTextWriterPtr w);
/* <NAME attributes...>TEXT</NAME>: xo_open, the text, xo_close. */
void xo_text_element(xmlTextWriterPtr w, const char *name, const char *text, ...);
void xo_text(xmlTextWriterPtr w, const char *text);
void xo_textf(xmlTextWriterPtr w, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* An attribute of the open element: a number (%.1f), or formatted text. */
void xo_num(xmlTextWriterPtr w, const char *name, double value);
void xo_attrf(xmlTextWriterPtr w, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
