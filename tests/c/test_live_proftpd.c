/* The live suite against proftpd (MLSD through mod_facts, chrooted user). */
#include "live_suite.h"

#include <stdlib.h>
#include <string.h>

int main(void) {
    struct server s = {0};
    s.name = "proftpd";
    s.port = (uint16_t)atoi(t_need("PROFTPD_PORT"));
    s.user_root = t_need("PROFTPD_USER_ROOT");
    s.has_mlsd = true;
    s.raw_names = true;
    return run_suite(&s);
}
