#!/bin/bash
# Starts the real FTP servers the live tests use, all on loopback, and writes WORKDIR/env
# (KEY=value lines the C tests read through $LIBFTP_TEST_ENV).
#   vsftpd    127.0.0.1  anonymous (read-only ANON_ROOT) + system user FTP_USER (read-write)
#   proftpd   127.0.0.1  the same, FTP_USER from its own password file, chrooted home
#   pyftpdlib 127.0.0.1 (and ::1 where the machine has IPv6 loopback), same users
#   and the FTPS servers of start-tls.sh (vsftpd, proftpd, pure-ftpd, pyftpdlib)
#   and the servers of start-more.sh (inetutils ftpd, netkit ftpd-ssl, ftp-srv, unftp)
# Needs root (vsftpd drops privileges per session; the test user is a system user).
# Usage: start.sh WORKDIR
#
# The test users (ftptest, ftptest-anon) and a PAM service (/etc/pam.d/libftp-vsftpd)
# go into a private copy of /etc: an overlay on /etc in a mount namespace only the
# servers live in, removed by stop.sh, so the machine's users and files stay exactly as
# they were, and server sets started at the same time do not meet. (A server a test
# starts by itself enters it with `nsenter -m -t "$(cat WORKDIR/vsftpd.pid)"`.)
# LIBFTP_PRIVATE_ETC=0 writes them into the real /etc instead, for a machine where no
# mount namespace can be made.
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: $0 WORKDIR" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
bin=${LIBFTP_SERVERS:-$repo/.servers}/root
work=$1

bash "$here/stop.sh" "$work" 2>/dev/null || true
if [ "${LIBFTP_PRIVATE_ETC:-1}" = 1 ] && [ -z "${LIBFTP_ETC_OVERLAY:-}" ]; then
  overlay=$(mktemp -d /tmp/libftp-etc.XXXXXX)
  mkdir "$overlay/upper" "$overlay/work"
  exec unshare --mount --propagation private env LIBFTP_ETC_OVERLAY="$overlay" bash -c '
    o=$LIBFTP_ETC_OVERLAY
    mount -t overlay libftp-etc -o "lowerdir=/etc,upperdir=$o/upper,workdir=$o/work" /etc || {
      echo "start.sh: cannot mount a private /etc (LIBFTP_PRIVATE_ETC=0 uses the real one)" >&2
      rm -rf "$o"; exit 1; }
    exec bash "$0" "$@"' "$0" "$@"
fi
rm -rf "$work"
mkdir -p "$work"
work=$(cd "$work" && pwd)
[ -z "${LIBFTP_ETC_OVERLAY:-}" ] || echo "$LIBFTP_ETC_OVERLAY" > "$work/etc-dir"
# A failed start stops whatever did come up (the logs in WORKDIR stay for reading).
trap 'rc=$?; [ $rc -eq 0 ] || bash "$here/stop.sh" "$work" >/dev/null 2>&1; exit $rc' EXIT
# The servers' files live where the unprivileged FTP users can reach them, which a
# checkout under a private directory (mktemp -d, a home) may not be. stop.sh removes it.
# LIBFTP_DATA_PARENT: where that directory goes (the bench puts it on tmpfs).
data=$(mktemp -d "${LIBFTP_DATA_PARENT:-/tmp}/libftp-ftpdata.XXXXXX")
chmod 755 "$data"
echo "$data" > "$work/data-dir"

user=ftptest
pass=ftptest-pw
fail() { echo "start.sh: $*" >&2; exit 1; }
# python3 is often a pyenv shim that costs ~0.1 s per start, and this script starts it
# dozens of times: call the interpreter it resolves to directly. (Servers started in the
# background use "$py" itself, so that $! is the server's pid, not a subshell's.)
py=$(python3 -c 'import sys; print(sys.executable)') || fail "python3 not found"
python3() { "$py" "$@"; }
[ "$(id -u)" = 0 ] || fail "must run as root (vsftpd and the test user need it)"
[ -x "$bin/usr/sbin/vsftpd" ] || fail "vsftpd not unpacked; run tests/servers/fetch.sh"
python3 -c 'import pyftpdlib' 2>/dev/null || fail "pyftpdlib missing; pip install pyftpdlib"

# --- users -------------------------------------------------------------------------
# A user's home, set in the passwd file directly when usermod refuses because a process
# runs under that uid (another server set's session: the uid is the same number there).
set_home() { # USER DIR
  usermod -d "$2" "$1" 2>/dev/null ||
    sed -i "s|^\($1:[^:]*:[^:]*:[^:]*:[^:]*:\)[^:]*|\1$2|" /etc/passwd
  [ "$(getent passwd "$1" | cut -d: -f6)" = "$2" ] || fail "cannot set the home of $1"
}
# vsftpd changes to a user's home directory before anything else, so both homes are set
# to this run's directories each time. Written into /etc/passwd directly: usermod
# refuses while a process runs as the user, and processes of another server set (in
# its own namespace, with the same uid) count too.
set_home() { # USER DIR
  local tmp
  tmp=$(mktemp)
  awk -F: -v OFS=: -v u="$1" -v d="$2" '$1 == u { $6 = d } { print }' /etc/passwd > "$tmp"
  cat "$tmp" > /etc/passwd
  rm -f "$tmp"
  [ "$(getent passwd "$1" | cut -d: -f6)" = "$2" ] || fail "cannot set the home directory of $1"
}
id "$user" >/dev/null 2>&1 || useradd -M -s /bin/sh "$user"
set_home "$user" "$data/vsftpd-user"
echo "$user:$pass" | chpasswd
# vsftpd's anonymous sessions run as this unprivileged user of our own.
id ftptest-anon >/dev/null 2>&1 || useradd -r -M -s /usr/sbin/nologin ftptest-anon
set_home ftptest-anon "$data/anon"
# Our own PAM service, so nothing the system's vsftpd package might install is touched.
cat > /etc/pam.d/libftp-vsftpd <<'PAM'
auth     required pam_unix.so nodelay
account  required pam_unix.so
session  required pam_permit.so
PAM

# --- data --------------------------------------------------------------------------
anon=$data/anon
mkdir -p "$anon/dir1/sub" "$data/empty" "$data/vsftpd-user" "$data/pyftpd-user" "$data/proftpd-user"
printf 'hello, world\n' > "$anon/hello.txt"
printf 'first line\nsecond line\n\nfourth line after an empty one\nlast line\n' > "$anon/lines.txt"
printf 'a\n' > "$anon/dir1/a.txt"
printf 'b\n' > "$anon/dir1/b.txt"
printf 'c\n' > "$anon/dir1/sub/c.txt"
printf 'space\n' > "$anon/with space.txt"
# Deeper and non-ASCII names, for the mirror tests.
mkdir -p "$anon/dir1/sub/deeper dir"
printf 'accents\n' > "$anon/dir1/sub/café ü.txt"
printf 'deep\n' > "$anon/dir1/sub/deeper dir/x y.txt"
# 8 MiB of deterministic, incompressible-looking bytes.
python3 - "$anon/big.bin" <<'PY'
import hashlib, sys
with open(sys.argv[1], "wb") as f:
    for i in range(8 * 1024 * 1024 // 32):
        f.write(hashlib.sha256(i.to_bytes(8, "little")).digest())
PY
chown -R root:root "$anon"
chmod -R a+rX,go-w "$anon"
chown "$user" "$data/vsftpd-user" "$data/proftpd-user"
big_size=$(stat -c %s "$anon/big.bin")
big_sha=$(sha256sum "$anon/big.bin" | cut -d' ' -f1)

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# --- vsftpd ------------------------------------------------------------------------
vs_port=$(free_port)
cat > "$work/vsftpd.conf" <<CONF
listen=YES
listen_ipv6=NO
listen_address=127.0.0.1
listen_port=$vs_port
background=NO
seccomp_sandbox=NO
isolate=NO
isolate_network=NO
secure_chroot_dir=$data/empty
pam_service_name=libftp-vsftpd
anonymous_enable=YES
anon_root=$anon
no_anon_password=YES
ftp_username=ftptest-anon
local_enable=YES
local_root=$data/vsftpd-user
write_enable=YES
local_umask=022
pasv_enable=YES
port_enable=YES
connect_from_port_20=NO
xferlog_enable=YES
xferlog_std_format=NO
log_ftp_protocol=YES
delay_failed_login=0
vsftpd_log_file=$work/vsftpd.log
CONF
# LIBFTP_PASV_PORTS=LO-HI: vsftpd's passive ports (and its FTPS instances'), which the
# bench's WAN proxy (bench/wanproxy.py) forwards; the kernel picks them otherwise.
if [ -n "${LIBFTP_PASV_PORTS:-}" ]; then
  printf 'pasv_min_port=%s\npasv_max_port=%s\n' "${LIBFTP_PASV_PORTS%-*}" "${LIBFTP_PASV_PORTS#*-}" >> "$work/vsftpd.conf"
fi
"$bin/usr/sbin/vsftpd" "$work/vsftpd.conf" > "$work/vsftpd.out" 2>&1 &
echo $! > "$work/vsftpd.pid"

# --- proftpd -----------------------------------------------------------------------
# Its own user and group files (mod_auth_file), so the user's home can be this run's.
pro_port=$(free_port)
{
  echo "$user:$(openssl passwd -6 "$pass"):$(id -u "$user"):$(id -g "$user")::$data/proftpd-user:/bin/sh"
  echo "ftptest-anon:*:$(id -u ftptest-anon):$(id -g ftptest-anon)::$anon:/usr/sbin/nologin"
} > "$work/proftpd.passwd"
{
  echo "$(id -gn "$user"):x:$(id -g "$user"):"
  echo "$(id -gn ftptest-anon):x:$(id -g ftptest-anon):"
} > "$work/proftpd.group"
chmod 600 "$work/proftpd.passwd"
cat > "$work/proftpd.conf" <<CONF
ServerName "libftp test proftpd"
ServerType standalone
DefaultAddress 127.0.0.1
SocketBindTight on
Port $pro_port
UseIPv6 off
User nobody
Group nogroup
Umask 022
WtmpLog off
UseReverseDNS off
ScoreboardFile $work/proftpd.scoreboard
PidFile $work/proftpd.daemon-pid
DelayTable none
# mod_delay would pad every login to ~0.4 s after the first (timing-attack defence)
DelayEngine off
AuthOrder mod_auth_file.c
AuthUserFile $work/proftpd.passwd
AuthGroupFile $work/proftpd.group
RequireValidShell off
DefaultRoot ~
AllowOverwrite on
AllowStoreRestart on
SystemLog $work/proftpd.system.log
ExtendedLog $work/proftpd.log ALL
<Anonymous $anon>
  User ftptest-anon
  Group $(id -gn ftptest-anon)
  UserAlias anonymous ftptest-anon
  RequireValidShell off
  <Limit WRITE>
    DenyAll
  </Limit>
</Anonymous>
CONF
"$bin/usr/sbin/proftpd" -n -c "$work/proftpd.conf" > "$work/proftpd.out" 2>&1 &
echo $! > "$work/proftpd.pid"

# --- pyftpdlib ---------------------------------------------------------------------
start_pyftpd() { # NAME HOST [pyftpd.py options...]
  "$py" "$here/pyftpd.py" --host "$2" --user "$user" --password "$pass" \
    --home "$data/pyftpd-user" --anon-root "$anon" --port-file "$work/$1.port" \
    --log "$work/$1.log" "${@:3}" > "$work/$1.out" 2>&1 &
  echo $! > "$work/$1.pid"
}
start_pyftpd pyftpd 127.0.0.1
have_v6=no
if python3 -c 'import socket; s=socket.socket(socket.AF_INET6); s.bind(("::1",0))' 2>/dev/null; then
  have_v6=yes
  start_pyftpd pyftpd6 ::1
fi

# --- wait until every server greets ------------------------------------------------
greets() { # HOST PORT
  python3 - "$1" "$2" <<'PY'
import socket, sys
try:
    s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=2)
    s.settimeout(2)
    ok = s.recv(512).startswith(b"220")
    s.sendall(b"QUIT\r\n")
    sys.exit(0 if ok else 1)
except OSError:
    sys.exit(1)
PY
}
fail_start() { # NAME WHY
  echo "start.sh: $1 $2; its output:" >&2
  cat "$work/$1.out" >&2 || true
  exit 1
}
wait_for() { # NAME HOST PORT
  for _ in $(seq 100); do
    greets "$2" "$3" && return 0
    kill -0 "$(cat "$work/$1.pid")" 2>/dev/null || break
    sleep 0.1
  done
  fail_start "$1" "did not come up"
}
port_of() { # NAME: the port a pyftpd.py instance wrote once it was listening
  for _ in $(seq 100); do
    [ -s "$work/$1.port" ] && { cat "$work/$1.port"; return 0; }
    sleep 0.1
  done
  fail_start "$1" "wrote no port"
}
wait_for vsftpd 127.0.0.1 "$vs_port"
wait_for proftpd 127.0.0.1 "$pro_port"
py_port=$(port_of pyftpd)
wait_for pyftpd 127.0.0.1 "$py_port"
py6_port=
if [ $have_v6 = yes ]; then
  py6_port=$(port_of pyftpd6)
  wait_for pyftpd6 ::1 "$py6_port"
fi

# shellcheck source=tests/servers/start-tls.sh
. "$here/start-tls.sh"
# shellcheck source=tests/servers/start-more.sh
. "$here/start-more.sh"

cat > "$work/env" <<ENV
WORKDIR=$work
FTP_USER=$user
FTP_PASS=$pass
ANON_ROOT=$anon
BIG_SIZE=$big_size
BIG_SHA256=$big_sha
VSFTPD_PORT=$vs_port
VSFTPD_USER_ROOT=$data/vsftpd-user
VSFTPD_LOG=$work/vsftpd.log
PROFTPD_PORT=$pro_port
PROFTPD_USER_ROOT=$data/proftpd-user
PROFTPD_LOG=$work/proftpd.log
PYFTPD_PORT=$py_port
PYFTPD_USER_ROOT=$data/pyftpd-user
PYFTPD_LOG=$work/pyftpd.log
ENV
[ -n "$py6_port" ] && echo "PYFTPD6_PORT=$py6_port" >> "$work/env"
cat "$work/env-tls" >> "$work/env"
cat "$work/env-more" >> "$work/env"
echo "servers up: vsftpd 127.0.0.1:$vs_port, proftpd 127.0.0.1:$pro_port, pyftpdlib 127.0.0.1:$py_port${py6_port:+, [::1]:$py6_port}"
echo "more servers up: inetutils :$(cat "$work/inetutils.port"), netkit :$(cat "$work/netkit.port"), ftp-srv :$(cat "$work/ftpsrv.port"), unftp :$(cat "$work/unftp.port")"
echo "FTPS servers up: vsftpd :$(cat "$work/vsftps.port") (implicit :$(cat "$work/vsftps-implicit.port")), proftpd :$proftps_port (implicit :$proftpsi_port), pure-ftpd :$pure_port, pyftpdlib :${pyftps_ports[pyftps]}"
