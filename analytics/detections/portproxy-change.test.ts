/**
 * portproxy-change on host events: Sysmon 1 / Security 4688 command lines (full and abbreviated), Sysmon 13
 * and Security 4657 registry writes, severity from listen/connect ports and external connect addresses,
 * `reset` at info, and negatives (benign netsh, show, other registry keys).
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { DetectionContext } from '../detection.js'
import type { HostEvent } from '../events.js'
import { AddressSet, DEFAULT_INTERNAL_CIDRS } from '../net/address-set.js'
import def from './portproxy-change.js'

const ctx: DetectionContext = { internal: new AddressSet(DEFAULT_INTERNAL_CIDRS) }

function host(p: Partial<HostEvent> & Pick<HostEvent, 'event_id' | 'action'>): HostEvent {
  return { kind: 'host', ts: 1700000000, source: 'syslog', host: 'ws01', raw: 'raw message', ...p }
}
const proc = (cmd: string, id = 'sysmon:1') =>
  host({
    event_id: id,
    action: 'process',
    command_line: cmd,
    image: 'C:\\Windows\\System32\\netsh.exe',
    user: 'CORP\\eve',
  })

function run(ev: HostEvent) {
  return def.create(def.params, ctx).onEvent(ev) ?? []
}

test('abbreviated add forwarding to external RDP is critical, with details and evidence', () => {
  const [a, more] = run(proc('netsh  I p a v l=8001 listena=0.0.0.0 connectp=3389 c=1.1.1.1', 'security:4688'))
  assert.ok(a)
  assert.equal(more, undefined)
  assert.equal(a.detection, 'portproxy-change')
  assert.equal(a.technique, 'T1090.001')
  assert.equal(a.tactic, 'command-and-control')
  assert.equal(a.severity, 'critical')
  assert.equal(a.host, 'ws01')
  assert.equal(a.user, 'CORP\\eve')
  assert.deepEqual(
    {
      la: a.details?.listen_address,
      lp: a.details?.listen_port,
      ca: a.details?.connect_address,
      cp: a.details?.connect_port,
    },
    { la: '0.0.0.0', lp: '8001', ca: '1.1.1.1', cp: '3389' },
  )
  assert.equal(a.details?.abbreviated, true)
  assert.equal(a.evidence[0]?.raw, 'raw message')
  assert.ok(a.reasons.some((r) => /T1105/.test(r) && /T1570/.test(r)))
})

test('full-syntax add to loopback on a high port is medium; well-known listen port raises it', () => {
  const [m] = run(
    proc(
      'netsh interface portproxy add v4tov4 listenaddress=0.0.0.0 listenport=48333 connectaddress=127.0.0.1 connectport=8080',
    ),
  )
  assert.equal(m?.severity, 'medium')
  const [h] = run(proc('netsh interface portproxy add v4tov4 listenport=445 connectaddress=10.1.2.3 connectport=445'))
  assert.ok(h && m && h.score > m.score)
  // Calibration (docs/alerts.md): forwarding to 3389/445/443/80 is high, whatever the listen port.
  assert.equal(h?.severity, 'high')
  const [w] = run(
    proc(
      'netsh interface portproxy add v4tov4 listenaddress=0.0.0.0 listenport=48333 connectaddress=127.0.0.1 connectport=80',
    ),
  )
  assert.equal(w?.severity, 'high')
})

test('registry writes: Sysmon 13 and Security 4657, any case; writer other than netsh raises the score', () => {
  const s13 = host({
    event_id: 'sysmon:13',
    action: 'registry',
    image: 'C:\\Windows\\system32\\netsh.exe',
    target_object: 'HKLM\\System\\CurrentControlSet\\services\\PortProxy\\v4tov4\\tcp\\1.2.3.4/8001',
    details: '1.2.3.5/3389',
  })
  const [a] = run(s13)
  assert.equal(a?.details?.via, 'registry')
  assert.equal(a?.details?.connect_port, '3389')
  const s4657 = host({
    event_id: 'security:4657',
    action: 'registry',
    image: 'C:\\Users\\x\\AppData\\Local\\Temp\\msf.exe',
    target_object: '\\REGISTRY\\MACHINE\\SYSTEM\\ControlSet001\\Services\\PortProxy\\v6tov6\\tcp\\::/8443',
    details: '2001:db8::7/443',
  })
  const [b] = run(s4657)
  assert.ok(b)
  assert.equal(b.details?.context, 'v6tov6')
  assert.ok(b.reasons.some((r) => /not netsh/.test(r)))
  const del = host({
    event_id: 'sysmon:12',
    action: 'registry',
    image: 'C:\\Windows\\system32\\netsh.exe',
    target_object: 'HKLM\\System\\CurrentControlSet\\Services\\PortProxy\\v4tov4\\tcp\\0.0.0.0/8080',
    details: 'DeleteValue',
  })
  assert.equal(run(del)[0]?.details?.verb, 'delete')
  assert.equal(run(del)[0]?.severity, 'low')
})

test('reset is info; show, other netsh and other keys are not alerts', () => {
  const [r] = run(proc('netsh  interface portproxy reset', 'security:4688'))
  assert.equal(r?.severity, 'info')
  for (const cmd of [
    'netsh interface portproxy show all',
    'netsh advfirewall set allprofiles state on',
    'netsh trace start capture=yes',
    'netsh wlan show profiles',
    'C:\\Windows\\System32\\svchost.exe -k netsvcs -p -s iphlpsvc',
  ]) {
    assert.deepEqual(run(proc(cmd)), [], cmd)
  }
  const other = host({
    event_id: 'sysmon:13',
    action: 'registry',
    target_object: 'HKLM\\System\\CurrentControlSet\\Services\\NdisCap\\Start',
    details: 'DWORD (0x00000001)',
  })
  assert.deepEqual(run(other), [])
})

test('the command line and the registry write of one proxy share an identifier (deduplicated)', () => {
  const [c] = run(proc('netsh  I p a v l=8001 listena=1.2.3.4 connectp=3389 c=1.2.3.5'))
  const [r] = run(
    host({
      event_id: 'sysmon:13',
      action: 'registry',
      image: 'C:\\Windows\\system32\\netsh.exe',
      target_object: 'HKLM\\System\\CurrentControlSet\\services\\PortProxy\\v4tov4\\tcp\\1.2.3.4/8001',
      details: '1.2.3.5/3389',
    }),
  )
  assert.ok(c && r)
  assert.equal(c.identifier, r.identifier)
})

test('metadata is complete', () => {
  assert.equal(def.id, 'portproxy-change')
  assert.ok(def.falsePositives.some((f) => /WSL/.test(f)))
  assert.deepEqual(def.inputs, ['host'])
})
