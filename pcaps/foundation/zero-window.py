"""Zero-window fixture: a receiver that stops reading, so its TCP window closes, then drains and closes.
Usage: zero-window.py serve PORT  (in the server namespace) | zero-window.py send HOST PORT BYTES (in the client's)."""
import socket
import sys
import time

if sys.argv[1] == "serve":
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # A small receive buffer fills quickly; the kernel then advertises a zero window.
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    srv.bind(("0.0.0.0", int(sys.argv[2])))
    srv.listen(1)
    conn, _ = srv.accept()
    time.sleep(1.5)  # not reading: the window closes, the sender probes
    while True:
        chunk = conn.recv(2048)
        if not chunk:
            break
        time.sleep(0.002)
    conn.close()
else:
    s = socket.create_connection((sys.argv[2], int(sys.argv[3])))
    s.sendall(b"z" * int(sys.argv[4]))
    s.shutdown(socket.SHUT_WR)
    s.recv(1)
    s.close()
