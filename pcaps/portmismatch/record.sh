#!/usr/bin/env bash
# Re-records the protocol/port mismatch captures and the benign baseline, in the namespaces of
# pcaps/tools/netns.sh (client 10.66.0.2, server 198.51.100.80). Run as root.
#   ssh-on-443:      OpenSSH sshd on TCP/443 (own config, generated host key), `ssh -p 443` gets through KEX, auth fails.
#   http-on-53-tcp:  python3 -m http.server on TCP/53, fetched with curl.
#   http-on-22:      python3 -m http.server on TCP/22, fetched with curl.
#   udp-53-not-dns:  a non-DNS datagram (bash /dev/udp) to UDP/53 and a python UDP echo answering it.
#   smtp-on-8080:    python3 smtpd (DebuggingServer) on TCP/8080, curl smtp:// sends one message: SMTP on an HTTP port.
#   smtp-on-25:      the same on TCP/25 (registered: no mismatch).
#   benign-web:      getent (glibc resolver) → DNS on UDP/53 (dns-server.py), curl http://site/ on TCP/80
#                    (python http.server), curl -k https:// on TCP/443 (python http.server wrapped in ssl).
set -euo pipefail
cd "$(dirname "$0")"
TAG=${TAG:-h4m}
NS=../tools/netns.sh
C=isc-$TAG; S=iss-$TAG
WORK=$(mktemp -d)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}" "${TP:-}" "${SSHD:-}"; do kill "$p" 2>/dev/null || true; done
  bash "$NS" down "$TAG"; rm -rf "$WORK" "/etc/netns/$C"; rmdir /etc/netns 2>/dev/null || true
}
trap cleanup EXIT
bash "$NS" up "$TAG"
rec() { ip netns exec "$C" tcpdump -i "vc-$TAG" -U -s 0 -w "$1.pcap" "${2:-ip}" 2>/dev/null & TP=$!; sleep 0.7; }
stop() { sleep 0.5; kill "$TP"; wait "$TP" 2>/dev/null || true; }
bg() { "$@" & PIDS+=($!); }
HERE=$PWD
# sshd on 443.
ssh-keygen -q -t ed25519 -N '' -f "$WORK/hostkey"
cat >"$WORK/sshd_config" <<CONF
Port 443
ListenAddress 198.51.100.80
HostKey $WORK/hostkey
PidFile none
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
CONF
mkdir -p /run/sshd
ip netns exec "$S" /usr/sbin/sshd -D -e -f "$WORK/sshd_config" 2>/dev/null & SSHD=$!
sleep 0.5
rec ssh-on-443 tcp
ip netns exec "$C" ssh -p 443 -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
  -o ConnectTimeout=5 nobody@198.51.100.80 true 2>/dev/null || true
stop
kill "$SSHD"; wait "$SSHD" 2>/dev/null || true
# HTTP servers on 53/TCP and 22/TCP.
mkdir "$WORK/www"; printf '<html><body>staging</body></html>\n' >"$WORK/www/index.html"
bg ip netns exec "$S" python3 -m http.server --bind 198.51.100.80 --directory "$WORK/www" 53
bg ip netns exec "$S" python3 -m http.server --bind 198.51.100.80 --directory "$WORK/www" 22
sleep 1
rec http-on-53-tcp tcp; ip netns exec "$C" curl -s -o /dev/null http://198.51.100.80:53/index.html; stop
rec http-on-22 tcp; ip netns exec "$C" curl -s -o /dev/null http://198.51.100.80:22/index.html; stop
# A non-DNS datagram to UDP/53 (python UDP echo as the server).
bg ip netns exec "$S" python3 -c 'import socket;s=socket.socket(2,2);s.bind(("198.51.100.80",53));s.settimeout(10);d,p=s.recvfrom(2048);s.sendto(b"ACK "+d,p)'
sleep 0.5
rec udp-53-not-dns udp
ip netns exec "$C" bash -c 'exec 3<>/dev/udp/198.51.100.80/53; printf "hello from the tunnel client, this is not dns at all\n" >&3; timeout 2 head -c 60 <&3' >/dev/null || true
stop
# SMTP on 8080 (mismatch) and on 25 (registered), curl as the client.
printf 'Subject: test\r\n\r\nhello\r\n' >"$WORK/mail.txt"
for port in 8080 25; do
  bg ip netns exec "$S" python3 -W ignore -c '
import asyncore, smtpd, sys, threading
srv = smtpd.DebuggingServer(("198.51.100.80", int(sys.argv[1])), None)
threading.Timer(8, lambda: sys.exit(0)).start()
asyncore.loop(timeout=0.5, count=16)' "$port"
  sleep 0.7
  rec "smtp-on-$port" tcp
  ip netns exec "$C" curl -s --url "smtp://198.51.100.80:$port" --mail-from a@example.test --mail-rcpt b@example.test -T "$WORK/mail.txt" || true
  stop
done
# Benign: DNS + HTTP on 80 + TLS on 443.
mkdir -p "/etc/netns/$C"; echo 'nameserver 198.51.100.80' >"/etc/netns/$C/resolv.conf"
bg ip netns exec "$S" python3 "$HERE/dns-server.py" 198.51.100.80 53 2
bg ip netns exec "$S" python3 -m http.server --bind 198.51.100.80 --directory "$WORK/www" 80
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj /CN=www.example.test \
  -keyout "$WORK/tls.key" -out "$WORK/tls.crt" -days 30 2>/dev/null
bg ip netns exec "$S" python3 -c '
import http.server, ssl, sys
srv = http.server.HTTPServer(("198.51.100.80", 443), http.server.SimpleHTTPRequestHandler)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER); ctx.load_cert_chain(sys.argv[1], sys.argv[2])
srv.socket = ctx.wrap_socket(srv.socket, server_side=True); srv.handle_request()' "$WORK/tls.crt" "$WORK/tls.key"
sleep 1
rec benign-web
ip netns exec "$C" getent ahostsv4 www.example.test >/dev/null
ip netns exec "$C" curl -s -o /dev/null --resolve www.example.test:80:198.51.100.80 http://www.example.test/index.html
ip netns exec "$C" curl -s -k -o /dev/null --resolve www.example.test:443:198.51.100.80 https://www.example.test/
stop
ls -l ./*.pcap
