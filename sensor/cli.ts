/**
 * The `ingress-sensor` command line. `analyze` reads capture files, stdin and syslog archives;
 * `listen` runs live collectors; `baseline` learns and shows the destination baseline.
 * Exit codes: 0 success, 1 usage or configuration error, 2 an input was unreadable or corrupt (everything
 * decodable before the fault was processed and flushed), 130/143 interrupted by SIGINT/SIGTERM
 * (flows flushed and state saved first).
 */
import { Command, CommanderError, Option } from 'commander'
import { runAnalyze } from './commands/analyze.js'
import { SensorError } from './errors.js'

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value]
}

function buildProgram(): Command {
  const program = new Command()
  program
    .name('ingress-sensor')
    .description(
      'Detects tools and files brought into a network (ATT&CK T1105) or spread inside it (T1570) from pcap/pcapng, NetFlow/IPFIX and syslog.',
    )
    .version('0.1.0')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) })

  program
    .command('analyze')
    .description('Analyse capture files (pcap, pcapng; `-` for stdin) and syslog archives, recognised by content.')
    .argument('<input...>', 'files to read, or - for standard input')
    .option('--flows <path>', 'write flow records (Zeek conn.log fields) as JSON lines')
    .option('--alerts <path>', 'write alerts as JSON lines (- for stdout, "" for none)', '-')
    .option('--state <dir>', 'directory for persistent state (baseline, NetFlow templates)')
    .option('--config <file>', 'configuration file (YAML or JSON)')
    .option('--internal <cidr>', 'an internal network (repeatable; default RFC 1918, CGNAT, ULA, link-local)', collect)
    .addOption(
      new Option('--netflow-port <port>', 'UDP port carrying flow exports inside captures (repeatable)').argParser(
        (v: string, prev: number[] = []) => [...prev, parsePort(v)],
      ),
    )
    .option(
      '--flows-only',
      'flow records only (stdout unless --flows): no payload analysis, detections or scoring, as argus or softflowd',
    )
    .option('--no-summary', 'do not print the summary on stderr')
    .option('--no-progress', 'no progress line on a terminal')
    .action(async (inputs: string[], opts) => {
      process.exitCode = await runAnalyze(inputs, opts)
    })

  program
    .command('listen')
    .description(
      'Run live collectors (NetFlow/IPFIX, syslog UDP/TCP, a pcap stream, a capture directory) until SIGINT/SIGTERM.',
    )
    .option('--netflow <host:port>', 'receive NetFlow v5/v9/IPFIX on UDP (repeatable)', collect)
    .option('--ipfix <host:port>', 'receive IPFIX on UDP (same decoder; repeatable)', collect)
    .option('--syslog-udp <host:port>', 'receive syslog on UDP (repeatable)', collect)
    .option('--syslog-tcp <host:port>', 'receive syslog on TCP, RFC 6587 framing (repeatable)', collect)
    .option('--pcap <file|->', 'read a pcap/pcapng stream (- for stdin, e.g. tcpdump -U -w -)')
    .option('--pcap-dir <dir>', 'process rotated capture files in a directory, each once')
    .option('--flows <path>', 'write flow records as JSON lines')
    .option('--alerts <path>', 'write alerts as JSON lines (- for stdout)', '-')
    .option('--state <dir>', 'directory for persistent state (baseline, templates, capture-directory progress)')
    .option('--config <file>', 'configuration file (YAML or JSON)')
    .option('--internal <cidr>', 'an internal network (repeatable)', collect)
    .option(
      '--forward <url>',
      'forward alerts to a SIEM: udp://host:port or tcp://host:port, ?format=rfc5424|cef',
      collect,
    )
    .option('--stats-interval <s>', 'seconds between stats lines on stderr', (v) => Number(v), 60)
    .option('--stats-port <port>', 'serve Prometheus metrics on 127.0.0.1:PORT', (v) => parsePort(v))
    .option('--rotate-bytes <n>', 'rotate output files above this size', (v) => Number(v))
    .option('--rotate-seconds <n>', 'rotate output files older than this', (v) => Number(v))
    .action(async (opts) => {
      const { runListen } = await import('./commands/listen.js')
      process.exitCode = await runListen(opts)
    })

  const baseline = program.command('baseline').description('Learn or show the baseline of destinations already seen.')
  baseline
    .command('learn')
    .description('Read inputs like analyze, filling the baseline without alerting.')
    .argument('<input...>', 'files to read, or - for standard input')
    .requiredOption('--state <dir>', 'directory for persistent state')
    .option('--config <file>', 'configuration file (YAML or JSON)')
    .option('--internal <cidr>', 'an internal network (repeatable)', collect)
    .option('--no-progress', 'no progress line on a terminal')
    .action(async (inputs: string[], opts) => {
      process.exitCode = await runAnalyze(inputs, { ...opts, learnOnly: true, alerts: '', summary: true })
    })
  baseline
    .command('show')
    .description('List the baseline: destinations per internal host, first and last seen.')
    .requiredOption('--state <dir>', 'directory for persistent state')
    .option('--host <ip>', 'only this internal host')
    .option('--limit <n>', 'at most this many entries', (v) => Number.parseInt(v, 10))
    .option('--json', 'JSON lines instead of a table')
    .action(async (opts) => {
      const { runBaselineShow } = await import('./commands/baseline.js')
      process.exitCode = await runBaselineShow(opts.state, opts, process.stdout)
    })
  return program
}

function parsePort(v: string): number {
  const n = Number(v)
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new SensorError('usage.invalid', `Not a port number: ${v}.`, 1)
  return n
}

async function main(argv: string[]): Promise<void> {
  const program = buildProgram()
  try {
    await program.parseAsync(argv)
  } catch (e) {
    if (e instanceof CommanderError) {
      // Commander has printed its message; help and version are not errors.
      process.exitCode = e.exitCode === 0 ? 0 : 1
      return
    }
    if (e instanceof SensorError) {
      process.stderr.write(`ingress-sensor: ${e.message}\n`)
      process.exitCode = e.exitCode
      return
    }
    throw e
  }
}

await main(process.argv)
