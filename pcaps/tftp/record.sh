#!/usr/bin/env bash
# Re-records the TFTP captures with tftp-hpa (client `tftp`, server `in.tftpd`) and curl's TFTP client,
# in the namespaces of pcaps/tools/netns.sh (client 10.66.0.2, server 198.51.100.80). Run as root.
set -euo pipefail
cd "$(dirname "$0")"
TAG=${TAG:-h4t}
NS=../tools/netns.sh
C=isc-$TAG; S=iss-$TAG
ROOT=$(mktemp -d); WORK=$(mktemp -d)
cleanup() { kill "${TD:-}" "${TP:-}" 2>/dev/null || true; bash "$NS" down "$TAG"; rm -rf "$ROOT" "$WORK"; }
trap cleanup EXIT
bash "$NS" up "$TAG"
chmod 777 "$ROOT"
# A small ELF executable (from coreutils) and a text file to serve.
cp /usr/bin/true "$ROOT/true.elf"
printf 'TFTP test file.\nline two of the readme.\n' >"$ROOT/readme.txt"
seq 1 400 | sed 's/^/config line /' >"$ROOT/big.cfg"
chmod 644 "$ROOT"/*
ip netns exec "$S" /usr/sbin/in.tftpd -L -c -p -u nobody -s "$ROOT" -a 198.51.100.80:69 &
TD=$!
sleep 0.5
rec() { # rec NAME: start tcpdump into NAME.pcap
  ip netns exec "$C" tcpdump -i "vc-$TAG" -U -s 0 -w "$1.pcap" udp 2>/dev/null &
  TP=$!; sleep 0.7
}
stop() { sleep 0.5; kill "$TP"; wait "$TP" 2>/dev/null || true; }
cd "$WORK"
# 1. RRQ of an ELF, octet mode (tftp-hpa client).
rec "$OLDPWD/tftp-rrq-elf"; ip netns exec "$C" tftp -m octet 198.51.100.80 -c get true.elf; stop
# 2. RRQ of a text file, netascii mode.
rec "$OLDPWD/tftp-rrq-text"; ip netns exec "$C" tftp -m netascii 198.51.100.80 -c get readme.txt; stop
# 3. WRQ upload (in.tftpd -c allows creating files).
cp /usr/bin/true upload.bin
rec "$OLDPWD/tftp-wrq-upload"; ip netns exec "$C" tftp -m octet 198.51.100.80 -c put upload.bin; stop
# 4. Options: curl's TFTP client sends blksize and tsize (RFC 2348/2349); the server answers with OACK.
rec "$OLDPWD/tftp-rrq-blksize"; ip netns exec "$C" curl -s --tftp-blksize 1024 -o big.cfg tftp://198.51.100.80/big.cfg; stop
# 5. An error: RRQ of a missing file (ERROR opcode 5, code 1 "File not found").
rec "$OLDPWD/tftp-rrq-missing"; ip netns exec "$C" tftp -m octet 198.51.100.80 -c get no-such-file.bin || true; stop
cd "$OLDPWD"
ls -l ./*.pcap
