/* The live suite against vsftpd (no MLSD: LIST fallback territory). */
#include "live_suite.h"

#include <stdlib.h>
#include <string.h>

int main(void) {
    struct server s = {0};
    s.name = "vsftpd";
    s.port = (uint16_t)atoi(t_need("VSFTPD_PORT"));
    s.user_root = t_need("VSFTPD_USER_ROOT");
    s.has_mlsd = false;
    s.raw_names = true;
    return run_suite(&s);
}
