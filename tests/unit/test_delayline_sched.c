/*
 * test_delayline_sched.c: the delay line's schedule (netns/delayline_sched.h)
 * driven with made-up arrival times, no kernel: release times for delay,
 * order kept without jitter (also when the delay drops at run time), jitter
 * bounds, loss frequency, rate spacing and its backlog allowance, the limit.
 * Also built with ASan+UBSan (make check-san).
 */
#include <check.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>

#include "netns/delayline_sched.h"
#include "tests/lib/testlib.h"

#define MS 1000000LL
#define US 1000LL

static struct dl_sched s;

static void sched_with(const struct link_impair *imp)
{
	dl_sched_init(&s, 42);
	ck_assert_int_eq(dl_sched_configure(&s, imp), 0);
}

static void teardown(void)
{
	dl_sched_free(&s);
}

START_TEST(test_delay_release_time)
{
	struct link_impair imp = { .delay_us = 10000 };
	uint32_t id;

	sched_with(&imp);
	ck_assert_int_eq(dl_sched_admit(&s, 1, 100, 1000 * MS), DL_HOLD);
	ck_assert_int_eq(dl_sched_admit(&s, 2, 100, 1001 * MS), DL_HOLD);
	ck_assert_int_eq(dl_sched_next_release(&s), 1010 * MS);
	ck_assert(!dl_sched_pop_due(&s, 1010 * MS - 1, &id));
	ck_assert(dl_sched_pop_due(&s, 1010 * MS, &id));
	ck_assert_uint_eq(id, 1);
	ck_assert_int_eq(dl_sched_next_release(&s), 1011 * MS);
	ck_assert(dl_sched_pop_due(&s, 2000 * MS, &id));
	ck_assert_uint_eq(id, 2);
	ck_assert_int_eq(dl_sched_next_release(&s), INT64_MAX);
	ck_assert_uint_eq(s.count.arrived, 2);
	ck_assert_uint_eq(s.count.released, 2);
	ck_assert_uint_eq(s.count.held, 0);
}
END_TEST

START_TEST(test_off_passes_at_once)
{
	struct link_impair off = { 0 };
	uint32_t id;

	sched_with(&off);
	ck_assert_int_eq(dl_sched_admit(&s, 9, 1500, 5 * MS), DL_HOLD);
	ck_assert(dl_sched_pop_due(&s, 5 * MS, &id));
	ck_assert_uint_eq(id, 9);
}
END_TEST

START_TEST(test_lower_delay_keeps_order)
{
	struct link_impair slow = { .delay_us = 50000 }, fast = { .delay_us = 5000 };
	uint32_t id, expect = 0;
	int64_t t;

	sched_with(&slow);
	for (t = 0; t < 10; t++)
		ck_assert_int_eq(dl_sched_admit(&s, (uint32_t)t, 100, t * MS), DL_HOLD);
	ck_assert_int_eq(dl_sched_configure(&s, &fast), 0);
	for (; t < 20; t++)
		ck_assert_int_eq(dl_sched_admit(&s, (uint32_t)t, 100, t * MS), DL_HOLD);
	/* packet 10 would be due at 15 ms but waits for packet 9 (59 ms) */
	while (dl_sched_pop_any(&s, &id))
		ck_assert_uint_eq(id, expect++);
	ck_assert_uint_eq(expect, 20);
}
END_TEST

START_TEST(test_equal_times_in_arrival_order)
{
	struct link_impair imp = { .delay_us = 1000 };
	uint32_t id, i;

	sched_with(&imp);
	for (i = 0; i < 100; i++)
		ck_assert_int_eq(dl_sched_admit(&s, i, 64, 7 * MS), DL_HOLD);
	for (i = 0; i < 100; i++) {
		ck_assert(dl_sched_pop_due(&s, 8 * MS, &id));
		ck_assert_uint_eq(id, i);
	}
}
END_TEST

START_TEST(test_jitter_bounds_and_spread)
{
	struct link_impair imp = { .delay_us = 50000, .jitter_us = 10000, .limit = 20000 };
	double sum = 0, sq = 0, mean, sd;
	int64_t prev = INT64_MIN, release;
	uint32_t id, i, n = 10000, out_of_order = 0;

	sched_with(&imp);
	for (i = 0; i < n; i++)
		ck_assert_int_eq(dl_sched_admit(&s, i, 64, (int64_t)i * US), DL_HOLD);
	for (i = 0; i < n; i++) {
		release = dl_sched_next_release(&s);
		ck_assert(dl_sched_pop_any(&s, &id));
		ck_assert_int_ge(release, prev);      /* the heap's order */
		prev = release;
		release -= (int64_t)id * US;          /* its delay */
		ck_assert_int_ge(release, 40 * MS);
		ck_assert_int_le(release, 60 * MS);
		sum += (double)release;
		sq += (double)release * (double)release;
		if (i > 0 && id < i)
			out_of_order++;
	}
	mean = sum / n;
	sd = sqrt(sq / n - mean * mean);
	ck_assert(fabs(mean - 50.0 * MS) < 0.5 * MS);
	ck_assert(fabs(sd - 10.0 * MS / sqrt(3.0)) < 0.05 * 10.0 * MS / sqrt(3.0));
	ck_assert_uint_gt(out_of_order, 0);
}
END_TEST

START_TEST(test_loss_frequency)
{
	struct link_impair imp = { .loss_percent = 25.0, .limit = 65536 };
	const double n = 40000, p = 0.25;
	uint32_t i, lost = 0;

	sched_with(&imp);
	for (i = 0; i < (uint32_t)n; i++)
		lost += dl_sched_admit(&s, i, 64, 0) == DL_LOST_RANDOM;
	ck_assert(fabs(lost - n * p) <= 5 * sqrt(n * p * (1 - p)));
	ck_assert_uint_eq(s.count.lost_random, lost);
}
END_TEST

START_TEST(test_rate_spacing)
{
	struct link_impair imp = { .rate_bps = 8000000 };        /* 1 byte per us */
	uint32_t id;

	sched_with(&imp);
	/* three 1000-byte packets at once: 0, +1 ms, +2 ms */
	ck_assert_int_eq(dl_sched_admit(&s, 1, 1000, 100 * MS), DL_HOLD);
	ck_assert_int_eq(dl_sched_admit(&s, 2, 1000, 100 * MS), DL_HOLD);
	ck_assert_int_eq(dl_sched_admit(&s, 3, 1000, 100 * MS), DL_HOLD);
	ck_assert_int_eq(dl_sched_next_release(&s), 100 * MS);
	ck_assert(dl_sched_pop_any(&s, &id));
	ck_assert_int_eq(dl_sched_next_release(&s), 101 * MS);
	ck_assert(dl_sched_pop_any(&s, &id));
	ck_assert_int_eq(dl_sched_next_release(&s), 102 * MS);
	ck_assert(dl_sched_pop_any(&s, &id));
	/* an idle link sends at once */
	ck_assert_int_eq(dl_sched_admit(&s, 4, 1000, 500 * MS), DL_HOLD);
	ck_assert_int_eq(dl_sched_next_release(&s), 500 * MS);
}
END_TEST

START_TEST(test_rate_backlog_allowance)
{
	struct link_impair imp = { .delay_us = 20000, .rate_bps = 8000000, .limit = 1000 };
	uint32_t i, held = 0;

	sched_with(&imp);
	/* 1000-byte packets at once: 1 ms each; 100 ms allowance -> 101 fit */
	for (i = 0; i < 200; i++)
		held += dl_sched_admit(&s, i, 1000, 0) == DL_HOLD;
	ck_assert_uint_eq(held, 101);
	ck_assert_uint_eq(s.count.lost_backlog, 99);
}
END_TEST

START_TEST(test_limit_tail_drop)
{
	struct link_impair imp = { .delay_us = 1000, .limit = 10 };
	uint32_t i;

	sched_with(&imp);
	for (i = 0; i < 10; i++)
		ck_assert_int_eq(dl_sched_admit(&s, i, 64, 0), DL_HOLD);
	ck_assert_int_eq(dl_sched_admit(&s, 10, 64, 0), DL_LOST_FULL);
	ck_assert_uint_eq(s.count.lost_full, 1);
	/* a lower limit does not lose what is held */
	imp.limit = 5;
	ck_assert_int_eq(dl_sched_configure(&s, &imp), 0);
	ck_assert_uint_eq(s.n, 10);
	ck_assert_int_eq(dl_sched_admit(&s, 11, 64, 0), DL_LOST_FULL);
}
END_TEST

START_TEST(test_configure_rejects)
{
	struct link_impair bad = { .loss_percent = -0.5 };
	struct link_impair huge = { .limit = IMPAIR_MAX_LIMIT + 1 };

	dl_sched_init(&s, 1);
	ck_assert_int_eq(dl_sched_configure(&s, &bad), -EINVAL);
	ck_assert_int_eq(dl_sched_configure(&s, &huge), -ERANGE);
}
END_TEST

static Suite *sched_suite(void)
{
	Suite *su = suite_create("delayline_sched");
	TCase *tc = tcase_create("userspace");

	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, test_delay_release_time);
	tcase_add_test(tc, test_off_passes_at_once);
	tcase_add_test(tc, test_lower_delay_keeps_order);
	tcase_add_test(tc, test_equal_times_in_arrival_order);
	tcase_add_test(tc, test_jitter_bounds_and_spread);
	tcase_add_test(tc, test_loss_frequency);
	tcase_add_test(tc, test_rate_spacing);
	tcase_add_test(tc, test_rate_backlog_allowance);
	tcase_add_test(tc, test_limit_tail_drop);
	tcase_add_test(tc, test_configure_rejects);
	suite_add_tcase(su, tc);
	return su;
}

int main(void)
{
	return nf_run_suite(sched_suite());
}
