/* The live suite against unftp 0.16.0 (Rust, libunftp): no active mode (PORT/EPRT are
 * 502). It runs as root here, like pyftpdlib. */
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
    return run_suite(&s);
}
