/*
 * nlroute.c: rtnetlink sockets bound to a namespace, and libnl's error codes
 * turned into the errno values the rest of netfault speaks.
 *
 * A netlink socket belongs to the namespace it was created in, for its whole
 * life: open it inside, switch back, and keep using it from anywhere.
 */
#include "netns/netns.h"

#include <errno.h>

#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>

int nlerr_to_errno(int nlerr)
{
	static const int map[NLE_MAX + 1] = {
		[NLE_SUCCESS] = 0,
		[NLE_FAILURE] = EIO,
		[NLE_INTR] = EINTR,
		[NLE_BAD_SOCK] = EBADF,
		[NLE_AGAIN] = EAGAIN,
		[NLE_NOMEM] = ENOMEM,
		[NLE_EXIST] = EEXIST,
		[NLE_INVAL] = EINVAL,
		[NLE_RANGE] = ERANGE,
		[NLE_MSGSIZE] = EMSGSIZE,
		[NLE_OPNOTSUPP] = EOPNOTSUPP,
		[NLE_AF_NOSUPPORT] = EAFNOSUPPORT,
		[NLE_OBJ_NOTFOUND] = ENOENT,
		[NLE_NOATTR] = ENODATA,
		[NLE_MISSING_ATTR] = EINVAL,
		[NLE_AF_MISMATCH] = EAFNOSUPPORT,
		[NLE_SEQ_MISMATCH] = EPROTO,
		[NLE_MSG_OVERFLOW] = EOVERFLOW,
		[NLE_MSG_TRUNC] = EMSGSIZE,
		[NLE_NOADDR] = EADDRNOTAVAIL,
		[NLE_SRCRT_NOSUPPORT] = EOPNOTSUPP,
		[NLE_MSG_TOOSHORT] = EBADMSG,
		[NLE_MSGTYPE_NOSUPPORT] = EOPNOTSUPP,
		[NLE_OBJ_MISMATCH] = EINVAL,
		[NLE_NOCACHE] = ENOENT,
		[NLE_BUSY] = EBUSY,
		[NLE_PROTO_MISMATCH] = EPROTONOSUPPORT,
		[NLE_NOACCESS] = EACCES,
		[NLE_PERM] = EPERM,
		[NLE_PKTLOC_FILE] = ENOENT,
		[NLE_PARSE_ERR] = EINVAL,
		[NLE_NODEV] = ENODEV,
		[NLE_IMMUTABLE] = EPERM,
		[NLE_DUMP_INTR] = EAGAIN,
		[NLE_ATTRSIZE] = EINVAL,
	};
	int code = nlerr < 0 ? -nlerr : nlerr;

	if (code > NLE_MAX)
		return -EIO;
	return -map[code];
}

/* Opens an rtnetlink socket where the thread is, into *ARG (a struct
 * nl_sock **). */
static int socket_open_here(void *arg)
{
	struct nl_sock **out = arg, *sk;
	int err;

	sk = nl_socket_alloc();
	if (!sk)
		return -ENOMEM;
	err = nl_connect(sk, NETLINK_ROUTE);
	if (err < 0) {
		nl_socket_free(sk);
		return nlerr_to_errno(err);
	}
	*out = sk;
	return 0;
}

int nlroute_open(int nsfd, struct nl_sock **out)
{
	struct nl_sock *sk = NULL;
	int err;

	*out = NULL;
	err = nsfd >= 0 ? netns_call_in(nsfd, socket_open_here, &sk) : socket_open_here(&sk);
	if (err < 0) {
		nlroute_close(sk);   /* made, but the thread did not come back */
		return err;
	}
	*out = sk;
	return 0;
}

void nlroute_close(struct nl_sock *sk)
{
	if (sk)
		nl_socket_free(sk); /* closes the socket too */
}
