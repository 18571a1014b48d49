#!/usr/bin/env bash
# Re-records pcaps/netflow/: a small source capture of real programs in namespaces (curl + python http.server,
# a python UDP request/reply, a TCP connect to a closed port), then softflowd reading that capture and
# exporting NetFlow v5, v9 and IPFIX to 127.0.0.1, each export recorded with tcpdump on lo.
# Run as root from the repository root: bash pcaps/netflow/record.sh
set -euo pipefail
cd "$(dirname "$0")"
TAG=nflow
NS=../tools/netns.sh
bash "$NS" up "$TAG"
trap 'bash "$NS" down "$TAG" || true' EXIT
C="ip netns exec isc-$TAG"; S="ip netns exec iss-$TAG"
tmp=$(mktemp -d)
head -c 20000 /dev/urandom > "$tmp/blob.bin"
head -c 3000 /dev/urandom > "$tmp/small.bin"
$S python3 -m http.server 80 --bind 198.51.100.80 --directory "$tmp" >/dev/null 2>&1 &
srv=$!
$S python3 - <<'PY' &
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("198.51.100.80", 9999))
for _ in range(3):
    data, peer = s.recvfrom(2048)
    s.sendto(data * 4, peer)
PY
udp=$!
sleep 1
$C tcpdump -i "vc-$TAG" -w source-mixed.pcap -U not arp and not ip6 2>/dev/null &
cap=$!
sleep 1
$C curl -s -o /dev/null http://198.51.100.80/blob.bin
$C curl -s -o /dev/null http://198.51.100.80/small.bin
$C python3 - <<'PY'
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("10.66.0.2", 40053))
for i in range(3):
    s.sendto(b"ping-%d" % i * 10, ("198.51.100.80", 9999))
    s.recvfrom(4096)
c = socket.socket()
c.settimeout(2)
try:
    c.connect(("198.51.100.80", 445))
except OSError:
    pass
PY
sleep 1
kill "$cap"; wait "$cap" || true
kill "$srv" "$udp" 2>/dev/null || true
rm -rf "$tmp"

# softflowd reads the capture and exports (-D: foreground, and it prints its own view of the flows to
# softflowd-vN.txt); tcpdump on lo keeps the exported datagrams.
export_all() {
  for v in 5 9 10; do
    port=$((29990 + v))
    rm -f "softflowd-v$v.pcap" /tmp/sfn.ctl /tmp/sfn.pid
    tcpdump -i lo -w "softflowd-v$v.pcap" -U "udp dst port $port" 2>/dev/null &
    tp=$!
    sleep 1
    # softflowd 1.1.0 exports and exits at the end of the file; with long -c/-p paths it stalls silently and
    # exports nothing, hence the short names (and the timeout).
    timeout 5 softflowd -r "$PWD/source-mixed.pcap" -n "127.0.0.1:$port" -v "$v" -T full -D \
      -c /tmp/sfn.ctl -p /tmp/sfn.pid > "softflowd-v$v.txt" 2>&1 || true
    sleep 1
    kill "$tp"; wait "$tp" || true
  done
}
export_all
softflowd -h 2>&1 | sed -n 2p > softflowd-version.txt
ls -l ./*.pcap
