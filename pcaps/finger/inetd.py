#!/usr/bin/env python3
"""A minimal inetd for recordings: listens on ADDR:PORT and runs an inetd-style daemon (efingerd) per connection
with the socket as its stdin/stdout, or, with --reply FILE, answers every request with the file's bytes
(a stand-in finger server whose reply is a script, as in the ClickFix `finger user@host | cmd` pattern)."""
import argparse
import socket
import subprocess

ap = argparse.ArgumentParser()
ap.add_argument('addr')
ap.add_argument('port', type=int)
ap.add_argument('--reply')
ap.add_argument('--count', type=int, default=1)
ap.add_argument('cmd', nargs='*')
a = ap.parse_args()
srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind((a.addr, a.port))
srv.listen(4)
srv.settimeout(20)
for _ in range(a.count):
    conn, _peer = srv.accept()
    if a.reply:
        data = b''
        while not data.endswith(b'\n') and len(data) < 1024:
            chunk = conn.recv(1024)
            if not chunk:
                break
            data += chunk
        with open(a.reply, 'rb') as f:
            conn.sendall(f.read())
    else:
        subprocess.run(a.cmd, stdin=conn.fileno(), stdout=conn.fileno(), stderr=subprocess.DEVNULL, timeout=10)
    try:
        conn.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    conn.close()
