/*
 * progress.c: the redrawn progress line (see progress.h): carriage return,
 * the text, and "erase to end of line", never a newline.
 */
#include "ctl/progress.h"

#include <unistd.h>

static FILE *progress_out;
static bool progress_drawn;

void progress_init(FILE *out, bool on)
{
	progress_out = on && isatty(fileno(out)) ? out : NULL;
}

bool progress_on(void)
{
	return progress_out != NULL;
}

void progress_clear(void)
{
	if (!progress_out || !progress_drawn)
		return;
	fputs("\r\033[K", progress_out);
	fflush(progress_out);
	progress_drawn = false;
}

void progress_draw(const char *text)
{
	if (!progress_out)
		return;
	fprintf(progress_out, "\r%s\033[K", text);
	fflush(progress_out);
	progress_drawn = true;
}
