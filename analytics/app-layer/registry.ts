/** Every app-layer analyzer the manager may attach, in probing order. Add a spec here when you add one. */
import { SMB_ANALYZER } from './smb.js'
import type { AnalyzerSpec } from './types.js'

export const ANALYZERS: readonly AnalyzerSpec[] = [SMB_ANALYZER]
