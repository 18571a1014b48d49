/**
 * Child-process helper for the pcap-file collector's stdin test: reads a capture from standard input with
 * readCaptureStream('-') and prints `{"packets":N,"format":"pcap"|"pcapng","linkTypes":[...]}` or
 * `{"error":code,"message":...}` as one JSON line.
 */
import { CaptureReader } from '../../decoders/pcap/capture-reader.js'
import { CaptureFileError, readCaptureStream } from '../../sensor/collectors/pcap-file.js'

const reader = new CaptureReader({ name: 'stdin', onPacket: () => {} })
try {
  await readCaptureStream('-', reader)
  console.log(JSON.stringify({ packets: reader.packets, format: reader.format, linkTypes: [...reader.linkTypes] }))
} catch (e) {
  if (!(e instanceof CaptureFileError)) throw e
  console.log(JSON.stringify({ error: e.code, message: e.message, packets: reader.packets }))
}
