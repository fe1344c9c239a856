"""A minimal inetd for the servers that only run from one (GNU inetutils ftpd, netkit
in.ftpd): listens on HOST, writes the port it got to PORT_FILE, and for each connection
forks a child that puts the socket on fds 0 and 1, LOG on fd 2, and executes the server.
Usage: inetd.py HOST PORT_FILE LOG SERVER [ARGS...]"""
import os
import signal
import socket
import sys


def main():
    host, port_file, log = sys.argv[1:4]
    argv = sys.argv[4:]
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped by the kernel
    listener = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((host, 0))
    listener.listen(128)
    with open(port_file + ".tmp", "w") as f:
        f.write("%d\n" % listener.getsockname()[1])
    os.rename(port_file + ".tmp", port_file)
    while True:
        conn, _ = listener.accept()
        if os.fork() == 0:
            try:
                listener.close()
                signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                fd = conn.detach()
                os.dup2(fd, 0)
                os.dup2(fd, 1)
                if fd > 2:
                    os.close(fd)
                err = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
                os.dup2(err, 2)
                os.close(err)
                os.execv(argv[0], argv)
            finally:
                os._exit(127)
        conn.close()


if __name__ == "__main__":
    main()
