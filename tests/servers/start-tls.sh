# FTPS servers for the live tests; sourced by start.sh once the plain servers are up
# (it uses start.sh's variables and functions: work, data, anon, bin, here, user, pass,
# free_port, start_pyftpd, wait_for, port_of). Writes $work/env-tls.
#   vsftpd    explicit, TLS required for logins and data, require_ssl_reuse=YES
#   vsftpd    implicit (TLS from the first byte), same policy
#   proftpd   mod_tls, TLS required for login and data, session reuse required (default)
#   pure-ftpd TLS required on the control connection (-Y 2), clear data allowed; and a
#             plain instance with anonymous access for the live suite
#   pyftpdlib TLS required for control and data; and, anonymous only, one each with an
#             expired, a not-yet-valid, a wrong-host and an untrusted certificate, and
#             one that requires a client certificate

certs=$work/certs
python3 "$here/make-certs.py" "$certs"
# The CA as an OpenSSL hashed directory too (for ftp_tls_config_set_ca_dir).
mkdir -p "$certs/ca-dir"
cp "$certs/ca.pem" "$certs/ca-dir/"
openssl rehash "$certs/ca-dir"

# --- vsftpd, explicit and implicit ---------------------------------------------------
start_vsftps() { # NAME EXTRA-CONFIG-LINE
  local port
  port=$(free_port)
  sed -e "s/^listen_port=.*/listen_port=$port/" -e "s|^vsftpd_log_file=.*|vsftpd_log_file=$work/$1.log|" \
    "$work/vsftpd.conf" > "$work/$1.conf"
  cat >> "$work/$1.conf" <<CONF
ssl_enable=YES
rsa_cert_file=$certs/server.pem
rsa_private_key_file=$certs/server.key
allow_anon_ssl=YES
force_anon_logins_ssl=YES
force_anon_data_ssl=YES
force_local_logins_ssl=YES
force_local_data_ssl=YES
require_ssl_reuse=YES
$2
CONF
  "$bin/usr/sbin/vsftpd" "$work/$1.conf" > "$work/$1.out" 2>&1 &
  echo $! > "$work/$1.pid"
  echo "$port" > "$work/$1.port"
}
start_vsftps vsftps ""
start_vsftps vsftps-implicit "implicit_ssl=YES"

# --- proftpd with mod_tls ------------------------------------------------------------
# "auth+data": TLS for the login and for data; CCC is then allowed after login (with
# TLSRequired on, mod_tls refuses CCC). Session reuse stays required (its default).
proftps_port=$(free_port)
sed -e "s/^Port .*/Port $proftps_port/" \
    -e "s|^ScoreboardFile .*|ScoreboardFile $work/proftps.scoreboard|" \
    -e "s|^PidFile .*|PidFile $work/proftps.daemon-pid|" \
    -e "s|^SystemLog .*|SystemLog $work/proftps.system.log|" \
    -e "s|^ExtendedLog .*|ExtendedLog $work/proftps.log ALL|" \
    "$work/proftpd.conf" > "$work/proftps.conf"
cat >> "$work/proftps.conf" <<CONF
ModulePath $bin/usr/lib/proftpd
LoadModule mod_tls.c
TLSEngine on
TLSRequired auth+data
TLSProtocol TLSv1.2 TLSv1.3
TLSRSACertificateFile $certs/server.pem
TLSRSACertificateKeyFile $certs/server.key
TLSCACertificateFile $certs/ca.pem
TLSVerifyClient off
TLSLog $work/proftps.tls.log
CONF
"$bin/usr/sbin/proftpd" -n -c "$work/proftps.conf" > "$work/proftps.out" 2>&1 &
echo $! > "$work/proftps.pid"
# The same as implicit FTPS (TLS from the first byte: TLSOptions UseImplicitSSL).
proftpsi_port=$(free_port)
sed -e "s/^Port .*/Port $proftpsi_port/" -e "s|proftps\.|proftpsi.|g" "$work/proftps.conf" > "$work/proftpsi.conf"
echo "TLSOptions UseImplicitSSL" >> "$work/proftpsi.conf"
"$bin/usr/sbin/proftpd" -n -c "$work/proftpsi.conf" > "$work/proftpsi.out" 2>&1 &
echo $! > "$work/proftpsi.pid"

# --- pure-ftpd -----------------------------------------------------------------------
# System users (-l unix): the test user's home is the one vsftpd uses. Foreground, so
# the pid file is the process start.sh started.
pure_port=$(free_port)
"$bin/usr/sbin/pure-ftpd" -S "127.0.0.1,$pure_port" -l unix -E -A -j -H -Y 2 \
  -2 "$certs/server.pem,$certs/server.key" -O "clf:$work/pureftps.log" > "$work/pureftps.out" 2>&1 &
echo $! > "$work/pureftps.pid"

# The same server in plain FTP, with anonymous access (as the system user "ftp", whose
# home is the anonymous tree), for the live suite.
id ftp >/dev/null 2>&1 || useradd -r -M -s /usr/sbin/nologin ftp
set_home ftp "$anon"
pure_plain_port=$(free_port)
"$bin/usr/sbin/pure-ftpd" -S "127.0.0.1,$pure_plain_port" -l unix -A -j -H \
  -O "clf:$work/pureftpd.log" > "$work/pureftpd.out" 2>&1 &
echo $! > "$work/pureftpd.pid"

# --- pyftpdlib -----------------------------------------------------------------------
start_pyftpd pyftps 127.0.0.1 --certfile "$certs/server.pem" --keyfile "$certs/server.key" --tls-data-required
for bad in expired notyet wronghost untrusted; do
  start_pyftpd "pyftps-$bad" 127.0.0.1 --certfile "$certs/$bad.pem" --keyfile "$certs/$bad.key"
done
start_pyftpd pyftps-clientcert 127.0.0.1 --certfile "$certs/server.pem" --keyfile "$certs/server.key" \
  --client-ca "$certs/ca.pem"

# --- wait ----------------------------------------------------------------------------
listening() { # HOST PORT: a TCP connection is accepted (implicit TLS sends no plain greeting)
  python3 -c 'import socket, sys; socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=2).close()' \
    "$1" "$2" 2>/dev/null
}
wait_for vsftps 127.0.0.1 "$(cat "$work/vsftps.port")"
for _ in $(seq 100); do
  listening 127.0.0.1 "$(cat "$work/vsftps-implicit.port")" && break
  sleep 0.1
done
listening 127.0.0.1 "$(cat "$work/vsftps-implicit.port")" || fail_start vsftps-implicit "did not come up"
wait_for proftps 127.0.0.1 "$proftps_port"
for _ in $(seq 100); do
  listening 127.0.0.1 "$proftpsi_port" && break
  sleep 0.1
done
listening 127.0.0.1 "$proftpsi_port" || fail_start proftpsi "did not come up"
wait_for pureftps 127.0.0.1 "$pure_port"
wait_for pureftpd 127.0.0.1 "$pure_plain_port"
declare -A pyftps_ports
for name in pyftps pyftps-expired pyftps-notyet pyftps-wronghost pyftps-untrusted pyftps-clientcert; do
  pyftps_ports[$name]=$(port_of "$name")
  wait_for "$name" 127.0.0.1 "${pyftps_ports[$name]}"
done

cat > "$work/env-tls" <<ENV
CERT_DIR=$certs
CA_FILE=$certs/ca.pem
CA_DIR=$certs/ca-dir
CLIENT_CERT=$certs/client.pem
CLIENT_KEY=$certs/client.key
VSFTPS_PORT=$(cat "$work/vsftps.port")
VSFTPS_LOG=$work/vsftps.log
VSFTPS_USER_ROOT=$data/vsftpd-user
VSFTPS_IMPLICIT_PORT=$(cat "$work/vsftps-implicit.port")
VSFTPS_IMPLICIT_LOG=$work/vsftps-implicit.log
PROFTPS_PORT=$proftps_port
PROFTPS_IMPLICIT_PORT=$proftpsi_port
PROFTPS_LOG=$work/proftps.log
PROFTPS_TLS_LOG=$work/proftps.tls.log
PROFTPS_USER_ROOT=$data/proftpd-user
PUREFTPS_PORT=$pure_port
PUREFTPS_LOG=$work/pureftps.log
PUREFTPS_USER_ROOT=$data/vsftpd-user
PUREFTPD_PORT=$pure_plain_port
PUREFTPD_LOG=$work/pureftpd.log
PUREFTPD_USER_ROOT=$data/vsftpd-user
PYFTPS_PORT=${pyftps_ports[pyftps]}
PYFTPS_LOG=$work/pyftps.log
PYFTPS_USER_ROOT=$data/pyftpd-user
PYFTPS_EXPIRED_PORT=${pyftps_ports[pyftps-expired]}
PYFTPS_NOTYET_PORT=${pyftps_ports[pyftps-notyet]}
PYFTPS_WRONGHOST_PORT=${pyftps_ports[pyftps-wronghost]}
PYFTPS_UNTRUSTED_PORT=${pyftps_ports[pyftps-untrusted]}
PYFTPS_CLIENTCERT_PORT=${pyftps_ports[pyftps-clientcert]}
ENV
