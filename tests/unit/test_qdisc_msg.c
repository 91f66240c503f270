/*
 * test_qdisc_msg.c: the netem, tbf, prio and u32 filter requests that
 * qdisc.c has libnl build,
 * read back attribute by attribute without a kernel (no privileges, no
 * sockets): what the kernel would be told is what the impairment says.
 * Also built with ASan+UBSan (make check-san).
 */
#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
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

	netem_parsed(&imp, TC_H_MAKE(QDISC_HANDLE_TBF, 1), QDISC_HANDLE_NETEM, &p);
	ck_assert_uint_eq(p.tc.tcm_parent, 0x00050001u);
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

/* The root: prio, two bands, every priority to the impaired band 2 (index 1). */
START_TEST(test_prio_root)
{
	struct nl_msg *msg = NULL;
	struct parsed p;
	struct nlattr *tb[TCA_MAX + 1];
	struct tc_prio_qopt q;

	ck_assert_int_eq(qdisc_prio_request(IFINDEX, QDISC_ROOT_NETEM, &msg), 0);
	parse(msg, &p);
	ck_assert_int_eq(nlmsg_parse(nlmsg_hdr(msg), sizeof(struct tcmsg), tb, TCA_MAX, NULL), 0);
	ck_assert_int_ge(nla_len(tb[TCA_OPTIONS]), (int)sizeof(q));
	memcpy(&q, nla_data(tb[TCA_OPTIONS]), sizeof(q));
	nlmsg_free(msg);
	ck_assert_str_eq(p.kind, "prio");
	ck_assert_uint_eq(p.hdr.nlmsg_type, RTM_NEWQDISC);
	ck_assert_uint_eq(p.tc.tcm_parent, TC_H_ROOT);
	ck_assert_uint_eq(p.tc.tcm_handle, QDISC_ROOT_NETEM);
	ck_assert_int_eq(q.bands, 2);
	for (int i = 0; i <= TC_PRIO_MAX; i++)
		ck_assert_uint_eq(q.priomap[i], QDISC_BAND_IMPAIRED - 1);
}
END_TEST

struct parsed_filter {
	struct tcmsg tc;
	char kind[16];
	uint32_t classid;
	struct tc_u32_sel sel;
	struct tc_u32_key key;
};

static void filter_parsed(enum qdisc_filter which, struct parsed_filter *f)
{
	struct nl_msg *msg = NULL;
	struct nlmsghdr *nlh;
	struct nlattr *tb[TCA_MAX + 1], *opt[TCA_U32_MAX + 1];

	memset(f, 0, sizeof(*f));
	ck_assert_int_eq(qdisc_filter_request(IFINDEX, QDISC_ROOT_TBF, which, &msg), 0);
	nlh = nlmsg_hdr(msg);
	ck_assert_uint_eq(nlh->nlmsg_type, RTM_NEWTFILTER);
	ck_assert_uint_eq(nlh->nlmsg_flags & (NLM_F_CREATE | NLM_F_EXCL | NLM_F_REPLACE),
			  NLM_F_CREATE | NLM_F_EXCL);
	memcpy(&f->tc, nlmsg_data(nlh), sizeof(f->tc));
	ck_assert_int_eq(nlmsg_parse(nlh, sizeof(struct tcmsg), tb, TCA_MAX, NULL), 0);
	nla_strlcpy(f->kind, tb[TCA_KIND], sizeof(f->kind));
	ck_assert_int_eq(nla_parse_nested(opt, TCA_U32_MAX, tb[TCA_OPTIONS], NULL), 0);
	ck_assert_ptr_nonnull(opt[TCA_U32_CLASSID]);
	f->classid = nla_get_u32(opt[TCA_U32_CLASSID]);
	ck_assert_ptr_nonnull(opt[TCA_U32_SEL]);
	/* one key: the selector, then its key */
	ck_assert_int_eq(nla_len(opt[TCA_U32_SEL]), (int)(sizeof(f->sel) + sizeof(f->key)));
	memcpy(&f->sel, nla_data(opt[TCA_U32_SEL]), sizeof(f->sel));
	memcpy(&f->key, (const char *)nla_data(opt[TCA_U32_SEL]) + sizeof(f->sel),
	       sizeof(f->key));
	nlmsg_free(msg);
}

/* ARP and neighbour discovery go to band 1, by u32 filters that end the
 * classification (terminal), one prio each. */
START_TEST(test_resolution_filters)
{
	struct parsed_filter f;
	struct nl_msg *msg = NULL;

	filter_parsed(QDISC_FILTER_ARP, &f);
	ck_assert_str_eq(f.kind, "u32");
	ck_assert_uint_eq(f.tc.tcm_parent, QDISC_ROOT_TBF);
	ck_assert_uint_eq(f.tc.tcm_info, TC_H_MAKE(1u << 16, htons(ETH_P_ARP)));
	ck_assert_uint_eq(f.classid, TC_H_MAKE(QDISC_ROOT_TBF, QDISC_BAND_RESOLVE));
	ck_assert(f.sel.flags & TC_U32_TERMINAL);
	ck_assert_uint_eq(f.sel.nkeys, 1);
	ck_assert_uint_eq(f.key.mask, 0);            /* every ARP frame */

	filter_parsed(QDISC_FILTER_ND, &f);
	ck_assert_uint_eq(f.tc.tcm_info, TC_H_MAKE(2u << 16, htons(ETH_P_IPV6)));
	ck_assert_uint_eq(f.classid, TC_H_MAKE(QDISC_ROOT_TBF, QDISC_BAND_RESOLVE));
	ck_assert(f.sel.flags & TC_U32_TERMINAL);
	/* bytes 6 and 7 of the IPv6 header: next header 58, hop limit 255 */
	ck_assert_int_eq(f.key.off, 4);
	ck_assert_uint_eq(ntohl(f.key.mask), 0x0000ffffu);
	ck_assert_uint_eq(ntohl(f.key.val), 0x00003affu);

	ck_assert_int_eq(qdisc_filter_request(IFINDEX, QDISC_ROOT_TBF, QDISC_FILTER_COUNT, &msg),
			 -EINVAL);
	ck_assert_ptr_null(msg);
}
END_TEST

/* What the delay line lets pass is what the ND filter matches. */
START_TEST(test_is_resolution)
{
	uint8_t pkt[48] = { 0x60 };

	pkt[6] = 58;
	pkt[7] = 255;
	pkt[40] = 135;
	ck_assert(impair_is_resolution(pkt, sizeof(pkt)));
	ck_assert(!impair_is_resolution(pkt, 39));       /* too short */
	pkt[7] = 64;                                      /* an echo request */
	ck_assert(!impair_is_resolution(pkt, sizeof(pkt)));
	pkt[7] = 255;
	pkt[6] = 6;                                       /* TCP */
	ck_assert(!impair_is_resolution(pkt, sizeof(pkt)));
	pkt[6] = 58;
	pkt[0] = 0x45;                                    /* IPv4 */
	ck_assert(!impair_is_resolution(pkt, sizeof(pkt)));
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
	tcase_add_test(tc, test_prio_root);
	tcase_add_test(tc, test_resolution_filters);
	tcase_add_test(tc, test_is_resolution);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return nf_run_suite(qdisc_msg_suite());
}
