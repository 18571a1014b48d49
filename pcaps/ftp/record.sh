#!/usr/bin/env bash
# Re-records the FTP captures: vsftpd (anonymous, passive and active allowed) on 198.51.100.80:21 and on :2121,
# curl as the client (passive by default, active with `-P -`, upload with `-T`), in the namespaces of
# pcaps/tools/netns.sh (client 10.66.0.2). Run as root.
set -euo pipefail
cd "$(dirname "$0")"
TAG=${TAG:-h4f}
NS=../tools/netns.sh
C=isc-$TAG; S=iss-$TAG
ROOT=$(mktemp -d); WORK=$(mktemp -d)
cleanup() { kill "${FD:-}" "${FD2:-}" "${TP:-}" 2>/dev/null || true; bash "$NS" down "$TAG"; rm -rf "$ROOT" "$WORK"; }
trap cleanup EXIT
bash "$NS" up "$TAG"
chmod 755 "$ROOT"; mkdir "$ROOT/pub" "$ROOT/incoming"; chown ftp "$ROOT/incoming"; chmod 755 "$ROOT/incoming"
cp /usr/bin/true "$ROOT/pub/tool.elf"
printf 'Welcome to the test FTP server.\nNothing to see here.\n' >"$ROOT/pub/readme.txt"
chmod 644 "$ROOT"/pub/*
mkdir -p /var/run/vsftpd/empty
conf() { # conf PORT ANON_PASSWORD: a minimal vsftpd config for the namespace
  cat <<CONF
listen=YES
listen_ipv6=NO
listen_address=198.51.100.80
listen_port=$1
background=NO
anonymous_enable=YES
local_enable=NO
anon_root=$ROOT
no_anon_password=$2
write_enable=YES
anon_upload_enable=YES
anon_umask=022
pasv_enable=YES
pasv_min_port=40000
pasv_max_port=40100
port_enable=YES
connect_from_port_20=YES
ftp_username=ftp
seccomp_sandbox=NO
secure_chroot_dir=/var/run/vsftpd/empty
xferlog_enable=NO
use_localtime=NO
CONF
}
conf 21 YES >"$WORK/vsftpd.conf"; conf 2121 NO >"$WORK/vsftpd-2121.conf"
ip netns exec "$S" /usr/sbin/vsftpd "$WORK/vsftpd.conf" & FD=$!
ip netns exec "$S" /usr/sbin/vsftpd "$WORK/vsftpd-2121.conf" & FD2=$!
sleep 0.5
rec() { ip netns exec "$C" tcpdump -i "vc-$TAG" -U -s 0 -w "$1.pcap" tcp 2>/dev/null & TP=$!; sleep 0.7; }
stop() { sleep 0.5; kill "$TP"; wait "$TP" 2>/dev/null || true; }
HERE=$PWD
cd "$WORK"
# 1. Passive RETR (EPSV, curl's default) of an ELF executable.
rec "$HERE/ftp-passive-retr-elf"; ip netns exec "$C" curl -s -o tool.elf ftp://198.51.100.80/pub/tool.elf; stop
# 2. Active RETR (EPRT; data from server port 20) of a text file.
rec "$HERE/ftp-active-retr-text"; ip netns exec "$C" curl -s -P - -o readme.txt ftp://198.51.100.80/pub/readme.txt; stop
# 3. Passive (PASV, no EPSV) STOR upload of an executable.
cp /usr/bin/true upload.bin
rec "$HERE/ftp-passive-stor-upload"; ip netns exec "$C" curl -s --disable-epsv -T upload.bin ftp://198.51.100.80/incoming/; stop
# 4. Active with PORT (no EPRT) RETR, and a missing file (550) on the same session.
rec "$HERE/ftp-active-port-retr"; ip netns exec "$C" curl -s -P - --disable-eprt -o r.txt ftp://198.51.100.80/pub/readme.txt -o m.bin ftp://198.51.100.80/pub/missing.bin || true; stop
# 5. FTP control on a non-standard port (2121), a password is asked (PASS must never be logged), passive RETR.
rec "$HERE/ftp-port-2121-retr"; ip netns exec "$C" curl -s -o t2.elf ftp://198.51.100.80:2121/pub/tool.elf; stop
cd "$HERE"
ls -l ./*.pcap
