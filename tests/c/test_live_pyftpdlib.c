/* The live suite against pyftpdlib (MLSD), and over IPv6 when ::1 is available (under
 * CI it must be: IPv6 is not left out silently). */
#include "live_suite.h"

#include <stdlib.h>
#include <string.h>

int main(void) {
    struct server s = {0};
    s.name = "pyftpdlib";
    s.port = (uint16_t)atoi(t_need("PYFTPD_PORT"));
    s.user_root = t_need("PYFTPD_USER_ROOT");
    s.has_mlsd = true;
    int rc = run_suite(&s);
    const char *ci = getenv("CI");
    const char *port6 = ci && strcmp(ci, "true") == 0 ? t_need("PYFTPD6_PORT") : t_env("PYFTPD6_PORT");
    if (port6) {
        /* EPSV and EPRT over IPv6 loopback. */
        struct server s6 = s;
        s6.name = "pyftpdlib-ipv6";
        s6.host = "::1";
        s6.port = (uint16_t)atoi(port6);
        rc = run_cases(&s6, "download_passive,download_active,upload_and_dirs");
    }
    return rc;
}
