/*
 * suggest.c: "did you mean poweroff?" for misspelt keys, step and fault
 * names, host and app names and errno names.
 *
 * The distance is Damerau-Levenshtein in its optimal-string-alignment form
 * (a swap of two neighbouring letters counts once), case-insensitive. A
 * candidate is offered only when it is close for the length of the word:
 * one edit for words up to 4 letters, two up to 8, three beyond.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "common/errname.h"
#include "scenario/internal.h"

#define SUGGEST_MAX_LEN 32
#define ERRNO_SCAN_MAX  200

static size_t min3(size_t a, size_t b, size_t c)
{
	size_t m = a < b ? a : b;

	return m < c ? m : c;
}

/* Returns SIZE_MAX when either word is too long to be worth comparing. */
static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	size_t d[SUGGEST_MAX_LEN + 1][SUGGEST_MAX_LEN + 1];

	if (la > SUGGEST_MAX_LEN || lb > SUGGEST_MAX_LEN)
		return (size_t)-1;
	for (size_t i = 0; i <= la; i++)
		d[i][0] = i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = j;
	for (size_t i = 1; i <= la; i++) {
		for (size_t j = 1; j <= lb; j++) {
			int ca = tolower((unsigned char)a[i - 1]);
			int cb = tolower((unsigned char)b[j - 1]);
			size_t cost = ca == cb ? 0 : 1;

			d[i][j] = min3(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
			if (i > 1 && j > 1 && ca == tolower((unsigned char)b[j - 2]) &&
			    tolower((unsigned char)a[i - 2]) == cb && d[i - 2][j - 2] + 1 < d[i][j])
				d[i][j] = d[i - 2][j - 2] + 1;
		}
	}
	return d[la][lb];
}

static size_t close_enough(const char *word)
{
	size_t len = strlen(word);

	if (len <= 4)
		return 1;
	if (len <= 8)
		return 2;
	return 3;
}

const char *sc_suggest(const char *word, const char *const *candidates, size_t n)
{
	const char *best = NULL;
	size_t best_d = close_enough(word) + 1;

	for (size_t i = 0; i < n; i++) {
		size_t d;

		if (!candidates[i] || strcmp(candidates[i], word) == 0)
			continue;
		d = edit_distance(word, candidates[i]);
		if (d < best_d) {
			best = candidates[i];
			best_d = d;
		}
	}
	return best;
}

const char *sc_suggest_errno(const char *word)
{
	const char *best = NULL;
	size_t best_d = close_enough(word) + 1;

	for (int e = 1; e < ERRNO_SCAN_MAX; e++) {
		const char *name = strerrorname_np(e);
		size_t d;

		if (!name)
			continue;
		d = edit_distance(word, name);
		if (d < best_d) {
			best = name;
			best_d = d;
		}
	}
	return best;
}

const char *sc_join_or(char *buf, size_t len, const char *const *words, size_t n)
{
	size_t used = 0;

	if (len == 0)
		return buf;
	buf[0] = '\0';
	for (size_t i = 0; i < n && used < len; i++) {
		const char *sep = i == 0 ? "" : i + 1 == n ? " or " : ", ";
		int w = snprintf(buf + used, len - used, "%s%s", sep, words[i]);

		if (w < 0)
			break;
		used += (size_t)w;
	}
	return buf;
}

void sc_hint(char *buf, size_t len, const char *word,
	     const char *const *candidates, size_t n)
{
	const char *near = sc_suggest(word, candidates, n);
	size_t used = strlen(buf);
	char list[200];

	if (used >= len)
		return;
	if (near)
		snprintf(buf + used, len - used, " (did you mean %s?)", near);
	else if (n > 0)
		snprintf(buf + used, len - used, " (expected %s)",
			 sc_join_or(list, sizeof(list), candidates, n));
}
