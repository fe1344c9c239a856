#!/usr/bin/env python3
"""A wide-area link for the benchmark, in user space (this kernel has no netem).

A blind TCP forwarder: it listens on LISTEN (a second loopback address such as
127.0.0.2) on every port given, and relays each connection to the same port on TARGET,
holding every chunk of bytes back DELAY_MS in each direction (a round trip costs twice
that). Give it a server's control port and its whole passive port range: EPSV replies
name only a port, and a client that ignores the address in a PASV reply (libftp's
default, curl's --ftp-skip-pasv-ip, lftp's ftp:ignore-pasv-address) connects to LISTEN
too, so plain FTP and FTPS (whose replies it cannot read) both cross the delay.

What it does not delay: the TCP handshake with the client, which the kernel completes
before the proxy accepts. Every new connection is so one round trip cheaper than on a
real link, for every tool alike.

    python3 bench/wanproxy.py --listen 127.0.0.2 --target 127.0.0.1 --delay-ms 10 \\
        --ports 2121,30000-30099
It prints "wanproxy ready" once every port listens, and runs until killed.
"""
import argparse
import asyncio
import sys
import time

CHUNK = 1024 * 1024
# Chunks in flight per direction: more than a 10 ms one-way delay holds at loopback
# speed, while a stalled reader stops the copy instead of filling memory.
QUEUE = 512


def parse_ports(text):
    ports = []
    for part in text.split(","):
        lo, _, hi = part.partition("-")
        ports.extend(range(int(lo), int(hi or lo) + 1))
    return ports


async def pump(reader, writer, delay, source):
    """Copies one direction, each chunk written `delay` seconds after it was read, in
    order; end-of-file is passed on with the same delay. When the receiving side has
    reset (a write fails), the sending side (`source`, the writer of the connection
    `reader` reads) is reset too, `delay` later, as the reset would travel back over a
    real path: a server writing a download the client cut then stops at once instead
    of filling the queue and waiting."""
    queue = asyncio.Queue(QUEUE)

    async def read_side():
        try:
            while True:
                data = await reader.read(CHUNK)
                await queue.put((time.monotonic() + delay, data))
                if not data:
                    return
        except (ConnectionError, OSError):
            await queue.put((time.monotonic() + delay, None))

    async def write_side():
        while True:
            due, data = await queue.get()
            wait = due - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            try:
                if data is None:
                    # The other side reset: pass the reset on rather than a clean end.
                    writer.transport.abort()
                    return
                if not data:
                    if writer.can_write_eof():
                        writer.write_eof()
                    return
                writer.write(data)
                await writer.drain()
            except (ConnectionError, OSError):
                asyncio.get_running_loop().call_later(delay, source.transport.abort)
                return

    # Once the writing stops (a reset), nothing reads the queue: stop the reading too.
    reading = asyncio.ensure_future(read_side())
    try:
        await write_side()
    finally:
        reading.cancel()


async def handle(client_r, client_w, target, port, delay):
    try:
        server_r, server_w = await asyncio.open_connection(target, port)
    except OSError:
        client_w.transport.abort()
        return
    try:
        await asyncio.gather(pump(client_r, server_w, delay, client_w), pump(server_r, client_w, delay, server_w))
    finally:
        for w in (client_w, server_w):
            w.close()


# The relaying tasks, held here: the event loop keeps only weak references to tasks,
# and a connection whose both reads are paused (a full queue) is referenced by
# nothing else, so its task would be collected while still pending.
TASKS = set()


def on_client(reader, writer, target, port, delay):
    task = asyncio.ensure_future(handle(reader, writer, target, port, delay))
    TASKS.add(task)
    task.add_done_callback(TASKS.discard)


async def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--listen", default="127.0.0.2")
    ap.add_argument("--target", default="127.0.0.1")
    ap.add_argument("--delay-ms", type=float, required=True, help="one-way delay (half the round trip)")
    ap.add_argument("--ports", required=True, help="e.g. 2121,30000-30099")
    a = ap.parse_args()
    delay = a.delay_ms / 1000.0
    servers = []
    for port in parse_ports(a.ports):
        servers.append(await asyncio.start_server(
            lambda r, w, p=port: on_client(r, w, a.target, p, delay), a.listen, port, backlog=256))
    print("wanproxy ready: %s -> %s, %d ports, %.1f ms each way" % (a.listen, a.target, len(servers), a.delay_ms),
          flush=True)
    await asyncio.gather(*(s.serve_forever() for s in servers))


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
