/* The live suite against pure-ftpd (MLSD; system users, anonymous as "ftp"). */
#include "live_suite.h"

#include <stdlib.h>
#include <string.h>

int main(void) {
    struct server s = {0};
    s.name = "pure-ftpd";
    s.port = (uint16_t)atoi(t_need("PUREFTPD_PORT"));
    s.user_root = t_need("PUREFTPD_USER_ROOT");
    s.has_mlsd = true;
    s.raw_names = true;
    return run_suite(&s);
}
