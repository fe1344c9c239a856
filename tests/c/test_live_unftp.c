/* The live suite against unftp 0.16.0 (Rust, libunftp): no active mode (PORT/EPRT are
 * 502), no MLST facts beyond type/size/modify and no OPTS MLST, links shown as files,
 * an unquoted MKD reply, no SITE HELP, no urgent ABOR (see
 * docs/servers.md). It runs as root here, like pyftpdlib. */
#include "live_suite.h"

#include <stdlib.h>

int main(void) {
    struct server s = {0};
    s.name = "unftp";
    s.port = (uint16_t)atoi(t_need("UNFTP_PORT"));
    s.user_root = t_need("UNFTP_USER_ROOT");
    s.has_mlsd = true;
    s.as_root = true;
    s.no_active = true;
    s.no_mlst_facts = true;
    s.links_as_files = true;
    s.mkd_unquoted = true;
    s.no_site_help = true;
    s.urgent_abort_ends_session = true;
    return run_suite(&s);
}
