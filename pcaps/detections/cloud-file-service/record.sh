#!/usr/bin/env bash
# Re-records positive.pcap / negative.pcap for cloud-file-service (run as root). Client 10.66.0.2 contacts
# 198.51.100.80 under file-sharing names: TLS with SNI dl.dropboxusercontent.com (curl --resolve, openssl s_server),
# HTTP with Host raw.githubusercontent.com (python http.server), a DNS lookup of pastebin.com (getent → responder.py).
# negative.pcap: the same with www.example.test / www.example.com only.
set -euo pipefail
TAG=${TAG:-h3c}
HERE=$(cd "$(dirname "$0")" && pwd)
K=$(mktemp -d)
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$K/k.pem" -out "$K/c.pem" -days 2 -subj /CN=test >/dev/null 2>&1
echo hello > "$K/index.html"
bash "$HERE/../../tools/netns.sh" up "$TAG"
mkdir -p "/etc/netns/isc-$TAG"
printf 'nameserver 198.51.100.80\noptions attempts:1 timeout:1\n' > "/etc/netns/isc-$TAG/resolv.conf"
cleanup() { kill $P1 $P2 $P3 2>/dev/null || true; rm -rf "/etc/netns/isc-$TAG"; bash "$HERE/../../tools/netns.sh" down "$TAG"; rm -rf "$K"; }
trap cleanup EXIT
S="ip netns exec iss-$TAG"
$S openssl s_server -quiet -www -accept 443 -key "$K/k.pem" -cert "$K/c.pem" >/dev/null 2>&1 & P1=$!
$S python3 -m http.server -d "$K" 80 >/dev/null 2>&1 & P2=$!
$S python3 "$HERE/../../dns/responder.py" >/dev/null 2>&1 & P3=$!
sleep 1
C="ip netns exec isc-$TAG"
rec() { local name=$1 a=$2 b=$3 c=$4
  $C tcpdump -i "vc-$TAG" -s 0 -U -w "$HERE/$name.pcap" >/dev/null 2>&1 & local t=$!
  sleep 1
  $C getent ahostsv4 "$c" >/dev/null 2>&1 || true
  $C curl -sk --resolve "$a:443:198.51.100.80" "https://$a/" -o /dev/null || true
  $C curl -s -H "Host: $b" http://198.51.100.80/index.html -o /dev/null || true
  sleep 1; kill -INT $t; wait $t || true; }
rec positive dl.dropboxusercontent.com raw.githubusercontent.com pastebin.com
rec negative www.example.test www.example.test www.example.com
