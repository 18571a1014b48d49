"""One ICMP/ICMPv6 echo request over a raw socket (this sandbox has no ping binary).
Usage: python3 ping.py ADDRESS [PAYLOAD_BYTES]   (root; a payload above the MTU makes IPv4 fragments)"""
import socket, struct, sys

addr = sys.argv[1]
size = int(sys.argv[2]) if len(sys.argv) > 2 else 56
v6 = ':' in addr
payload = bytes(i & 0xff for i in range(size))

def csum(b: bytes) -> int:
    if len(b) % 2:
        b += b'\0'
    s = sum(struct.unpack(f'!{len(b) // 2}H', b))
    s = (s >> 16) + (s & 0xffff)
    s += s >> 16
    return ~s & 0xffff

if v6:
    s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
    pkt = struct.pack('!BBHHH', 128, 0, 0, 0x1234, 1) + payload  # kernel fills the ICMPv6 checksum
else:
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    hdr = struct.pack('!BBHHH', 8, 0, 0, 0x1234, 1)
    pkt = struct.pack('!BBHHH', 8, 0, csum(hdr + payload), 0x1234, 1) + payload
s.settimeout(1)
s.sendto(pkt, (addr, 0))
try:
    s.recv(65535)
except OSError:
    pass
