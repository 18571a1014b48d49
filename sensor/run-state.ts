/**
 * What one run of the sensor sets up around the pipeline: the validated configuration (file + CLI
 * overrides), the destination baseline and its SQLite store in `--state DIR`, the persisted NetFlow templates,
 * and the scorer that reads the baseline. Saves state periodically and at the end (atomically: SQLite
 * transactions for the baseline, write-then-rename for templates).
 */
import { mkdirSync } from 'node:fs'
import { DestinationBaseline } from '../analytics/baselines/destination-baseline.js'
import { AddressSet } from '../analytics/net/address-set.js'
import { Scorer } from '../analytics/scoring/scorer.js'
import { type ConfigOverrides, loadConfig, type SensorConfig } from './config.js'
import { UsageError } from './errors.js'
import type { Pipeline, PipelineSettings } from './pipeline.js'
import { type BaselineStore, baselineOptions, openBaseline } from './state/baseline-store.js'
import { TemplateStore } from './state/template-store.js'
import { formatCount } from './text.js'

export interface RunStateOptions {
  state?: string | undefined
  config?: string | undefined
  internal?: string[] | undefined
  netflowPort?: number[] | undefined
  learnOnly?: boolean | undefined
}

type BaseSettings = Omit<PipelineSettings, 'flowsPath' | 'alertsPath' | 'learnOnly' | 'progress'>

export interface RunState {
  readonly config: SensorConfig
  readonly settings: BaseSettings
  readonly scorer: Scorer
  readonly templates: TemplateStore
  /** Starts periodic saving while the pipeline runs. */
  attach(p: Pipeline): void
  /** Saves everything and releases the store. */
  close(p: Pipeline): void
  summaryLines(): string[]
}

export function settingsFromConfig(config: SensorConfig): BaseSettings {
  const detectionConfig: Record<string, { enabled?: boolean; params?: Record<string, unknown> }> = {}
  for (const [id, d] of Object.entries(config.detections)) {
    detectionConfig[id] = { enabled: d.enabled, params: { ...d.params } }
  }
  return {
    internal: config.internal,
    maxFlows: config.flow_table.max_flows,
    tcpIdleS: config.flow_table.tcp_idle_s,
    udpIdleS: config.flow_table.udp_idle_s,
    icmpIdleS: config.flow_table.icmp_idle_s,
    activeTimeoutS: config.flow_table.active_timeout_s,
    maxBufferBytes: config.app_layer.max_buffer_bytes,
    netflowPorts: config.netflow.ports,
    samplingOverrides: config.netflow.sampling,
    biflowWindowS: config.netflow.biflow_window_s,
    detectionConfig,
    suppressForS: config.outputs.suppress_for_s,
  }
}

export function openRunState(opts: RunStateOptions): RunState {
  const overrides: { internal?: string[]; netflow?: { ports: number[] } } = {}
  if (opts.internal?.length) overrides.internal = opts.internal
  if (opts.netflowPort?.length) overrides.netflow = { ports: opts.netflowPort }
  const config = loadConfig(opts.config, overrides as ConfigOverrides)
  const internal = new AddressSet(config.internal)
  let baseline: DestinationBaseline
  let store: BaselineStore | undefined
  let loadedLine = ''
  if (opts.state !== undefined) {
    try {
      mkdirSync(opts.state, { recursive: true })
    } catch (e) {
      throw new UsageError(`Cannot create the state directory ${opts.state} (${(e as NodeJS.ErrnoException).code}).`)
    }
    const opened = openBaseline(opts.state, internal, config.baseline)
    baseline = opened.baseline
    store = opened.store
    const c = store.counts()
    loadedLine = `baseline: loaded ${formatCount(c.entries)} entries (${formatCount(c.hosts)} hosts, ${formatCount(c.destinations)} destinations) from ${opts.state}`
  } else {
    // Nothing will save it, so it need not remember what changed.
    baseline = new DestinationBaseline(internal, { ...baselineOptions(config.baseline), trackChanges: false })
    loadedLine = 'baseline: in memory only (no --state), every destination is new to this run'
  }
  // The scorer shares the baseline's address set, so each flow's addresses are judged once.
  const scorer = new Scorer(config, baseline, { learnOnly: opts.learnOnly === true, internal: baseline.internalSet })
  const templates = new TemplateStore(opts.state !== undefined ? { dir: opts.state } : {})
  if (opts.state !== undefined) templates.load()
  let timer: NodeJS.Timeout | undefined
  let savedLine = ''
  return {
    config,
    settings: settingsFromConfig(config),
    scorer,
    templates,
    attach() {
      if (!store) return
      const s = store
      timer = setInterval(() => s.maybeSave(baseline), 1000)
      timer.unref()
      templates.start()
    },
    close() {
      if (timer) clearInterval(timer)
      templates.stop()
      if (opts.state !== undefined) templates.save()
      if (store) {
        const r = store.save(baseline)
        savedLine = `baseline: saved ${formatCount(r.rows)} changed rows to ${opts.state} in ${r.ms.toFixed(0)} ms`
        store.close()
      }
    },
    summaryLines() {
      return [loadedLine, ...(savedLine ? [savedLine] : [])]
    },
  }
}
