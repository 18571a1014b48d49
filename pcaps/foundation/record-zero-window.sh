#!/usr/bin/env bash
# Records pcaps/foundation/zero-window.pcap (run as root from the repo root): in the namespaces of
# pcaps/tools/netns.sh, zero-window.py serves on 198.51.100.80:9000 with a 4 KiB receive buffer and does not
# read for 1.5 s while the client sends 200 kB, so the server advertises zero windows and the client probes;
# then it drains slowly and both sides close. Headers only (-s 96). Needs tcpdump, python3.
set -euo pipefail
TAG=${TAG:-zw}
HERE=$(cd "$(dirname "$0")" && pwd)
bash "$HERE/../tools/netns.sh" up "$TAG"
trap 'bash "$HERE/../tools/netns.sh" down "$TAG"' EXIT
ip netns exec "iss-$TAG" python3 "$HERE/zero-window.py" serve 9000 & SRV=$!
ip netns exec "isc-$TAG" tcpdump -i "vc-$TAG" -s 96 -U -w "$HERE/zero-window.pcap" 'tcp port 9000' 2>/dev/null & T=$!
sleep 1.5
ip netns exec "isc-$TAG" python3 "$HERE/zero-window.py" send 198.51.100.80 9000 200000
wait "$SRV"
sleep 1
kill -INT "$T"; wait "$T" || true
