#!/usr/bin/env bash
# Re-records pcaps/dns/ (run as root from anywhere): glibc's resolver (getent) in the client namespace 10.66.0.2
# asks the tiny python responder (responder.py) on 198.51.100.80:53, over UDP, then over TCP (resolv.conf use-vc).
set -euo pipefail
TAG=${TAG:-h3d}
HERE=$(cd "$(dirname "$0")" && pwd)
bash "$HERE/../tools/netns.sh" up "$TAG"
mkdir -p "/etc/netns/isc-$TAG"
cleanup() { kill "$SPID" 2>/dev/null || true; rm -rf "/etc/netns/isc-$TAG"; bash "$HERE/../tools/netns.sh" down "$TAG"; }
trap cleanup EXIT
ip netns exec "iss-$TAG" python3 "$HERE/responder.py" >/dev/null 2>&1 & SPID=$!
sleep 1
C="ip netns exec isc-$TAG"
rec() { local name=$1; shift
  $C tcpdump -i "vc-$TAG" -s 0 -U -w "$HERE/$name.pcap" 'port 53' >/dev/null 2>&1 & local t=$!
  sleep 1; "$@" >/dev/null 2>&1 || true; sleep 1; kill -INT $t; wait $t || true; }
printf 'nameserver 198.51.100.80\noptions attempts:1 timeout:1\n' > "/etc/netns/isc-$TAG/resolv.conf"
rec udp-a-cname bash -c "$C getent ahostsv4 www.example.com; $C getent ahostsv6 files.example.org; $C getent hosts missing.nx.test"
printf 'nameserver 198.51.100.80\noptions use-vc attempts:1 timeout:1\n' > "/etc/netns/isc-$TAG/resolv.conf"
rec tcp-a-cname $C getent ahostsv4 tcp.example.com
