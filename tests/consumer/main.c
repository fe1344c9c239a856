/* An out-of-tree consumer of an installed libftp: uses only <ftp.h> from libftp,
 * checks the header and the library agree, and prints which libftp.so was loaded
 * (so run.sh can check it is the one just installed, not another libftp.so such as
 * Debian's unrelated libftp-dev). Exit status 0 on success. */
#define _GNU_SOURCE
#include <ftp.h>

#include <dlfcn.h>
#include <link.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Counts loaded objects named libftp.so*, printing each. */
static int count_libftp(struct dl_phdr_info *info, size_t size, void *data) {
    (void)size;
    const char *name = info->dlpi_name;
    const char *base = name ? strrchr(name, '/') : NULL;
    base = base ? base + 1 : name;
    if (base && strncmp(base, "libftp.so", 9) == 0) {
        printf("loaded object: %s\n", name);
        (*(int *)data)++;
    }
    return 0;
}

int main(void) {
    int failures = 0;

    printf("ftp_version: %s\n", ftp_version());
    printf("ftp_version_num: %u (header FTP_VERSION_NUM %u)\n", (unsigned)ftp_version_num(),
           (unsigned)FTP_VERSION_NUM);
    if (ftp_version_num() != FTP_VERSION_NUM) {
        fprintf(stderr, "FAIL: library version %u != header version %u\n",
                (unsigned)ftp_version_num(), (unsigned)FTP_VERSION_NUM);
        failures++;
    }

    ftp_session *s = ftp_new();
    if (s == NULL) {
        fprintf(stderr, "FAIL: ftp_new returned NULL\n");
        failures++;
    }
    ftp_free(s);
    ftp_free(NULL);

    const char *ok = ftp_strerror(FTP_OK);
    const char *null_err = ftp_strerror(FTP_E_NULL);
    printf("ftp_strerror(FTP_OK): %s\n", ok ? ok : "(null)");
    printf("ftp_strerror(FTP_E_NULL): %s\n", null_err ? null_err : "(null)");
    if (ok == NULL || null_err == NULL || strcmp(ok, null_err) == 0) {
        fprintf(stderr, "FAIL: ftp_strerror gave no distinct texts\n");
        failures++;
    }

    /* Where ftp_version really lives: dlsym skips a non-PIE executable's PLT stub,
     * so dladdr names the shared object that defines it (or the executable itself
     * when libftp.a was linked in). */
    void *sym = dlsym(RTLD_DEFAULT, "ftp_version");
    if (sym == NULL) {
        /* Linked statically: the executable does not export it; use its own address. */
        const char *(*fn)(void) = ftp_version;
        memcpy(&sym, &fn, sizeof sym);
    }
    Dl_info info;
    if (sym == NULL || dladdr(sym, &info) == 0 || info.dli_fname == NULL) {
        fprintf(stderr, "FAIL: cannot locate ftp_version with dlsym/dladdr\n");
        failures++;
    } else {
        /* The main program has an empty name in the link map. */
        const char *fname = info.dli_fname[0] ? info.dli_fname : "/proc/self/exe";
        char real[PATH_MAX];
        const char *path = realpath(fname, real) ? real : fname;
        printf("libftp path: %s\n", path);
    }

    /* LIBFTP_CONSUMER_STATIC=1: linked with libftp.a, so no libftp.so may be loaded. */
    const char *st = getenv("LIBFTP_CONSUMER_STATIC");
    int want = (st && strcmp(st, "1") == 0) ? 0 : 1;
    int n = 0;
    dl_iterate_phdr(count_libftp, &n);
    if (n != want) {
        fprintf(stderr, "FAIL: %d objects named libftp.so* are loaded, want %d\n", n, want);
        failures++;
    }

    printf("%s\n", failures ? "consumer: FAILED" : "consumer: OK");
    return failures ? 1 : 0;
}
