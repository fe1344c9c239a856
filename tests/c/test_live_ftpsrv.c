/* The live suite against ftp-srv 4.6.3 (Node.js): no MLSD, no MFMT; "USER anonymous" is
 * answered 230 at once. It runs as root here, like pyftpdlib. */
#include "live_suite.h"

#include <stdlib.h>

int main(void) {
    struct server s = {0};
    s.name = "ftp-srv";
    s.port = (uint16_t)atoi(t_need("FTPSRV_PORT"));
    s.user_root = t_need("FTPSRV_USER_ROOT");
    s.has_mlsd = false;
    s.as_root = true;
    s.no_site_help = true;
    s.os_error_replies = true;
    s.abor_answered_late = true;
    s.reset_may_stall = true;
    s.mkd_existing_ok = true;
    s.rest_stor_truncates = true;
    s.links_followed = true;
    s.auth_tls_race = true;
    return run_suite(&s);
}
