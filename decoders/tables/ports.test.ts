import assert from 'node:assert/strict'
import { test } from 'node:test'
import { isRegisteredFor, registeredProtocols } from './ports.js'

test('well-known ports map to the analyzer names (IANA registry)', () => {
  assert.deepEqual(registeredProtocols('tcp', 21), ['ftp'])
  assert.deepEqual(registeredProtocols('tcp', 22), ['ssh'])
  assert.deepEqual(registeredProtocols('tcp', 79), ['finger'])
  assert.deepEqual(registeredProtocols('udp', 69), ['tftp'])
  assert.deepEqual(registeredProtocols('udp', 53), ['dns'])
  assert.deepEqual(registeredProtocols('tcp', 53), ['dns'])
  assert.deepEqual(registeredProtocols('tcp', 445), ['smb'])
  assert.deepEqual(registeredProtocols('tcp', 3389), ['rdp'])
  assert.deepEqual(registeredProtocols('tcp', 6667), ['irc'])
  assert.ok(registeredProtocols('tcp', 443).includes('tls'))
  assert.ok(registeredProtocols('udp', 443).includes('quic'))
})

test('transport matters and unlisted ports are empty', () => {
  assert.deepEqual(registeredProtocols('udp', 79), [])
  assert.deepEqual(registeredProtocols('tcp', 69), [])
  assert.deepEqual(registeredProtocols('tcp', 31337), [])
  assert.deepEqual(registeredProtocols('tcp', 0), [])
  assert.deepEqual(registeredProtocols('tcp', 70000), [])
})

test('plain HTTP and SSH on 443 are not registered; HTTP on 80/8080 is', () => {
  assert.equal(isRegisteredFor('tcp', 443, 'http'), false)
  assert.equal(isRegisteredFor('tcp', 443, 'ssh'), false)
  assert.equal(isRegisteredFor('tcp', 80, 'http'), true)
  assert.equal(isRegisteredFor('tcp', 8080, 'http'), true)
  assert.equal(isRegisteredFor('tcp', 21, 'tls'), false)
  assert.equal(isRegisteredFor('tcp', 990, 'tls'), true)
})
