#!/usr/bin/env bash
# Re-records pcaps/tls/ (run as root): openssl s_server (self-signed cert) on 198.51.100.80:443, curl -k with
# --resolve so the ClientHello carries the SNI www.example.test. Also a TLS 1.2-only session via openssl s_client.
set -euo pipefail
TAG=${TAG:-h3t}
HERE=$(cd "$(dirname "$0")" && pwd)
K=$(mktemp -d)
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$K/k.pem" -out "$K/c.pem" -days 2 -subj /CN=www.example.test >/dev/null 2>&1
bash "$HERE/../tools/netns.sh" up "$TAG"
cleanup() { kill "$SPID" 2>/dev/null || true; bash "$HERE/../tools/netns.sh" down "$TAG"; rm -rf "$K"; }
trap cleanup EXIT
ip netns exec "iss-$TAG" openssl s_server -quiet -www -accept 443 -key "$K/k.pem" -cert "$K/c.pem" >/dev/null 2>&1 & SPID=$!
sleep 1
C="ip netns exec isc-$TAG"
rec() { local name=$1; shift
  $C tcpdump -i "vc-$TAG" -s 0 -U -w "$HERE/$name.pcap" 'tcp port 443' >/dev/null 2>&1 & local t=$!
  sleep 1; "$@" >/dev/null 2>&1 || true; sleep 1; kill -INT $t; wait $t || true; }
rec curl-sni $C curl -sk --resolve www.example.test:443:198.51.100.80 https://www.example.test/
rec s-client-tls12 bash -c "echo Q | $C openssl s_client -tls1_2 -connect 198.51.100.80:443 -servername tls12.example.test"
