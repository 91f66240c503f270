/*
 * nftscript.c: runs one nftables script, as one transaction, in the calling
 * thread's current network namespace (libnftables binds its netlink socket
 * to the namespace it is created in, so the context lives for one script).
 * Used by the middleboxes' rules (middlebox.c) and the switch's own table
 * (switch_filter.c).
 */
#include "netns/netns.h"
#include "netns/internal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <nftables/libnftables.h>

int nft_script_run_here(const char *script, char *err, size_t errlen)
{
	struct nft_ctx *nft = nft_ctx_new(NFT_CTX_DEFAULT);
	const char *text;
	int rc;

	if (!nft)
		return -ENOMEM;
	if (nft_ctx_buffer_output(nft) || nft_ctx_buffer_error(nft)) {
		nft_ctx_free(nft);
		return -ENOMEM;
	}
	rc = nft_run_cmd_from_buffer(nft, script);
	if (rc != 0) {
		text = nft_ctx_get_error_buffer(nft);
		if (err && errlen)
			snprintf(err, errlen, "nftables: %s", text ? text : "");
		rc = -EINVAL;
		if (text && strstr(text, strerror(EPERM)))
			rc = -EPERM;
		else if (text && strstr(text, strerror(ENOENT)))
			rc = -EOPNOTSUPP;   /* an expression this kernel lacks */
	}
	nft_ctx_free(nft);
	return rc;
}
