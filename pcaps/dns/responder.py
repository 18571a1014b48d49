#!/usr/bin/env python3
"""Tiny authoritative DNS responder for pcaps/dns/record.sh (UDP and TCP on port 53).
Answers every A query with a CNAME to cdn.<name> and an A record 198.51.100.80; AAAA with 2001:db8::80;
names under nx.test get NXDOMAIN. No compression in questions; answers use compression pointers."""
import socket, struct, sys, threading

def answer(q):
    tid, flags, qd = struct.unpack('!HHH', q[:6])
    off = 12; labels = []
    while q[off]:
        n = q[off]; labels.append(q[off + 1:off + 1 + n].decode()); off += 1 + n
    off += 1
    qtype, qclass = struct.unpack('!HH', q[off:off + 4]); off += 4
    question = q[12:off]
    name = '.'.join(labels)
    if name.endswith('nx.test'):
        return struct.pack('!HHHHHH', tid, 0x8183, 1, 0, 0, 0) + question
    ans = b''
    cnt = 0
    if qtype == 1:
        # CNAME: "cdn" + pointer to the question name (offset 12)
        ans += b'\xc0\x0c' + struct.pack('!HHIH', 5, 1, 300, 6) + b'\x03cdn\xc0\x0c'
        cname_off = 12 + len(question) + 12
        ans += struct.pack('!H', 0xC000 | cname_off) + struct.pack('!HHIH', 1, 1, 300, 4) + bytes([198, 51, 100, 80])
        cnt = 2
    elif qtype == 28:
        ans += b'\xc0\x0c' + struct.pack('!HHIH', 28, 1, 300, 16) + bytes.fromhex('20010db8000000000000000000000080')
        cnt = 1
    return struct.pack('!HHHHHH', tid, 0x8180, 1, cnt, 0, 0) + question + ans

def udp():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(('0.0.0.0', 53))
    while True:
        q, a = s.recvfrom(4096)
        s.sendto(answer(q), a)

def tcp():
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('0.0.0.0', 53)); s.listen(5)
    while True:
        c, _ = s.accept()
        try:
            while True:
                h = c.recv(2)
                if len(h) < 2: break
                n = struct.unpack('!H', h)[0]; q = b''
                while len(q) < n:
                    d = c.recv(n - len(q))
                    if not d: break
                    q += d
                r = answer(q); c.sendall(struct.pack('!H', len(r)) + r)
        finally:
            c.close()

threading.Thread(target=tcp, daemon=True).start()
udp()
