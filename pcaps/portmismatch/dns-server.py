#!/usr/bin/env python3
"""A tiny authoritative DNS responder for recordings: answers every A query with 198.51.100.80 (RFC 1035 §4.1)."""
import socket
import struct
import sys

s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], int(sys.argv[2])))
s.settimeout(15)
for _ in range(int(sys.argv[3]) if len(sys.argv) > 3 else 2):
    try:
        q, peer = s.recvfrom(1500)
    except TimeoutError:
        break
    if len(q) < 12:
        continue
    qid, flags, qd = struct.unpack('!HHH', q[:6])
    end = 12
    while end < len(q) and q[end] != 0:
        end += q[end] + 1
    question = q[12:end + 5]
    qtype = struct.unpack('!H', q[end + 1:end + 3])[0] if end + 3 <= len(q) else 0
    answers = b''
    if qtype == 1:
        answers = b'\xc0\x0c' + struct.pack('!HHIH', 1, 1, 60, 4) + socket.inet_aton('198.51.100.80')
    hdr = struct.pack('!HHHHHH', qid, 0x8180, 1, 1 if answers else 0, 0, 0)
    s.sendto(hdr + question + answers, peer)
