/**
 * `ingress-sensor analyze` (and `baseline learn`): reads every input in turn into one pipeline, then
 * flushes flows, saves state and prints the summary. A corrupt input stops that input with a clear error
 * naming the file and offset, after what came before it was processed; the other inputs still run.
 */
import { InputError } from '../errors.js'
import { Pipeline } from '../pipeline.js'
import { openRunState, type RunState } from '../run-state.js'
import { printSummary } from '../summary.js'

export interface AnalyzeOptions {
  flows?: string
  alerts?: string
  state?: string
  config?: string
  internal?: string[]
  netflowPort?: number[]
  summary?: boolean
  progress?: boolean
  learnOnly?: boolean
  flowsOnly?: boolean
}

export async function runAnalyze(inputs: string[], opts: AnalyzeOptions): Promise<number> {
  const started = process.hrtime.bigint()
  const state: RunState = openRunState(opts)
  const flowsOnly = opts.flowsOnly === true
  const pipeline = new Pipeline(
    {
      ...state.settings,
      // --flows-only without --flows: the records are the output, on stdout.
      flowsPath: opts.flows ?? (flowsOnly ? '-' : undefined),
      alertsPath: flowsOnly || opts.alerts === '' ? undefined : (opts.alerts ?? '-'),
      flowsOnly,
      learnOnly: opts.learnOnly === true,
      progress: opts.progress !== false,
      truncateOutputs: true,
    },
    { scoring: state.scorer, templateStore: state.templates },
  )
  state.attach(pipeline)

  const abort = new AbortController()
  let signalExit = 0
  const onSignal = (sig: NodeJS.Signals) => {
    if (abort.signal.aborted) process.exit(sig === 'SIGINT' ? 130 : 143) // second signal: give up at once
    signalExit = sig === 'SIGINT' ? 130 : 143
    process.stderr.write(`\ningress-sensor: ${sig} received, flushing flows and saving state.\n`)
    abort.abort()
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)

  let exit = 0
  const errors: string[] = []
  try {
    for (const input of inputs) {
      if (abort.signal.aborted) break
      try {
        await pipeline.analyzeInput(input, abort.signal)
      } catch (e) {
        if (e instanceof InputError) {
          errors.push(e.message)
          process.stderr.write(`ingress-sensor: ${e.message}\n`)
          exit = 2
          continue
        }
        throw e
      }
    }
  } finally {
    pipeline.finish()
    state.close(pipeline)
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
  }
  const elapsedS = Number(process.hrtime.bigint() - started) / 1e9
  if (opts.summary !== false) printSummary(pipeline, state, elapsedS, errors)
  if (pipeline.engine.detectionErrors.size > 0) {
    for (const [id, err] of pipeline.engine.detectionErrors) {
      process.stderr.write(`ingress-sensor: detection ${id} failed (a bug; other detections ran): ${err}\n`)
    }
  }
  if (signalExit) return signalExit
  return exit
}
