#!/usr/bin/env python3
"""Issue 14: resident memory per token, per user and per idle connection of the debug
imcore-server binary (see BENCHMARKS.md). Run from the repository root after
`cargo build -p imcore-server`."""
import socket, subprocess, time, json, os, sys
BIN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "target", "debug", "imcore-server")
cfg = """listen = "127.0.0.1:5391"
[storage]
in_memory = true
[http]
header_timeout_ms = 120000
connections_max = 5000
[[apps]]
org = "o"
app = "a"
client_id = "i"
client_secret = "s"
[apps.limits]
users_max = 1000000
"""
open("/tmp/imcore_memory_issue14.toml", "w").write(cfg)
p = subprocess.Popen([BIN, "--config", "/tmp/imcore_memory_issue14.toml"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env={**os.environ, "RUST_LOG": "warn"})
p.stdout.readline()
def rss():
    for l in open(f"/proc/{p.pid}/status"):
        if l.startswith("VmRSS"):
            return int(l.split()[1])  # KiB
def req(s, method, path, body=None, token=None):
    b = json.dumps(body).encode() if body is not None else b""
    h = f"{method} {path} HTTP/1.1\r\nHost: x\r\nContent-Length: {len(b)}\r\nContent-Type: application/json\r\n"
    if token: h += f"Authorization: Bearer {token}\r\n"
    s.sendall(h.encode() + b"\r\n" + b)
    buf = b""
    while b"\r\n\r\n" not in buf:
        buf += s.recv(65536)
    head, rest = buf.split(b"\r\n\r\n", 1)
    n = int([l.split(b":")[1] for l in head.split(b"\r\n") if l.lower().startswith(b"content-length")][0])
    while len(rest) < n:
        rest += s.recv(65536)
    return json.loads(rest)
s = socket.create_connection(("127.0.0.1", 5391))
tok = req(s, "POST", "/o/a/token", {"grant_type": "client_credentials", "client_id": "i", "client_secret": "s"})["access_token"]
# warm up
for i in range(2000):
    req(s, "POST", "/o/a/token", {"grant_type": "client_credentials", "client_id": "i", "client_secret": "s"})
time.sleep(0.5)
r0 = rss()
N = 20000
for i in range(N):
    req(s, "POST", "/o/a/token", {"grant_type": "client_credentials", "client_id": "i", "client_secret": "s"})
time.sleep(0.5)
r1 = rss()
print(f"tokens: {N} minted, RSS {r0} -> {r1} KiB: {(r1-r0)*1024/N:.1f} B per token")
U = 30000
for b in range(U // 60):
    req(s, "POST", "/o/a/users", [{"username": f"u{b}_{i}", "password": "pw"} for i in range(60)], tok)
time.sleep(0.5)
r2 = rss()
print(f"users: {U} registered, RSS {r1} -> {r2} KiB: {(r2-r1)*1024/U:.1f} B per user")
C = 1000
conns = []
for i in range(C):
    c = socket.create_connection(("127.0.0.1", 5391)); conns.append(c)
time.sleep(1.0)
r3 = rss()
print(f"idle connections: {C} open, RSS {r2} -> {r3} KiB: {(r3-r2)*1024/C:.0f} B per connection")
for c in conns:
    c.sendall(b"GET /o/a/users HTTP/1.1\r\nHost: x\r\nX-Half: ")
time.sleep(1.0)
r4 = rss()
print(f"half-sent heads: {C}, RSS {r3} -> {r4} KiB: {(r4-r2)*1024/C:.0f} B per connection")
p.terminate(); p.wait()
