#!/usr/bin/env bash
# Re-records the captures of pcaps/http/ with real programs in network namespaces (run as root from the repo root:
# `bash pcaps/http/record.sh`). Client 10.66.0.2 (curl, wget), server 198.51.100.80 (python3 serve.py).
# Served files: true.elf = a copy of /bin/true, t32.exe = pip's distlib t32.exe launcher (a real PE32), index.html.
set -euo pipefail
TAG=${TAG:-h3}
HERE=$(cd "$(dirname "$0")" && pwd)
PE=${PE:-$(python3 -c 'import pip._vendor.distlib as d, os; print(os.path.join(os.path.dirname(d.__file__), "t32.exe"))')}
SRV=$(mktemp -d)
cp /bin/true "$SRV/true.elf"; cp "$PE" "$SRV/t32.exe"
printf '<!DOCTYPE html>\n<html><head><title>Hello</title><script>document.title="x"</script></head><body><p>A plain page.</p></body></html>\n' > "$SRV/index.html"
bash "$HERE/../tools/netns.sh" up "$TAG"
cleanup() { kill "$SPID" 2>/dev/null || true; bash "$HERE/../tools/netns.sh" down "$TAG"; rm -rf "$SRV"; }
trap cleanup EXIT
ip netns exec "iss-$TAG" python3 "$HERE/serve.py" "$SRV" 80 >/dev/null 2>&1 & SPID=$!
sleep 1
C="ip netns exec isc-$TAG"
rec() { # rec NAME command...
  local name=$1; shift
  $C tcpdump -i "vc-$TAG" -s 0 -U -w "$HERE/$name.pcap" 'tcp port 80' >/dev/null 2>&1 & local t=$!
  sleep 1; "$@" >/dev/null 2>&1 || true; sleep 1; kill -INT $t; wait $t || true
}
U=http://198.51.100.80
rec curl-elf $C curl -s -o /dev/null $U/true.elf
rec wget-pe $C wget -q -O /dev/null $U/t32.exe
rec curl-png-pe $C curl -s -o /dev/null $U/logo.png
rec curl-chunked-pe $C curl -s -o /dev/null $U/chunked/t32.exe
rec curl-keepalive $C curl -s -o /dev/null -o /dev/null $U/index.html $U/true.elf
rec wget-html $C wget -q -O /dev/null $U/index.html
rec ua-certutil-pe $C curl -s -o /dev/null -A 'Microsoft-CryptoAPI/10.0' $U/t32.exe
rec ua-powershell-pe $C curl -s -o /dev/null -A 'Mozilla/5.0 (Windows NT; Windows NT 10.0; en-US) WindowsPowerShell/5.1.19041.1' $U/t32.exe
rec ua-bits-pe $C curl -s -o /dev/null -A 'Microsoft BITS/7.8' $U/t32.exe
sha256sum "$SRV/true.elf" "$SRV/t32.exe" "$SRV/index.html" | sed "s#$SRV/##" > "$HERE/served.sha256"
ls -la "$SRV" | awk 'NR>1 && $9 !~ /^\./ {print $5, $9}' > "$HERE/served.sizes"
