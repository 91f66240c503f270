/*
 * proto.c: sending and receiving the engine <-> app records (see proto.h).
 */
#include "engine/app/proto.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

int app_msg_send(int fd, const struct app_msg *m)
{
	ssize_t n;

	do
		n = send(fd, m, sizeof(*m), MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return (size_t)n == sizeof(*m) ? 0 : -EMSGSIZE;
}

int app_msg_recv(int fd, struct app_msg *m, int flags)
{
	ssize_t n;

	do
		n = recv(fd, m, sizeof(*m), flags);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if (n == 0)
		return 0;
	if ((size_t)n != sizeof(*m))
		return -EPROTO;
	m->text[sizeof(m->text) - 1] = '\0';
	m->text2[sizeof(m->text2) - 1] = '\0';
	return 1;
}
