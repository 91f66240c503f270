/*
 * member.c: a text member or "" (see member.h).
 */
#include "ctl/member.h"

const char *member(const json_t *obj, const char *key)
{
	const char *text = json_string_value(json_object_get(obj, key));

	return text ? text : "";
}
