#!/usr/bin/env bash
# Re-records the SMB captures: Samba smbd on the second internal host 10.66.1.9 (isl-TAG) with guest shares
# "share", "C$" and "ADMIN$", and smbclient on the client's lateral address 10.66.1.2 (isc-TAG, link vk-TAG),
# in the namespaces of pcaps/tools/netns.sh. Internal-to-internal: lateral tool transfer (T1570). Run as root;
# needs the Debian packages samba and smbclient.
set -euo pipefail
cd "$(dirname "$0")"
TAG=${TAG:-smbr}
NS=../tools/netns.sh
C=isc-$TAG; L=isl-$TAG
WORK=$(mktemp -d)
cleanup() { [ -n "${SP:-}" ] && kill -- -"$SP" 2>/dev/null || true; [ -n "${TP:-}" ] && kill "$TP" 2>/dev/null || true; bash "$NS" down "$TAG"; rm -rf "$WORK"; }
trap cleanup EXIT
bash "$NS" up "$TAG"
mkdir -p "$WORK"/{share,c,admin,private,lock,state,cache,pid,log}
chmod 755 "$WORK"; chmod 777 "$WORK"/{share,c,admin}
cp /usr/bin/true "$WORK/tool.exe"
cat >"$WORK/smb.conf" <<CONF
[global]
  workgroup = WORKGROUP
  netbios name = FS01
  interfaces = 10.66.1.9/24
  bind interfaces only = yes
  smb ports = 445
  disable netbios = yes
  server role = standalone server
  map to guest = bad user
  guest account = nobody
  server min protocol = SMB2_02
  server signing = disabled
  smb encrypt = off
  private dir = $WORK/private
  lock directory = $WORK/lock
  state directory = $WORK/state
  cache directory = $WORK/cache
  pid directory = $WORK/pid
  log file = $WORK/log/%m.log
  load printers = no
  printing = bsd
  printcap name = /dev/null
[share]
  path = $WORK/share
  guest ok = yes
  read only = no
[C\$]
  path = $WORK/c
  guest ok = yes
  read only = no
[ADMIN\$]
  path = $WORK/admin
  guest ok = yes
  read only = no
CONF
# setsid: smbd signals its whole process group on exit; keep that group apart from this script.
ip netns exec "$L" setsid smbd --foreground --no-process-group --debug-stdout -s "$WORK/smb.conf" >"$WORK/smbd.log" 2>&1 &
SP=$!
for _ in $(seq 50); do ip netns exec "$C" bash -c 'exec 3<>/dev/tcp/10.66.1.9/445' 2>/dev/null && break; sleep 0.1; done
rec() { # rec NAME SMBCLIENT-ARGS...: one capture of one smbclient session on the lateral link
  local name=$1; shift
  ip netns exec "$C" tcpdump -i "vk-$TAG" -U -s 0 -w "$name.pcap" tcp port 445 2>/dev/null &
  TP=$!
  sleep 1
  ip netns exec "$C" smbclient "$@" -N -m SMB3 --client-protection=off
  sleep 1
  kill "$TP"; wait "$TP" 2>/dev/null || true; TP=
}
# Upload of an executable to the ADMIN$ share (PsExec-style service drop), then reading it back from C$.
cp "$WORK/tool.exe" "$WORK/c/tool.exe"; chmod 644 "$WORK/c/tool.exe"
rec smb2_put_admin_share //10.66.1.9/ADMIN\$ -c "put $WORK/tool.exe tool.exe"
rec smb2_get_c_share //10.66.1.9/C\$ -c "get tool.exe $WORK/got.exe"
# A document (not a tool) written to an ordinary share: the negative case for lateral-transfer.
printf 'Quarterly notes.\nNothing executable here.\n' >"$WORK/notes.txt"
rec smb2_put_text_share //10.66.1.9/share -c "put $WORK/notes.txt notes.txt"
cmp "$WORK/notes.txt" "$WORK/share/notes.txt"
cmp "$WORK/tool.exe" "$WORK/admin/tool.exe"
cmp "$WORK/tool.exe" "$WORK/got.exe"
sha256sum "$WORK/tool.exe"
