/* The live suite against netkit linux-ftpd 0.17 with the ftpd-ssl patch (Debian's
 * ftpd-ssl), run from an inetd: no FEAT at all, no MLSD. */
#include "live_suite.h"

#include <stdlib.h>

int main(void) {
    struct server s = {0};
    s.name = "netkit";
    s.port = (uint16_t)atoi(t_need("NETKIT_PORT"));
    s.user_root = t_need("NETKIT_USER_ROOT");
    s.user = t_need("NETKIT_USER"); /* a system user of its own: its home is its root */
    s.has_mlsd = false;
    s.raw_names = true;
    s.no_feat = true;
    s.reset_ends_session = true;
    s.anon_list_empty = true;
    return run_suite(&s);
}
