/** Every detection the sensor runs, in one list. Add a detection here when you add its file. */
import type { DetectionDefinition } from '../detection.js'
import chain from './chain.js'
import cloudFileService from './cloud-file-service.js'
import downloadTool from './download-tool.js'
import executableDownload from './executable-download.js'
import finger from './finger.js'
import ftpTransfer from './ftp-transfer.js'
import inboundTransfer from './inbound-transfer.js'
import lateralTransfer from './lateral-transfer.js'
import portproxyChange from './portproxy-change.js'
import protocolPortMismatch from './protocol-port-mismatch.js'
import tftpTransfer from './tftp-transfer.js'

export const DETECTIONS: readonly DetectionDefinition<object>[] = [
  inboundTransfer,
  lateralTransfer,
  executableDownload,
  cloudFileService,
  portproxyChange,
  downloadTool,
  chain,
  finger,
  tftpTransfer,
  ftpTransfer,
  protocolPortMismatch,
]
