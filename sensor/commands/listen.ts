/**
 * `ingress-sensor listen`: any mix of live collectors (NetFlow/IPFIX over UDP, syslog over UDP and TCP, a pcap
 * stream on stdin, a directory of rotated captures) in one process, into one flow table, baseline and
 * correlator. Prints a stats line periodically and serves Prometheus metrics on `--stats-port`.
 * SIGINT/SIGTERM stop the collectors, drain the queue, flush every flow as a record, save the baseline and
 * templates, and exit 0. SIGHUP reopens the output files (after an external rotation).
 */
import type { AlertEvent } from '../../analytics/events.js'
import { startNetflowUdp } from '../collectors/netflow-udp.js'
import { PcapDirWatcher } from '../collectors/pcap-dir.js'
import { startSyslogTcp } from '../collectors/syslog-tcp.js'
import { startSyslogUdp } from '../collectors/syslog-udp.js'
import { InputError, UsageError } from '../errors.js'
import { Pipeline } from '../pipeline.js'
import { openRunState } from '../run-state.js'
import { parseForwardUrl, SiemForwarder } from '../sinks/siem-forward.js'
import { StatsLine, startStatsServer } from '../stats.js'

export interface ListenOptions {
  netflow?: string[]
  ipfix?: string[]
  syslogUdp?: string[]
  syslogTcp?: string[]
  pcap?: string
  pcapDir?: string
  flows?: string
  alerts?: string
  state?: string
  config?: string
  internal?: string[]
  statsInterval?: number
  statsPort?: number
  forward?: string[]
  rotateBytes?: number
  rotateSeconds?: number
  queueCapacity?: number
}

/** `0.0.0.0:2055`, `[::]:514`, `:514` or `514` → host and port. */
export function parseListenAddress(spec: string, flag: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*))?:?(\d+)$/.exec(spec.trim())
  const port = m ? Number(m[3]) : Number.NaN
  if (!m || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new UsageError(`${flag} ${spec}: expected HOST:PORT (e.g. 0.0.0.0:2055).`)
  }
  const host = m[1] ?? (m[2] ? m[2] : '0.0.0.0')
  return { host, port }
}

interface Closable {
  close(): Promise<void>
}

export async function runListen(opts: ListenOptions): Promise<number> {
  const state = openRunState(opts)
  const cfg = state.config
  const forwarders: SiemForwarder[] = []
  const forwardTargets = (opts.forward ?? []).map(parseForwardUrl)
  const pipeline = new Pipeline(
    {
      ...state.settings,
      flowsPath: opts.flows,
      alertsPath: opts.alerts === '' ? undefined : (opts.alerts ?? '-'),
      progress: false,
      queueCapacity: opts.queueCapacity ?? 200_000,
      rotation: { maxBytes: opts.rotateBytes ?? 0, maxAgeS: opts.rotateSeconds ?? 0 },
    },
    {
      scoring: state.scorer,
      templateStore: state.templates,
      extraOutputs: {
        alert: (a: AlertEvent) => {
          for (const f of forwarders) f.send(a)
        },
      },
    },
  )
  for (const t of forwardTargets) forwarders.push(new SiemForwarder(t, pipeline.counters))
  state.attach(pipeline)

  const closers: Closable[] = []
  const started: string[] = []
  const log = (s: string) => process.stderr.write(`ingress-sensor: ${s}\n`)
  try {
    for (const spec of [...(opts.netflow ?? []), ...(opts.ipfix ?? [])]) {
      const a = parseListenAddress(spec, '--netflow')
      const c = await startNetflowUdp({ host: a.host, port: a.port, ingest: pipeline.netflow })
      closers.push(c)
      started.push(`flow exports on udp ${c.address.address}:${c.address.port}`)
    }
    for (const spec of opts.syslogUdp ?? []) {
      const a = parseListenAddress(spec, '--syslog-udp')
      const c = await startSyslogUdp({ host: a.host, port: a.port, ingest: pipeline.syslog })
      closers.push(c)
      started.push(`syslog on udp ${c.address.address}:${c.address.port}`)
    }
    for (const spec of opts.syslogTcp ?? []) {
      const a = parseListenAddress(spec, '--syslog-tcp')
      const c = await startSyslogTcp({
        host: a.host,
        port: a.port,
        ingest: pipeline.syslog,
        counters: pipeline.counters,
        maxFrameBytes: cfg.syslog.max_frame_bytes,
        idleTimeoutS: cfg.syslog.idle_timeout_s,
      })
      closers.push(c)
      started.push(`syslog on tcp ${c.address.address}:${c.address.port}`)
    }
  } catch (e) {
    for (const c of closers) await c.close()
    pipeline.finish()
    state.close(pipeline)
    throw new UsageError(`Cannot start a collector: ${(e as Error).message}`, { cause: e })
  }

  const gauges = () => ({
    flows_in_table: pipeline.packets.flows,
    queue_depth: pipeline.queue?.depth ?? 0,
    packets_total: pipeline.packets.packets,
  })
  let stats: Awaited<ReturnType<typeof startStatsServer>> | undefined
  if (opts.statsPort !== undefined) {
    stats = await startStatsServer('127.0.0.1', opts.statsPort, pipeline.counters, gauges)
    started.push(`metrics on http://127.0.0.1:${stats.port}/metrics`)
  }

  const abort = new AbortController()
  let pcapDone: Promise<void> | undefined
  if (opts.pcap !== undefined) {
    const src = opts.pcap
    started.push(`pcap stream from ${src === '-' ? 'stdin' : src}`)
    pcapDone = pipeline.analyzeInput(src, abort.signal).then(
      () => {
        log(`the pcap stream ${src === '-' ? 'on stdin' : src} ended.`)
      },
      (e: unknown) => {
        // Ending stdin at shutdown (below) makes the read fail; that is not an input error.
        if (abort.signal.aborted) return
        log(e instanceof InputError ? e.message : `pcap stream failed: ${(e as Error).message}`)
      },
    )
  }
  let watcher: PcapDirWatcher | undefined
  if (opts.pcapDir !== undefined) {
    watcher = new PcapDirWatcher({
      dir: opts.pcapDir,
      stateDir: opts.state,
      process: (file) => pipeline.analyzeInput(file, abort.signal),
      onError: (file, e) => log(`${file}: ${(e as Error).message}`),
    })
    watcher.start()
    started.push(`capture directory ${opts.pcapDir}`)
  }
  if (started.length === 0) {
    pipeline.finish()
    state.close(pipeline)
    throw new UsageError('Nothing to listen on: give --netflow, --syslog-udp, --syslog-tcp, --pcap or --pcap-dir.')
  }
  log(`listening: ${started.join('; ')}.`)

  const statsLine = new StatsLine(pipeline.counters)
  const statsTimer = setInterval(() => log(statsLine.render(gauges())), (opts.statsInterval ?? 60) * 1000)
  // Keep output files current for tail -f readers without a write per line.
  const flushTimer = setInterval(() => {
    pipeline.flushSinks()
    pipeline.netflow.sweep(Date.now() / 1000)
  }, 1000)

  return await new Promise<number>((resolve) => {
    let stopping = false
    const shutdown = async (sig: string) => {
      if (stopping) return
      stopping = true
      log(`${sig} received: stopping collectors, flushing flows, saving state.`)
      clearInterval(statsTimer)
      clearInterval(flushTimer)
      abort.abort()
      // A pcap stream on stdin may be idle (tcpdump on a quiet link): end the read rather than wait for data.
      if (opts.pcap === '-') process.stdin.destroy()
      for (const c of closers) await c.close()
      await watcher?.stop()
      await pcapDone
      pipeline.finish()
      state.close(pipeline)
      for (const f of forwarders) await f.close()
      await stats?.close()
      log(
        `stopped: ${pipeline.flowsWritten} flow records and ${pipeline.alertsWritten} alerts written; ${statsLine.render(gauges())}`,
      )
      process.off('SIGHUP', onHup)
      resolve(0)
    }
    const onHup = () => {
      pipeline.reopenSinks()
      log('SIGHUP: output files reopened.')
    }
    process.once('SIGINT', () => void shutdown('SIGINT'))
    process.once('SIGTERM', () => void shutdown('SIGTERM'))
    process.on('SIGHUP', onHup)
    // A stdin-only sensor ends with its stream.
    if (pcapDone && closers.length === 0 && !watcher) void pcapDone.then(() => shutdown('end of input'))
  })
}
