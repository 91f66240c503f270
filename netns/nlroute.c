/*
 * nlroute.c: rtnetlink sockets bound to a namespace, and libnl's error codes
 * turned into the errno values the rest of netfault speaks.
 *
 * A netlink socket belongs to the namespace it was created in, for its whole
 * life: open it inside, switch back, and keep using it from anywhere.
 */
#include "netns/netns.h"

#include <errno.h>
#include <unistd.h>

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

int nlroute_open(int nsfd, struct nl_sock **out)
{
	struct nl_sock *sk = NULL;
	int home = -1, err, back;

	*out = NULL;
	if (nsfd >= 0) {
		home = netns_open_current();
		if (home < 0)
			return home;
		err = netns_enter(nsfd);
		if (err < 0)
			goto out;
	}
	sk = nl_socket_alloc();
	if (!sk) {
		err = -ENOMEM;
	} else {
		err = nl_connect(sk, NETLINK_ROUTE);
		err = err < 0 ? nlerr_to_errno(err) : 0;
	}
	if (home >= 0) {
		back = netns_enter(home);
		if (back < 0 && err == 0)
			err = back;
	}
out:
	if (home >= 0)
		close(home);
	if (err < 0) {
		nlroute_close(sk);
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
