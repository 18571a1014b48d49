/**
 * Well-known and registered ports → the application protocols registered for them, named as the app-layer
 * analyzers name them (`ftp`, `ssh`, `http`, `tls`...). Source: the IANA Service Name and Transport Protocol
 * Port Number Registry (RFC 6335), narrowed to the protocols the sensor identifies or that matter for
 * protocol/port mismatch reports, plus a few de-facto assignments (8080 http-alt, 8443 https-alt).
 * It deliberately does not list the whole IANA registry: an unlisted port returns an empty list, which callers
 * treat as "no registered protocol" (so nothing there can mismatch).
 */

/** A port's registered protocols; several when a port carries more than one (53: dns; 443/udp: quic). */
type PortTable = ReadonlyMap<number, readonly string[]>

const TCP: PortTable = new Map<number, readonly string[]>([
  [20, ['ftp-data', 'ftp']],
  [21, ['ftp']],
  [22, ['ssh']],
  [23, ['telnet']],
  [25, ['smtp']],
  [53, ['dns']],
  [79, ['finger']],
  [80, ['http']],
  [88, ['krb']],
  [110, ['pop3']],
  [111, ['sunrpc']],
  [113, ['ident']],
  [119, ['nntp']],
  [135, ['dce-rpc']],
  [139, ['smb']],
  [143, ['imap']],
  [179, ['bgp']],
  [389, ['ldap']],
  [443, ['tls']],
  [445, ['smb']],
  [465, ['tls', 'smtp']],
  [514, ['syslog']],
  [587, ['smtp']],
  [601, ['syslog']],
  [636, ['tls', 'ldap']],
  [853, ['tls', 'dns']],
  [873, ['rsync']],
  [990, ['tls', 'ftp']],
  [993, ['tls', 'imap']],
  [995, ['tls', 'pop3']],
  [1080, ['socks']],
  [1433, ['mssql']],
  [1723, ['pptp']],
  [3306, ['mysql']],
  [3389, ['rdp']],
  [5060, ['sip']],
  [5061, ['tls', 'sip']],
  [5432, ['postgresql']],
  [5900, ['vnc']],
  [5985, ['http']],
  [5986, ['tls']],
  [6379, ['redis']],
  [6514, ['tls', 'syslog']],
  [6667, ['irc']],
  [6697, ['tls', 'irc']],
  [8000, ['http']],
  [8080, ['http']],
  [8443, ['tls']],
  [8888, ['http']],
])

const UDP: PortTable = new Map<number, readonly string[]>([
  [53, ['dns']],
  [67, ['dhcp']],
  [68, ['dhcp']],
  [69, ['tftp']],
  [88, ['krb']],
  [123, ['ntp']],
  [137, ['netbios-ns']],
  [138, ['netbios-dgm']],
  [161, ['snmp']],
  [162, ['snmp']],
  [443, ['quic', 'dtls']],
  [500, ['ike']],
  [514, ['syslog']],
  [546, ['dhcpv6']],
  [547, ['dhcpv6']],
  [853, ['dns']],
  [1812, ['radius']],
  [1813, ['radius']],
  [1900, ['ssdp']],
  [2055, ['netflow']],
  [3478, ['stun']],
  [4500, ['ike']],
  [4739, ['ipfix']],
  [5060, ['sip']],
  [5353, ['dns']],
  [5355, ['dns']],
  [6343, ['sflow']],
  [9995, ['netflow']],
  [9996, ['netflow']],
])

const NONE: readonly string[] = []

/** Protocols registered for `port` on `proto`, in preference order; empty when the port is not listed. */
export function registeredProtocols(proto: 'tcp' | 'udp', port: number): readonly string[] {
  return (proto === 'tcp' ? TCP : UDP).get(port) ?? NONE
}

/**
 * True when `app` is one of the protocols registered for `port`. Implicit-TLS ports (443, 465, 993, 8443...)
 * register `tls` first; plain `http` on 443 is not registered (it is a mismatch Suricata and Zeek users look for).
 */
export function isRegisteredFor(proto: 'tcp' | 'udp', port: number, app: string): boolean {
  return registeredProtocols(proto, port).includes(app)
}
