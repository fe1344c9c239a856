# More server implementations for the live tests; sourced by start.sh once the plain and
# FTPS servers are up, inside the same private /etc (it uses start.sh's variables and
# functions: work, data, anon, bin, here, user, pass, py, certs, wait_for, fail_start,
# listening). Writes $work/env-more. Each server gets its own user root, so that the
# suites can run side by side. Installed by fetch.sh / fetch-more.sh.
#   inetutils  GNU inetutils ftpd 2.4 (inetd mode, under tests/servers/inetd.py), the
#              system user FTP_USER (plain passwd/shadow, -l), anonymous as the system
#              user "ftp" (chrooted to the anonymous tree); no TLS in this server
#   netkit     netkit linux-ftpd 0.17 with the ftpd-ssl patch (in.ftpd, inetd mode), PAM
#              service "ftp" from the package; AUTH TLS is offered but this build never
#              loads its certificate (see docs/servers.md), so it runs plain, and one
#              instance with -z cert=... shows what a client then gets (NETKIT_TLS_PORT)
#   ftp-srv    ftp-srv 4.6.3 (Node.js), plain, explicit TLS (AUTH TLS) and implicit TLS
#   unftp      unftp 0.16.0 (Rust, libunftp), plain and explicit TLS; JSON users file
# The inetd children run as root until login, like under a real inetd.

more_bin=${LIBFTP_SERVERS:-$repo/.servers}
[ -x "$bin/usr/sbin/ftpd" ] && [ -x "$bin/usr/sbin/in.ftpd" ] ||
  fail "inetutils-ftpd / ftpd-ssl not unpacked; run tests/servers/fetch.sh"
[ -d "$more_bin/npm/node_modules/ftp-srv" ] || fail "ftp-srv not installed; run tests/servers/fetch-more.sh"

# Homes: inetutils and netkit log the system user into its home directory, which start.sh
# sets to vsftpd's; each of them gets its own system user with the same password instead.
for srv in inetutils netkit; do
  mkdir -p "$data/$srv-user"
  id "ftptest-$srv" >/dev/null 2>&1 || useradd -M -s /bin/sh -o -u "$(id -u "$user")" -g "$(id -g "$user")" "ftptest-$srv"
  set_home "ftptest-$srv" "$data/$srv-user"
  echo "ftptest-$srv:$pass" | chpasswd
done
mkdir -p "$data/ftpsrv-user" "$data/unftp-user"
chown "$user" "$data/inetutils-user" "$data/netkit-user" "$data/ftpsrv-user" "$data/unftp-user"
# netkit's PAM service (pam_ftp for anonymous, pam_unix for the rest), from its package.
cp "$bin/etc/pam.d/ftp" /etc/pam.d/ftp
# Anonymous: both chroot the user "ftp" (start-tls.sh gave it the anonymous tree).
start_inetd() { # NAME SERVER-ARGS...
  rm -f "$work/$1.port"
  "$py" "$here/inetd.py" 127.0.0.1 "$work/$1.port" "$work/$1.log" "${@:2}" > "$work/$1.out" 2>&1 &
  echo $! > "$work/$1.pid"
}
start_inetd inetutils "$bin/usr/sbin/ftpd" -l
start_inetd netkit "$bin/usr/sbin/in.ftpd" -l -z nossl
start_inetd netkit-tls "$bin/usr/sbin/in.ftpd" -l -z "cert=$certs/server.pem" -z "key=$certs/server.key"

# --- ftp-srv -----------------------------------------------------------------------------
# Runs as root, like pyftpdlib here (the checkout may be out of an unprivileged user's
# reach); ftp-srv.js keeps anonymous sessions read-only.
start_ftpsrv() { # NAME [ftp-srv.js options...]
  rm -f "$work/$1.port"
  NODE_PATH="$more_bin/npm/node_modules" node "$here/ftp-srv.js" --user "$user" --password "$pass" --home "$data/ftpsrv-user" \
    --anon-root "$anon" --port-file "$work/$1.port" --log "$work/$1.log" "${@:2}" > "$work/$1.out" 2>&1 &
  echo $! > "$work/$1.pid"
}
start_ftpsrv ftpsrv
start_ftpsrv ftpsrvs --cert "$certs/server.pem" --key "$certs/server.key"
start_ftpsrv ftpsrvi --cert "$certs/server.pem" --key "$certs/server.key" --implicit

# --- unftp -------------------------------------------------------------------------------
# One JSON file for both users; per-user roots (relative to --root-dir) come from a
# second one. "anonymous" gets the anonymous tree (writable: unftp runs as root, and its
# vfs_perms list refused reads too here);
# its password is the one libftp (like ftplib) sends, as the JSON backend knows no
# "any password".
# It runs as root too.
unftp_bin=$more_bin/unftp-0.16.0/bin/unftp
[ -x "$unftp_bin" ] || fail "unftp not built; run tests/servers/fetch-more.sh"
# The roots must be directories under --root-dir (its file system refuses symlinks that
# lead out): bind mounts, in the servers' private mount namespace.
mkdir -p "$data/unftp/anon" "$data/unftp/user"
mount --bind "$anon" "$data/unftp/anon" || fail "unftp: cannot bind-mount its roots (needs the private namespace)"
mount --bind "$data/unftp-user" "$data/unftp/user" || fail "unftp: cannot bind-mount its roots"
cat > "$work/unftp-users.json" <<JSON
[
  {"username": "anonymous", "password": "anonymous@", "root": "anon"},
  {"username": "$user", "password": "$pass", "root": "user"}
]
JSON
start_unftp() { # NAME [unftp options...]
  local port
  port=$(free_port)
  echo "$port" > "$work/$1.port"
  "$unftp_bin" --bind-address "127.0.0.1:$port" --passive-host 127.0.0.1 --root-dir "$data/unftp" \
    --auth-type json --auth-json-path "$work/unftp-users.json" --usr-json-path "$work/unftp-users.json" \
    --log-level info "${@:2}" > "$work/$1.log" 2>&1 &
  echo $! > "$work/$1.pid"
}
start_unftp unftp
start_unftp unftps --ftps-certs-file "$certs/server.pem" --ftps-key-file "$certs/server.key"

# --- wait ----------------------------------------------------------------------------------
for name in inetutils netkit netkit-tls ftpsrv ftpsrvs ftpsrvi unftp unftps; do
  for _ in $(seq 100); do [ -s "$work/$name.port" ] && break; sleep 0.1; done
  [ -s "$work/$name.port" ] || fail_start "$name" "wrote no port"
  # Implicit FTPS greets only after a TLS handshake: listening is enough (ftp-srv.js
  # writes its port once it listens).
  [ "$name" = ftpsrvi ] && continue
  wait_for "$name" 127.0.0.1 "$(cat "$work/$name.port")"
done

cat > "$work/env-more" <<ENV
INETUTILS_PORT=$(cat "$work/inetutils.port")
INETUTILS_USER=ftptest-inetutils
INETUTILS_USER_ROOT=$data/inetutils-user
INETUTILS_LOG=$work/inetutils.log
NETKIT_PORT=$(cat "$work/netkit.port")
NETKIT_USER=ftptest-netkit
NETKIT_USER_ROOT=$data/netkit-user
NETKIT_LOG=$work/netkit.log
NETKIT_TLS_PORT=$(cat "$work/netkit-tls.port")
FTPSRV_PORT=$(cat "$work/ftpsrv.port")
FTPSRV_USER_ROOT=$data/ftpsrv-user
FTPSRV_LOG=$work/ftpsrv.log
FTPSRVS_PORT=$(cat "$work/ftpsrvs.port")
FTPSRV_IMPLICIT_PORT=$(cat "$work/ftpsrvi.port")
UNFTP_PORT=$(cat "$work/unftp.port")
UNFTP_USER_ROOT=$data/unftp-user
UNFTP_LOG=$work/unftp.log
UNFTPS_PORT=$(cat "$work/unftps.port")
ENV
