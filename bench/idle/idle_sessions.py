#!/usr/bin/env python3
"""Opens N authenticated, idle TLS sessions to a running tilld and reports its memory per session.

Each session: TLS handshake, `hello` with the terminal key, read the answer, then stay idle. tilld's RSS (from
/proc/PID/status) is read before and after; the difference divided by N is the cost of one idle session.
Usage: idle_sessions.py PORT PID CA_FILE TERMINAL_KEY N
"""
import json, resource, socket, ssl, struct, sys, time

port, pid, ca, key, count = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4], int(sys.argv[5])

def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])

def frame(obj):
    body = json.dumps(obj).encode()
    return struct.pack(">I", len(body)) + body

def read_frame(sock):
    head = b""
    while len(head) < 4:
        head += sock.recv(4 - len(head))
    (length,) = struct.unpack(">I", head)
    body = b""
    while len(body) < length:
        body += sock.recv(length - len(body))
    return json.loads(body)

resource.setrlimit(resource.RLIMIT_NOFILE, (count + 512, resource.getrlimit(resource.RLIMIT_NOFILE)[1]))
context = ssl.create_default_context(cafile=ca)
before = rss_kib(pid)
started = time.monotonic()
sessions = []
for n in range(count):
    raw = socket.create_connection(("127.0.0.1", port))
    tls = context.wrap_socket(raw, server_hostname="127.0.0.1")
    tls.sendall(frame({"id": n, "op": "hello", "versions": [1], "apiKey": key, "client": "idle-bench"}))
    answer = read_frame(tls)
    assert "result" in answer, answer
    sessions.append(tls)
opened = time.monotonic() - started
time.sleep(2)  # let the server settle (freed handshake buffers) before reading its RSS
after = rss_kib(pid)
per = (after - before) * 1024 / count
print(f"sessions={count} tls={sessions[0].version()} open_seconds={opened:.1f} "
      f"rss_before_kib={before} rss_after_kib={after} bytes_per_idle_session={per:.0f}")
