/** Every app-layer analyzer the manager may attach, in probing order. Add a spec here when you add one. */
import type { AnalyzerSpec } from './types.js'

export const ANALYZERS: readonly AnalyzerSpec[] = []
