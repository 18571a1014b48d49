#!/usr/bin/env bash
# Two test hosts in network namespaces joined by a veth pair, for recording real programs with tcpdump.
#   client  "isc-<tag>"  10.66.0.2      (internal, RFC 1918)
#   server  "iss-<tag>"  198.51.100.80  (external, TEST-NET-2)
#   server2 "isl-<tag>"  10.66.0.9      (a second internal host, for lateral transfers; on the client's link)
# Usage: netns.sh up TAG | netns.sh down TAG
# Traffic never leaves the namespaces. Run as root. TAG keeps concurrent recordings apart (<= 6 chars).
set -euo pipefail
cmd=${1:?up|down}; tag=${2:?tag}
C=isc-$tag; S=iss-$tag; L=isl-$tag
case "$cmd" in
  up)
    "$0" down "$tag" 2>/dev/null || true
    ip netns add "$C"; ip netns add "$S"; ip netns add "$L"
    ip link add "vc-$tag" type veth peer name "vs-$tag"
    ip link add "vl-$tag" type veth peer name "vk-$tag"
    ip link set "vc-$tag" netns "$C"; ip link set "vs-$tag" netns "$S"
    ip link set "vl-$tag" netns "$L"; ip link set "vk-$tag" netns "$C"
    ip -n "$C" addr add 10.66.0.2/24 dev "vc-$tag"
    ip -n "$C" addr add 10.66.1.2/24 dev "vk-$tag"
    ip -n "$S" addr add 198.51.100.80/24 dev "vs-$tag"
    ip -n "$L" addr add 10.66.1.9/24 dev "vl-$tag"
    for ns in "$C" "$S" "$L"; do ip -n "$ns" link set lo up; done
    ip -n "$C" link set "vc-$tag" up; ip -n "$C" link set "vk-$tag" up
    ip -n "$S" link set "vs-$tag" up; ip -n "$L" link set "vl-$tag" up
    ip -n "$C" route add 198.51.100.0/24 dev "vc-$tag"
    ip -n "$S" route add 10.66.0.0/24 dev "vs-$tag"
    # Disable offloads so tcpdump sees wire-sized segments, not 64 KiB GSO super-packets.
    for pair in "$C vc-$tag" "$C vk-$tag" "$S vs-$tag" "$L vl-$tag"; do
      set -- $pair; ip netns exec "$1" ethtool -K "$2" tso off gso off gro off >/dev/null 2>&1 || true
    done
    ;;
  down)
    ip netns del "$C" 2>/dev/null || true; ip netns del "$S" 2>/dev/null || true; ip netns del "$L" 2>/dev/null || true
    ;;
  *) echo "usage: $0 up|down TAG" >&2; exit 1 ;;
esac
