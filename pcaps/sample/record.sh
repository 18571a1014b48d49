#!/usr/bin/env bash
# Re-records pcaps/sample/ingress-sample.pcapng, the README's sample (run as root from anywhere:
# `bash pcaps/sample/record.sh`). Namespaces from pcaps/tools/netns.sh: client 10.66.0.2 / 10.66.1.2 (internal),
# server 198.51.100.80 (external), second internal host 10.66.1.9. dumpcap records both client interfaces
# (vc-TAG towards the external server, vk-TAG towards 10.66.1.9) into one multi-interface pcapng.
# Served files: t32.exe = pip's vendored distlib launcher (a real PE32), true.elf = a copy of /bin/true.
set -euo pipefail
TAG=${TAG:-smp}
HERE=$(cd "$(dirname "$0")" && pwd)
NS=$HERE/../tools/netns.sh
C="ip netns exec isc-$TAG"; S="ip netns exec iss-$TAG"; L="ip netns exec isl-$TAG"
PE=${PE:-$(python3 -c 'import pip._vendor.distlib as d, os; print(os.path.join(os.path.dirname(d.__file__), "t32.exe"))')}
SRV=$(mktemp -d); TFTP=$(mktemp -d); STAGE=$(mktemp -d); WORK=$(mktemp -d); K=$(mktemp -d)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  sleep 0.3
  rm -rf "/etc/netns/isc-$TAG"
  bash "$NS" down "$TAG"
  rm -rf "$SRV" "$TFTP" "$STAGE" "$WORK" "$K"
}
trap cleanup EXIT
cp "$PE" "$SRV/t32.exe"
printf '<!DOCTYPE html>\n<html><head><title>Hello</title></head><body><p>A plain page.</p></body></html>\n' >"$SRV/index.html"
chmod 777 "$TFTP"; cp /bin/true "$TFTP/true.elf"; chmod 644 "$TFTP/true.elf"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$K/k.pem" -out "$K/c.pem" -days 2 -subj /CN=www.example.test >/dev/null 2>&1
bash "$NS" up "$TAG"
mkdir -p "/etc/netns/isc-$TAG"
printf 'nameserver 198.51.100.80\noptions attempts:1 timeout:1\n' >"/etc/netns/isc-$TAG/resolv.conf"

# Servers on the external host: web (python http.server, HTTP/1.1), DNS (tiny python responder), TLS
# (openssl s_server -www, throw-away self-signed certificate), TFTP (tftp-hpa in.tftpd).
$S python3 "$HERE/../http/serve.py" "$SRV" 80 >/dev/null 2>&1 & PIDS+=($!)
$S python3 "$HERE/../dns/responder.py" >/dev/null 2>&1 & PIDS+=($!)
$S openssl s_server -quiet -www -accept 443 -key "$K/k.pem" -cert "$K/c.pem" >/dev/null 2>&1 & PIDS+=($!)
$S /usr/sbin/in.tftpd -L -p -u nobody -s "$TFTP" -a 198.51.100.80:69 & PIDS+=($!)
sleep 1

# Record every frame on both client interfaces (IPv6 neighbour/router chatter included, as on a real link).
rm -f "$HERE/ingress-sample.pcapng"
$C dumpcap -q -i "vc-$TAG" -i "vk-$TAG" -s 0 -w "$WORK/sample.pcapng" >/dev/null 2>&1 & DC=$!
sleep 2
cd "$WORK"
# 1. Benign: a DNS lookup, a plain web page on the looked-up name (a browser's user agent), a TLS session.
$C getent ahostsv4 www.example.com >/dev/null
$C curl -4 -s -o /dev/null -A 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0' \
  http://www.example.com/index.html
$C curl -sk -o /dev/null --resolve www.example.test:443:198.51.100.80 https://www.example.test/
sleep 0.5
# 2. Ingress (T1105): a Windows PE fetched with certutil's user agent.
$C curl -s -A 'Microsoft-CryptoAPI/10.0' -o "$STAGE/t32.exe" http://198.51.100.80/t32.exe
sleep 0.5
# 3. Ingress (T1105): an ELF fetched over TFTP (tftp-hpa client).
$C tftp -m octet 198.51.100.80 -c get true.elf
sleep 0.5
# 4. Lateral (T1570): the same PE staged on the client (10.66.1.2:8080) and pulled by the second internal
#    host 10.66.1.9, so it travels internal to internal on vk-TAG.
$C python3 -m http.server --bind 10.66.1.2 --directory "$STAGE" 8080 >/dev/null 2>&1 & PIDS+=($!)
sleep 1
$L curl -s -o /dev/null http://10.66.1.2:8080/t32.exe
sleep 1
kill -INT "$DC"; wait "$DC" || true
cd "$HERE"
cp "$WORK/sample.pcapng" "$HERE/ingress-sample.pcapng"
sha256sum "$SRV/t32.exe" "$TFTP/true.elf" | sed "s#$SRV/##; s#$TFTP/##" >"$HERE/served.sha256"
capinfos "$HERE/ingress-sample.pcapng"
