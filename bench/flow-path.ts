/**
 * The child processes of bench/pipeline.bench.ts that measure the flow path in-process. Built with the CLI
 * (tsconfig.build.json lists it) and run as plain `node dist/bench/flow-path.js`, so the code measured is the
 * same compiled JavaScript the CLI runs (under tsx the bare read alone was ~1.5x slower: its loader thread and
 * on-the-fly compilation share the process).
 *   --floor FILE  CaptureReader walking records only (1 MiB reads), nothing decoded: the bare-read floor.
 *   --flows FILE  reader + walkPacket (L2-L4 decoders) + FlowTable (default caps and timeouts), each ended flow
 *                 turned into its FlowRecord and dropped: the foundation's path without app layer, engine or
 *                 output. Prints packets, flow records, the flows still live at the end, and end reasons.
 *   --heap FILE   (node --expose-gc) the analyze pipeline in-process as the CLI builds it (default
 *                 configuration, no output files; --flows-only with --flows-only), a full GC every 8 s and the
 *                 live heap, the ArrayBuffer memory (the flow table's rows live there, outside the heap) and
 *                 RSS printed next to the packets read and the live flows.
 */
import { Counters } from '../analytics/counters.js'
import { flowToRecord } from '../analytics/flow-record.js'
import { FlowTable } from '../analytics/flow-table.js'
import { walkPacket } from '../decoders/dispatch.js'
import { newPacketView } from '../decoders/packet-view.js'
import { CaptureReader } from '../decoders/pcap/capture-reader.js'
import { readCaptureStream } from '../sensor/collectors/pcap-file.js'

const [mode, file = ''] = process.argv.slice(2)

async function floorOrFlows(flows: boolean): Promise<void> {
  let n = 0
  let records = 0
  let live = 0
  const reasons = new Map<string, number>()
  const pv = newPacketView()
  const table = new FlowTable({
    maxFlows: 1_000_000,
    counters: new Counters(),
    onEnd: (f, reason) => {
      if (flowToRecord(f, reason, 'pcap', 'pcap').orig_pkts >= 0) records++
      if (reason === 'eof') live++
      reasons.set(reason, (reasons.get(reason) ?? 0) + 1)
    },
  })
  const reader = new CaptureReader({
    name: file,
    onPacket: flows
      ? (buf, off, end, ts, wireLen, linkType) => {
          n++
          walkPacket(linkType, buf, off, end, pv)
          pv.ts = ts
          pv.wireLen = wireLen
          pv.capLen = end - off
          table.updateRow(pv)
        }
      : () => {
          n++
        },
  })
  await readCaptureStream(file, reader)
  table.flush('eof')
  process.stdout.write(`${n}${flows ? ` ${records} ${live} ${JSON.stringify(Object.fromEntries(reasons))}` : ''}\n`)
}

async function heap(flowsOnly: boolean): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc
  if (!gc) throw new Error('--heap needs node --expose-gc')
  // Loaded here only: the floor and flows children do not pay for the whole pipeline's modules at start-up.
  const { Pipeline } = await import('../sensor/pipeline.js')
  const { openRunState } = await import('../sensor/run-state.js')
  const state = openRunState({})
  const p = new Pipeline({ ...state.settings, progress: false, flowsOnly }, { scoring: state.scorer })
  state.attach(p)
  const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(0)
  const sample = () => {
    gc()
    const used = process.memoryUsage()
    process.stdout.write(
      `${p.packets.packets} ${p.packets.flows} ${mib(used.heapUsed)} ${mib(used.arrayBuffers)} ${mib(used.rss)}\n`,
    )
  }
  const timer = setInterval(sample, 8000)
  await p.analyzeInput(file)
  clearInterval(timer)
  sample()
  p.finish()
  state.close(p)
}

if (mode === '--floor' || mode === '--flows') await floorOrFlows(mode === '--flows')
else if (mode === '--heap') await heap(process.argv.includes('--flows-only'))
else {
  process.stderr.write('usage: node dist/bench/flow-path.js --floor|--flows|--heap FILE [--flows-only]\n')
  process.exit(1)
}
process.exit(0)
