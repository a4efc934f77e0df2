#!/usr/bin/env python3
"""Opens N idle PostgreSQL client connections (trust auth, protocol 3.0) and holds them.

usage: idle_clients.py HOST PORT USER DB COUNT [COUNT ...]
For each COUNT (ascending), opens connections up to that total, waits until every one of them has
received ReadyForQuery, prints "READY <count> <seconds>" and reads a line from stdin before going
on (the caller measures the proxy's memory meanwhile). Exits (closing everything) at stdin EOF.
"""
import resource, selectors, socket, struct, sys, time

host, port, user, db = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
levels = [int(x) for x in sys.argv[5:]]
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

def startup_packet():
    body = struct.pack("!I", 196608)
    for k, v in (("user", user), ("database", db), ("application_name", "idle_clients")):
        body += k.encode() + b"\0" + v.encode() + b"\0"
    body += b"\0"
    return struct.pack("!I", len(body) + 4) + body

PKT = startup_packet()
sel = selectors.DefaultSelector()
socks = []          # all open sockets
pending = {}        # socket -> bytes received so far, until ReadyForQuery
BATCH = 50          # logins in flight at once

def ready_in(buf):
    """True once a ReadyForQuery arrived; raises on ErrorResponse."""
    i = 0
    while i + 5 <= len(buf):
        t = buf[i:i+1]; n = struct.unpack("!I", buf[i+1:i+5])[0]
        if i + 1 + n > len(buf):
            return False
        if t == b"E":
            raise RuntimeError("server error: %r" % buf[i+5:i+1+n])
        if t == b"Z":
            return True
        i += 1 + n
    return False

t0 = time.monotonic()
for level in levels:
    while len(socks) < level or pending:
        while len(socks) < level and len(pending) < BATCH:
            s = socket.create_connection((host, port))
            s.sendall(PKT)
            s.setblocking(False)
            socks.append(s); pending[s] = b""
            sel.register(s, selectors.EVENT_READ)
        for key, _ in sel.select(timeout=30):
            s = key.fileobj
            data = s.recv(65536)
            if not data:
                raise RuntimeError("connection %d closed during login" % len(socks))
            pending[s] += data
            if ready_in(pending[s]):
                del pending[s]
                sel.unregister(s)
    print("READY %d %.1f" % (len(socks), time.monotonic() - t0), flush=True)
    if not sys.stdin.readline():
        break
sys.stdin.read()
