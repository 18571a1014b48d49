#!/usr/bin/env bash
# Re-records the reader/decoder fixtures of pcaps/foundation/ with real programs in network namespaces
# (run as root from the repo root: `bash pcaps/foundation/record.sh`). Client isc-$TAG 10.66.0.2, server
# iss-$TAG 198.51.100.80 running python3 -m http.server; IPv6 ULAs fd66::2 <-> fd66::80. VLAN/QinQ and
# big-endian variants are derived from capture 1 by our own generators (make-vlan.ts, make-bigendian.ts). Needs tcpdump, dumpcap, editcap, mergecap, curl, ping, python3.
set -euo pipefail
TAG=${TAG:-h1}
HERE=$(cd "$(dirname "$0")" && pwd)
SRV=$(mktemp -d)
head -c 3000 /usr/share/common-licenses/GPL-3 > "$SRV/small.txt" 2>/dev/null || seq 1 600 > "$SRV/small.txt"
bash "$HERE/../tools/netns.sh" up "$TAG"
C="ip netns exec isc-$TAG"
S="ip netns exec iss-$TAG"
cleanup() { cat "$SRV/capture.log" >&2 || true; kill "$SPID" 2>/dev/null || true; bash "$HERE/../tools/netns.sh" down "$TAG"; rm -rf "$SRV"; }
trap cleanup EXIT
SPID=
# IPv6 on the client/server veth pair. (This sandbox's kernel has no 802.1Q support, `type vlan` fails with
# "Unknown device type", so the VLAN/QinQ fixtures are made by make-vlan.ts from capture 1 instead.)
$C ip -6 addr add fd66::2/64 dev "vc-$TAG" nodad
$S ip -6 addr add fd66::80/64 dev "vs-$TAG" nodad
(cd "$SRV" && exec $S python3 -m http.server --bind :: 8080) >/dev/null 2>&1 & SPID=$!
sleep 1.5
start() { # start COMMAND... (a capture in the background); sets T
  "$@" >>"$SRV/capture.log" 2>&1 & T=$!; sleep 1.5
}
stop() { sleep 1.5; kill -INT "$T"; wait "$T" || true; }
U=http://198.51.100.80:8080
# 1. Plain Ethernet: HTTP fetch, ping (including a fragmented 3000-byte echo), one UDP datagram.
start $C tcpdump -i "vc-$TAG" -s 0 -U -w "$HERE/http-ether.pcap" 'ip'
$C curl -s -o /dev/null $U/small.txt
$C python3 "$HERE/ping.py" 198.51.100.80; $C python3 "$HERE/ping.py" 198.51.100.80 3000
$C bash -c 'echo hello > /dev/udp/198.51.100.80/40000'
stop
# 2. The same HTTP fetch with nanosecond timestamps.
start $C tcpdump -i "vc-$TAG" -s 0 -U --time-stamp-precision=nano -w "$HERE/http-ether-nano.pcap" 'tcp port 8080'
$C curl -s -o /dev/null $U/small.txt
stop
# 3. pcapng written by dumpcap.
start $C dumpcap -q -i "vc-$TAG" -f 'tcp port 8080' -w "$HERE/http-dumpcap.pcapng"
$C curl -s -o /dev/null $U/small.txt
stop
# 4. Two interfaces, two link types, two resolutions: Ethernet (µs) + `tcpdump -i any` Linux cooked v2 (ns).
start $C tcpdump -i "vc-$TAG" -s 0 -U -w "$SRV/eth.pcap" 'tcp port 8080'
T1=$T
start $C tcpdump -i any -y LINUX_SLL2 -s 0 -U --time-stamp-precision=nano -w "$SRV/any.pcap" 'tcp port 8080'
$C curl -s -o /dev/null $U/small.txt
stop; T=$T1; stop
mergecap -F pcapng -w "$HERE/multi-if.pcapng" "$SRV/eth.pcap" "$SRV/any.pcap"
# 4b. `tcpdump -i any` in Linux cooked v1 (SLL) for the 113 decoder.
start $C tcpdump -i any -y LINUX_SLL -s 0 -U -w "$HERE/http-sll.pcap" 'tcp port 8080'
$C curl -s -o /dev/null $U/small.txt
stop
# 6. IPv6: HTTP over fd66::/64 and an ICMPv6 echo.
start $C tcpdump -i "vc-$TAG" -s 0 -U -w "$HERE/http-ipv6.pcap" 'ip6 and (tcp port 8080 or icmp6)'
$C curl -s -o /dev/null -g 'http://[fd66::80]:8080/small.txt'
$C python3 "$HERE/ping.py" fd66::80
stop
# 7. Big-endian copies (µs and ns) written by our own generator from capture 1.
node --import tsx "$HERE/make-bigendian.ts" "$HERE/http-ether.pcap" "$HERE/http-ether-be.pcap" "$HERE/http-ether-be-nano.pcap"
# 5. 802.1Q (VLAN 42) and QinQ (802.1ad 100 + 802.1Q 42) copies of capture 1.
node --import tsx "$HERE/make-vlan.ts" "$HERE/http-ether.pcap" "$HERE/http-vlan.pcap" "$HERE/http-qinq.pcap"
