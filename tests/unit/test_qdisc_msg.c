/*
 * test_qdisc_msg.c: the netem and tbf requests that qdisc.c has libnl build,
 * read back attribute by attribute without a kernel (no privileges, no
 * sockets): what the kernel would be told is what the impairment says.
 * Also built with ASan+UBSan (make check-san).
 */
#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/utils.h>

#include "netns/qdisc.h"
#include "tests/lib/testlib.h"

#define IFINDEX 7

struct parsed {
	struct nlmsghdr hdr;
	struct tcmsg tc;
	char kind[16];
	struct tc_netem_qopt netem;
	struct tc_tbf_qopt tbf;
	bool has_rtab;
};

/* Reads MSG the way the kernel's tc_modify_qdisc would. */
static void parse(struct nl_msg *msg, struct parsed *p)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct nlattr *tb[TCA_MAX + 1];

	memset(p, 0, sizeof(*p));
	p->hdr = *nlh;
	ck_assert_uint_ge(nlmsg_datalen(nlh), sizeof(struct tcmsg));
	memcpy(&p->tc, nlmsg_data(nlh), sizeof(p->tc));
	ck_assert_int_eq(nlmsg_parse(nlh, sizeof(struct tcmsg), tb, TCA_MAX, NULL), 0);
	ck_assert_ptr_nonnull(tb[TCA_KIND]);
	nla_strlcpy(p->kind, tb[TCA_KIND], sizeof(p->kind));
	ck_assert_ptr_nonnull(tb[TCA_OPTIONS]);
	if (!strcmp(p->kind, "netem")) {
		/* netem's options are a bare struct, then optional attributes */
		ck_assert_int_ge(nla_len(tb[TCA_OPTIONS]), (int)sizeof(p->netem));
		memcpy(&p->netem, nla_data(tb[TCA_OPTIONS]), sizeof(p->netem));
	} else if (!strcmp(p->kind, "tbf")) {
		struct nlattr *opt[TCA_TBF_MAX + 1];

		ck_assert_int_eq(nla_parse_nested(opt, TCA_TBF_MAX, tb[TCA_OPTIONS], NULL), 0);
		ck_assert_ptr_nonnull(opt[TCA_TBF_PARMS]);
		ck_assert_int_ge(nla_len(opt[TCA_TBF_PARMS]), (int)sizeof(p->tbf));
		memcpy(&p->tbf, nla_data(opt[TCA_TBF_PARMS]), sizeof(p->tbf));
		p->has_rtab = opt[TCA_TBF_RTAB] && nla_len(opt[TCA_TBF_RTAB]) == 1024;
	}
}

static void netem_parsed(const struct link_impair *imp, uint32_t parent,
			 uint32_t handle, struct parsed *p)
{
	struct nl_msg *msg = NULL;

	ck_assert_int_eq(qdisc_netem_request(IFINDEX, parent, handle, imp, &msg), 0);
	ck_assert_ptr_nonnull(msg);
	parse(msg, p);
	nlmsg_free(msg);
}

START_TEST(test_netem_header)
{
	struct link_impair imp = { .delay_us = 100000 };
	struct parsed p;

	netem_parsed(&imp, TC_H_ROOT, QDISC_HANDLE_NETEM, &p);
	ck_assert_uint_eq(p.hdr.nlmsg_type, RTM_NEWQDISC);
	ck_assert_uint_eq(p.hdr.nlmsg_flags & (NLM_F_REQUEST | NLM_F_CREATE | NLM_F_REPLACE),
			  NLM_F_REQUEST | NLM_F_CREATE | NLM_F_REPLACE);
	ck_assert_uint_eq(p.hdr.nlmsg_flags & NLM_F_EXCL, 0);
	ck_assert_int_eq(p.tc.tcm_ifindex, IFINDEX);
	ck_assert_uint_eq(p.tc.tcm_parent, TC_H_ROOT);
	ck_assert_uint_eq(p.tc.tcm_handle, QDISC_HANDLE_NETEM);
	ck_assert_str_eq(p.kind, "netem");
}
END_TEST

START_TEST(test_netem_values)
{
	struct link_impair imp = { .delay_us = 100000, .jitter_us = 10000,
				   .loss_percent = 25.0, .limit = 5000 };
	struct parsed p;

	netem_parsed(&imp, TC_H_ROOT, QDISC_HANDLE_NETEM, &p);
	/* delay and jitter travel in psched ticks */
	ck_assert_uint_eq(p.netem.latency, nl_us2ticks(100000));
	ck_assert_uint_eq(p.netem.jitter, nl_us2ticks(10000));
	ck_assert_uint_gt(p.netem.latency, 0);
	ck_assert_uint_eq(nl_ticks2us(p.netem.latency), 100000);
	/* loss: a fraction of UINT32_MAX */
	ck_assert_uint_eq(p.netem.loss, (uint32_t)(UINT32_MAX / 4 + 1));
	ck_assert_uint_eq(p.netem.limit, 5000);
	ck_assert_uint_eq(p.netem.duplicate, 0);
	ck_assert_uint_eq(p.netem.gap, 0);
}
END_TEST

START_TEST(test_netem_defaults_and_edges)
{
	struct link_impair all = { .loss_percent = 100.0 };
	struct link_impair none = { .delay_us = 1 };
	struct parsed p;

	netem_parsed(&all, TC_H_ROOT, QDISC_HANDLE_NETEM, &p);
	ck_assert_uint_eq(p.netem.loss, UINT32_MAX);
	ck_assert_uint_eq(p.netem.limit, IMPAIR_DEFAULT_LIMIT);
	ck_assert_uint_eq(p.netem.latency, 0);

	netem_parsed(&none, TC_H_ROOT, QDISC_HANDLE_NETEM, &p);
	ck_assert_uint_eq(p.netem.loss, 0);
	ck_assert_uint_eq(p.netem.jitter, 0);
}
END_TEST

START_TEST(test_netem_as_leaf)
{
	struct link_impair imp = { .delay_us = 5000, .rate_bps = 1000000 };
	struct parsed p;

	netem_parsed(&imp, TC_H_MAKE(QDISC_HANDLE_TBF_NETEM, 1), QDISC_HANDLE_NETEM_LEAF, &p);
	ck_assert_uint_eq(p.tc.tcm_parent, 0x00010001u);
	ck_assert_uint_eq(p.tc.tcm_handle, 0x00030000u);
}
END_TEST

START_TEST(test_netem_rejects)
{
	struct link_impair loss = { .loss_percent = 100.5 };
	struct link_impair nan_loss = { .loss_percent = -1.0 };
	struct link_impair delay = { .delay_us = IMPAIR_MAX_DELAY_US + 1 };
	struct link_impair limit = { .limit = IMPAIR_MAX_LIMIT + 1 };
	struct nl_msg *msg = (struct nl_msg *)&msg;

	ck_assert_int_eq(qdisc_netem_request(IFINDEX, TC_H_ROOT, 0, &loss, &msg), -EINVAL);
	ck_assert_ptr_null(msg);
	ck_assert_int_eq(qdisc_netem_request(IFINDEX, TC_H_ROOT, 0, &nan_loss, &msg), -EINVAL);
	ck_assert_int_eq(qdisc_netem_request(IFINDEX, TC_H_ROOT, 0, &delay, &msg), -ERANGE);
	ck_assert_int_eq(qdisc_netem_request(IFINDEX, TC_H_ROOT, 0, &limit, &msg), -ERANGE);
}
END_TEST

START_TEST(test_tbf_values)
{
	struct link_impair imp = { .rate_bps = 8000000 };       /* 1 MB/s */
	const uint32_t bytes = 1000000, burst = 2 * 1514;      /* 2 ms = 2000 B */
	struct nl_msg *msg = NULL;
	struct parsed p;

	ck_assert_int_eq(qdisc_tbf_request(IFINDEX, TC_H_ROOT, QDISC_HANDLE_TBF, &imp, &msg), 0);
	parse(msg, &p);
	nlmsg_free(msg);
	ck_assert_str_eq(p.kind, "tbf");
	ck_assert_uint_eq(p.tc.tcm_handle, QDISC_HANDLE_TBF);
	ck_assert_uint_eq(p.tbf.rate.rate, bytes);
	/* room for IMPAIR_RATE_BACKLOG_US of backlog plus the bucket */
	ck_assert_uint_eq(p.tbf.limit, bytes / 10 + burst);
	/* the bucket travels as its transmit time in ticks (3028 us here,
	 * give or take the tick rounding) */
	ck_assert_uint_ge(nl_ticks2us(p.tbf.buffer) + 1, (uint32_t)burst * 1000000ull / bytes);
	ck_assert_uint_le(nl_ticks2us(p.tbf.buffer), (uint32_t)burst * 1000000ull / bytes);
	ck_assert(p.has_rtab);
}
END_TEST

START_TEST(test_tbf_big_burst)
{
	struct link_impair imp = { .rate_bps = 800000000 };     /* 100 MB/s */
	struct nl_msg *msg = NULL;
	struct parsed p;

	ck_assert_int_eq(qdisc_tbf_request(IFINDEX, TC_H_ROOT, QDISC_HANDLE_TBF, &imp, &msg), 0);
	parse(msg, &p);
	nlmsg_free(msg);
	ck_assert_uint_eq(p.tbf.rate.rate, 100000000);
	/* 2 ms of rate: 200 kB */
	ck_assert_uint_eq(p.tbf.limit, 10000000 + 200000);
}
END_TEST

START_TEST(test_tbf_rejects)
{
	struct link_impair zero = { .delay_us = 10 };
	struct link_impair huge = { .rate_bps = IMPAIR_MAX_RATE_BPS + 8 };
	struct nl_msg *msg = NULL;

	ck_assert_int_eq(qdisc_tbf_request(IFINDEX, TC_H_ROOT, 0, &zero, &msg), -EINVAL);
	ck_assert_int_eq(qdisc_tbf_request(IFINDEX, TC_H_ROOT, 0, &huge, &msg), -ERANGE);
	ck_assert_ptr_null(msg);
}
END_TEST

static Suite *qdisc_msg_suite(void)
{
	Suite *s = suite_create("qdisc_msg");
	TCase *tc = tcase_create("userspace");

	tcase_add_test(tc, test_netem_header);
	tcase_add_test(tc, test_netem_values);
	tcase_add_test(tc, test_netem_defaults_and_edges);
	tcase_add_test(tc, test_netem_as_leaf);
	tcase_add_test(tc, test_netem_rejects);
	tcase_add_test(tc, test_tbf_values);
	tcase_add_test(tc, test_tbf_big_burst);
	tcase_add_test(tc, test_tbf_rejects);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return nf_run_suite(qdisc_msg_suite());
}
