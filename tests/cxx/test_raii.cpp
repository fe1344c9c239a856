// libftp from C++17 with nothing but <ftp.h>: every handle owned by a std::unique_ptr
// whose deleter is the matching *_free function, lambdas as callbacks, exceptions kept
// inside callbacks and rethrown after the call. Runs against vsftpd (plain and FTPS)
// from tests/servers/start.sh ($LIBFTP_TEST_ENV); exits 77 (skip) without it, or fails
// under CI=true.
#include <ftp.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

// One deleter template for every handle type: unique_ptr<T, deleter<T_free>>.
template <auto Free>
struct deleter {
    template <class T>
    void operator()(T *p) const noexcept { Free(p); }
};
using session_ptr = std::unique_ptr<ftp_session, deleter<ftp_free>>;
using tls_config_ptr = std::unique_ptr<ftp_tls_config, deleter<ftp_tls_config_free>>;
using entry_list_ptr = std::unique_ptr<ftp_entry_list, deleter<ftp_entry_list_free>>;
using url_ptr = std::unique_ptr<ftp_url, deleter<ftp_url_free>>;

int checks = 0, failures = 0;

#define CHECK(cond)                                                                   \
    do {                                                                              \
        ++checks;                                                                     \
        if (!(cond)) {                                                                \
            ++failures;                                                               \
            std::fprintf(stderr, "%s:%d: FAIL: %s\n", __FILE__, __LINE__, #cond);     \
        }                                                                             \
    } while (0)

// Throws with the session's message when a call fails: the usual C++ wrapper shape.
void ok(ftp_session *h, ftp_result rc, const char *what) {
    if (rc != FTP_OK)
        throw std::runtime_error(std::string(what) + ": " + ftp_strerror(rc) + ": " +
                                 (h ? ftp_session_last_error(h) : ""));
}

std::map<std::string, std::string> read_env() {
    std::map<std::string, std::string> env;
    const char *path = std::getenv("LIBFTP_TEST_ENV");
    if (!path) return env;
    std::ifstream in(path);
    for (std::string line; std::getline(in, line);) {
        auto eq = line.find('=');
        if (eq != std::string::npos) env[line.substr(0, eq)] = line.substr(eq + 1);
    }
    return env;
}

std::vector<uint8_t> read_file(const std::string &path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Downloads `cmd` into a vector; the lambda has no captures, so it converts to the
// C function pointer type, and the vector travels as userdata.
std::vector<uint8_t> download(ftp_session *h, const char *cmd) {
    std::vector<uint8_t> out;
    auto sink = [](void *ud, const uint8_t *buf, size_t len) -> int {
        auto *v = static_cast<std::vector<uint8_t> *>(ud);
        v->insert(v->end(), buf, buf + len);
        return 0;
    };
    ok(h, ftp_retr_binary(h, cmd, sink, 0, FTP_NO_REST, &out), cmd);
    return out;
}

void plain(const std::map<std::string, std::string> &env) {
    session_ptr h(ftp_new());
    CHECK(h != nullptr);
    ok(h.get(), ftp_connect(h.get(), "127.0.0.1", uint16_t(std::stoi(env.at("VSFTPD_PORT"))), 10000, nullptr),
       "connect");
    ok(h.get(), ftp_login(h.get(), nullptr, nullptr, nullptr), "login");

    auto big = download(h.get(), "RETR big.bin");
    CHECK(big.size() == std::stoull(env.at("BIG_SIZE")));
    CHECK(big == read_file(env.at("ANON_ROOT") + "/big.bin"));

    // An exception thrown inside a callback must not unwind through the library:
    // catch it, return non-zero (cancel), rethrow after the call returns.
    struct state {
        size_t calls = 0;
        std::exception_ptr error;
    } st;
    auto throwing = [](void *ud, const uint8_t *, size_t) -> int {
        auto *s = static_cast<state *>(ud);
        try {
            if (++s->calls == 2) throw std::length_error("enough");
            return 0;
        } catch (...) {
            s->error = std::current_exception();
            return 1;
        }
    };
    ftp_result rc = ftp_retr_binary(h.get(), "RETR big.bin", throwing, 4096, FTP_NO_REST, &st);
    CHECK(rc == FTP_E_CANCELLED);
    bool rethrown = false;
    try {
        if (st.error) std::rethrow_exception(st.error);
    } catch (const std::length_error &e) {
        rethrown = std::strcmp(e.what(), "enough") == 0;
    }
    CHECK(rethrown);
    // The session is still usable after the cancel.
    CHECK(download(h.get(), "RETR hello.txt") == read_file(env.at("ANON_ROOT") + "/hello.txt"));

    // A listing owned by a unique_ptr.
    ftp_entry_list *raw = nullptr;
    ok(h.get(), ftp_list_get(h.get(), "", &raw), "list");
    entry_list_ptr list(raw);
    bool saw_big = false;
    for (size_t i = 0; i < ftp_entry_list_len(list.get()); i++) {
        size_t len = 0;
        const char *name = ftp_entry_name(ftp_entry_list_get(list.get(), i), &len);
        uint64_t size = 0;
        if (std::string(name, len) == "big.bin")
            saw_big = ftp_entry_size(ftp_entry_list_get(list.get(), i), &size) && size == big.size();
    }
    CHECK(saw_big);
    ok(h.get(), ftp_quit(h.get()), "quit");
}

void upload(const std::map<std::string, std::string> &env) {
    url_ptr u(ftp_url_new());
    std::string url = "ftp://" + env.at("FTP_USER") + ":" + env.at("FTP_PASS") + "@127.0.0.1:" +
                      env.at("VSFTPD_PORT") + "/";
    CHECK(ftp_url_parse(u.get(), url.c_str()) == FTP_OK);
    session_ptr h(ftp_new());
    ok(h.get(), ftp_connect_url(h.get(), u.get(), 10000), "connect_url");
    ok(h.get(), ftp_login(h.get(), ftp_url_user(u.get()), ftp_url_password(u.get()), nullptr), "login");

    // Upload from a std::string through a reader lambda.
    struct source {
        std::string text;
        size_t at = 0;
    } src{std::string(100000, 'x') + "end\n"};
    auto reader = [](void *ud, uint8_t *buf, size_t cap, size_t *len) -> int {
        auto *s = static_cast<source *>(ud);
        *len = std::min(cap, s->text.size() - s->at);
        std::memcpy(buf, s->text.data() + s->at, *len);
        s->at += *len;
        return 0;
    };
    ok(h.get(), ftp_stor_binary(h.get(), "STOR raii.txt", reader, 0, nullptr, FTP_NO_REST, &src), "stor");
    auto stored = read_file(env.at("VSFTPD_USER_ROOT") + "/raii.txt");
    CHECK(std::string(stored.begin(), stored.end()) == src.text);
    ok(h.get(), ftp_delete(h.get(), "raii.txt"), "delete");
}

void tls(const std::map<std::string, std::string> &env) {
    tls_config_ptr cfg(ftp_tls_config_new());
    ok(nullptr, ftp_tls_config_set_ca_file(cfg.get(), env.at("CA_FILE").c_str()), "ca file");
    session_ptr h(ftp_new());
    ok(h.get(), ftp_set_tls(h.get(), FTP_TLS_EXPLICIT, cfg.get()), "set_tls");
    cfg.reset(); // the session keeps its own copy
    ok(h.get(), ftp_connect(h.get(), "127.0.0.1", uint16_t(std::stoi(env.at("VSFTPS_PORT"))), 10000, nullptr),
       "connect tls");
    ok(h.get(), ftp_login(h.get(), nullptr, nullptr, nullptr), "login tls");
    CHECK(download(h.get(), "RETR big.bin") == read_file(env.at("ANON_ROOT") + "/big.bin"));
}

} // namespace

int main() {
    auto env = read_env();
    if (!env.count("VSFTPD_PORT") || !env.count("VSFTPS_PORT")) {
        const char *ci = std::getenv("CI");
        std::fprintf(stderr, "test_raii: no servers (LIBFTP_TEST_ENV)%s\n", ci && !std::strcmp(ci, "true") ? "" : "; skipped");
        return ci && !std::strcmp(ci, "true") ? 1 : 77;
    }
    try {
        plain(env);
        upload(env);
        tls(env);
    } catch (const std::exception &e) {
        ++failures;
        std::fprintf(stderr, "FAIL: %s\n", e.what());
    }
    std::printf("test_raii: %d checks, %d failed\n", checks, failures);
    return failures ? 1 : 0;
}
