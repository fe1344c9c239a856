/* The live suite against GNU inetutils ftpd 2.4, run from an inetd (tests/servers/
 * inetd.py): no MLSD (the LIST fallback), EPSV/EPRT and LPSV/LPRT, SIZE by TYPE. */
#include "live_suite.h"

#include <stdlib.h>

int main(void) {
    struct server s = {0};
    s.name = "inetutils";
    s.port = (uint16_t)atoi(t_need("INETUTILS_PORT"));
    s.user_root = t_need("INETUTILS_USER_ROOT");
    s.user = t_need("INETUTILS_USER"); /* a system user of its own: its home is its root */
    s.has_mlsd = false;
    s.raw_names = true;
    /* BSD heritage like netkit: a download's data connection reset before the ABOR is
     * read ends the session (SIGPIPE) when the reset wins the race. */
    s.reset_ends_session = true;
    return run_suite(&s);
}
