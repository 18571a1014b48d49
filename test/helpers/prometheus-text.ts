/**
 * A strict reader of the Prometheus text exposition format 0.0.4 for tests: one `# TYPE` line per family,
 * before its samples; valid metric and label names; escaped label values (backslash, quote, newline) read back.
 * Throws (assert) on anything else.
 */
import assert from 'node:assert/strict'

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/

interface Sample {
  readonly name: string
  readonly labels: Record<string, string>
  readonly value: number
}

/** Reads of the text format: returns samples and the TYPE of each family; throws on anything else. */
export function parsePrometheusText(text: string): { types: Map<string, string>; samples: Sample[] } {
  assert.ok(text.endsWith('\n'), 'the exposition ends with a line feed')
  const types = new Map<string, string>()
  const samples: Sample[] = []
  for (const line of text.slice(0, -1).split('\n')) {
    const t = /^# TYPE (\S+) (counter|gauge|histogram|summary|untyped)$/.exec(line)
    if (t) {
      const name = t[1] as string
      assert.match(name, NAME)
      assert.ok(!types.has(name), `one # TYPE line for ${name}`)
      types.set(name, t[2] as string)
      continue
    }
    assert.ok(!line.startsWith('#') || line.startsWith('# HELP '), `comment line: ${line}`)
    if (line.startsWith('#')) continue
    const s = /^([^{\s]+)(?:\{(.*)\})? (\S+)$/.exec(line)
    assert.ok(s, `sample line: ${JSON.stringify(line)}`)
    const name = s[1] as string
    assert.match(name, NAME)
    assert.ok(types.has(name), `${name} has its # TYPE before its samples`)
    const labels: Record<string, string> = {}
    const body = s[2] ?? ''
    const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"(,|$)/y
    let at = 0
    while (at < body.length) {
      re.lastIndex = at
      const m = re.exec(body)
      assert.ok(m, `label syntax at ${at} in ${body}`)
      labels[m[1] as string] = (m[2] as string).replace(/\\([\\"n])/g, (_, c: string) => (c === 'n' ? '\n' : c))
      at = re.lastIndex
    }
    const value = Number(s[3])
    assert.ok(!Number.isNaN(value), `value of ${line}`)
    samples.push({ name, labels, value })
  }
  return { types, samples }
}
