#!/usr/bin/env bash
# Re-records the inbound-transfer captures (run as root from the repo root):
#   download.pcap  curl on internal 10.66.0.2 fetches a 2 MiB executable-looking file (tool.exe) from
#                  python3 -m http.server on "external" 198.51.100.80:8000, then wget fetches a 2 kB page.
# Snaplen 262 keeps every HTTP header whole and the capture small; IP total lengths still carry the real sizes.
set -euo pipefail
TAG=inb4
OUT=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$OUT/../../.." && pwd)
WORK=$(mktemp -d)
trap 'kill "${SRV:-}" "${DUMP:-}" 2>/dev/null || true; bash "$ROOT/pcaps/tools/netns.sh" down $TAG; rm -rf "$WORK"' EXIT
# Deterministic content: a minimal PE header (MZ, e_lfanew = 0x80, "PE\0\0") then seeded pseudo-random bytes.
python3 - "$WORK" <<'PY'
import random, sys, os
d = sys.argv[1]
r = random.Random(1105)
head = bytearray(0x98)
head[0:2] = b'MZ'; head[0x3c:0x40] = (0x80).to_bytes(4, 'little'); head[0x80:0x84] = b'PE\0\0'
head[0x84:0x86] = (0x8664).to_bytes(2, 'little')
open(os.path.join(d, 'tool.exe'), 'wb').write(bytes(head) + r.randbytes(2 * 1024 * 1024 - len(head)))
open(os.path.join(d, 'index.html'), 'w').write('<html><body>' + 'benign page ' * 165 + '</body></html>\n')
PY
bash "$ROOT/pcaps/tools/netns.sh" up $TAG
(cd "$WORK" && exec ip netns exec iss-$TAG python3 -m http.server 8000 --bind 198.51.100.80 >/dev/null 2>&1) & SRV=$!
ip netns exec isc-$TAG tcpdump -i vc-$TAG -s 262 -U -w "$WORK/download.pcap" 'tcp port 8000' 2>/dev/null & DUMP=$!
for _ in $(seq 50); do ip netns exec isc-$TAG bash -c 'exec 3<>/dev/tcp/198.51.100.80/8000' 2>/dev/null && break; sleep 0.1; done
sleep 0.5
ip netns exec isc-$TAG curl -s -o /dev/null http://198.51.100.80:8000/tool.exe
sleep 0.5
ip netns exec isc-$TAG wget -q -O /dev/null http://198.51.100.80:8000/index.html
sleep 1
kill -INT $DUMP; wait $DUMP 2>/dev/null || true
cp "$WORK/download.pcap" "$OUT/download.pcap"
ls -l "$OUT/download.pcap"
