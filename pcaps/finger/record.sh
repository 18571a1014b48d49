#!/usr/bin/env bash
# Re-records the finger captures in the namespaces of pcaps/tools/netns.sh (client 10.66.0.2,
# server 198.51.100.80): efingerd (run per connection by inetd.py) answering netkit `finger`, a stand-in
# server answering with a batch script (the ClickFix `finger user@host | cmd` pattern) on port 79, and the same
# on port 7979 queried with bash's /dev/tcp (finger found on a non-79 port). Run as root.
set -euo pipefail
cd "$(dirname "$0")"
TAG=${TAG:-h4g}
NS=../tools/netns.sh
C=isc-$TAG; S=iss-$TAG
cleanup() { kill "${SV:-}" "${TP:-}" 2>/dev/null || true; bash "$NS" down "$TAG"; }
trap cleanup EXIT
bash "$NS" up "$TAG"
rec() { ip netns exec "$C" tcpdump -i "vc-$TAG" -U -s 0 -w "$1.pcap" tcp 2>/dev/null & TP=$!; sleep 0.7; }
stop() { sleep 0.5; kill "$TP"; wait "$TP" 2>/dev/null || true; }
# 1. efingerd on 79: a plain query and a verbose (/W) one.
ip netns exec "$S" python3 inetd.py --count 2 198.51.100.80 79 -- /usr/sbin/efingerd -n & SV=$!; sleep 0.5
rec finger-efingerd; ip netns exec "$C" finger ftp@198.51.100.80 || true
ip netns exec "$C" finger -l nobody@198.51.100.80 || true; stop; wait "$SV" || true
# 2. A server on 79 whose reply is a ~2 KB batch script.
ip netns exec "$S" python3 inetd.py --reply clickfix-reply.txt 198.51.100.80 79 & SV=$!; sleep 0.5
rec finger-clickfix-script; ip netns exec "$C" finger admin@198.51.100.80 >/dev/null; stop; wait "$SV" || true
# 3. The same kind of server on port 7979, queried with bash /dev/tcp.
ip netns exec "$S" python3 inetd.py --reply short-reply.txt 198.51.100.80 7979 & SV=$!; sleep 0.5
rec finger-port-7979
ip netns exec "$C" bash -c 'exec 3<>/dev/tcp/198.51.100.80/7979; printf "update\r\n" >&3; cat <&3' >/dev/null
stop; wait "$SV" || true
ls -l ./*.pcap
