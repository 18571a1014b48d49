/**
 * netsh portproxy parsing: the full syntax of the Microsoft netsh reference, netsh's prefix abbreviations
 * (the EVTX-ATTACK-SAMPLES `netsh I p a v l=8001 listena=… connectp=… c=…` form, `int portp`), positional
 * parameters, wrappers (cmd /c, quoted full path), and other netsh commands that are not portproxy.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { findPortproxyCommands, parsePortproxyRegistry } from './portproxy.js'

test('full syntax', () => {
  const [c] = findPortproxyCommands(
    'netsh interface portproxy add v4tov4 listenport=8080 listenaddress=0.0.0.0 connectport=8000 connectaddress=192.168.1.1',
  )
  assert.deepEqual(
    { ...c, command: undefined },
    {
      verb: 'add',
      context: 'v4tov4',
      listen_address: '0.0.0.0',
      listen_port: '8080',
      connect_address: '192.168.1.1',
      connect_port: '8000',
      abbreviated: false,
      command: undefined,
    },
  )
})

test('abbreviated forms resolve by prefix, case-insensitively', () => {
  const [a] = findPortproxyCommands('netsh  I p a v l=8001 listena=1.2.3.4 connectp=3389 c=1.2.3.5')
  assert.equal(a?.verb, 'add')
  assert.equal(a?.context, 'v4tov4')
  assert.equal(a?.listen_port, '8001')
  assert.equal(a?.listen_address, '1.2.3.4')
  assert.equal(a?.connect_port, '3389')
  assert.equal(a?.connect_address, '1.2.3.5')
  assert.equal(a?.abbreviated, true)
  const [b] = findPortproxyCommands(
    'NETSH.EXE Int PortP ADD V6TOV4 listenPort=443 ConnectAddress=10.0.0.9 connectport=443',
  )
  assert.equal(b?.verb, 'add')
  assert.equal(b?.context, 'v6tov4')
  assert.equal(b?.connect_address, '10.0.0.9')
  const [p] = findPortproxyCommands('netsh int portp add v4tov4 8080 10.0.0.1 80')
  assert.equal(p?.listen_port, '8080')
  assert.equal(p?.connect_address, '10.0.0.1')
  assert.equal(p?.connect_port, '80')
})

test('set and delete, wrappers and quoted paths', () => {
  const [s] = findPortproxyCommands(
    'cmd.exe /c "C:\\Windows\\System32\\netsh.exe" interface portproxy set v4tov6 listenport=80 connectaddress=::1',
  )
  assert.equal(s?.verb, 'set')
  assert.equal(s?.context, 'v4tov6')
  const [d] = findPortproxyCommands(
    'cmd /c netsh interface portproxy delete v4tov4 listenport=8080 listenaddress=0.0.0.0',
  )
  assert.equal(d?.verb, 'delete')
  assert.equal(d?.listen_port, '8080')
  const two = findPortproxyCommands('netsh i p a v l=1 c=2.2.2.2 & netsh interface portproxy reset')
  assert.deepEqual(
    two.map((x) => x.verb),
    ['add', 'reset'],
  )
})

test('not portproxy: other netsh contexts, show, and non-netsh text', () => {
  assert.deepEqual(findPortproxyCommands('netsh trace start capture=yes'), [])
  assert.deepEqual(findPortproxyCommands('netsh advfirewall firewall add rule name=x dir=in action=allow'), [])
  assert.deepEqual(findPortproxyCommands('netsh interface ipv4 show addresses'), [])
  assert.deepEqual(findPortproxyCommands('echo interface portproxy add v4tov4 listenport=1'), [])
  const [show] = findPortproxyCommands('netsh interface portproxy show all')
  assert.equal(show?.verb, 'show')
  assert.equal(show?.listen_port, undefined)
})

test('registry path and value, any case, all four contexts', () => {
  const r = parsePortproxyRegistry(
    'HKLM\\System\\CurrentControlSet\\services\\PortProxy\\v4tov4\\tcp\\1.2.3.4/8001',
    '1.2.3.5/3389',
  )
  assert.deepEqual(r, {
    context: 'v4tov4',
    protocol: 'tcp',
    listen_address: '1.2.3.4',
    listen_port: '8001',
    connect_address: '1.2.3.5',
    connect_port: '3389',
  })
  const v6 = parsePortproxyRegistry(
    'HKLM\\SYSTEM\\CurrentControlSet\\Services\\PortProxy\\V6TOV6\\tcp\\::/443',
    '2001:db8::5/443',
  )
  assert.equal(v6?.context, 'v6tov6')
  assert.equal(v6?.listen_address, '::')
  assert.equal(v6?.connect_address, '2001:db8::5')
  assert.equal(parsePortproxyRegistry('HKLM\\SYSTEM\\CurrentControlSet\\Services\\Tcpip\\Parameters', 'x'), undefined)
})

test('fuzz: arbitrary text never throws', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 300 }), (s) => {
      findPortproxyCommands(`netsh i p ${s}`)
      parsePortproxyRegistry(`\\Services\\PortProxy\\${s}`, s)
    }),
    { numRuns: 1000 },
  )
})
