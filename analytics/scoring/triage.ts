/**
 * Builds the `triage` list of an alert from the guidance data (triage-data.ts): the detection's and the
 * technique's questions, then the common ones, each with the sensor's own answer where it has one, then
 * the escalation rule. The text lives in the data file; this file only fills in answers.
 */
import { TRIAGE_GUIDE, type TriageFact, type TriageGuide } from './triage-data.js'

/** The sensor's answers to the guide's `fact` questions; absent keys leave the question unanswered. */
export type TriageAnswers = Partial<Record<TriageFact, string>>

/** Questions and escalation guidance for one alert. */
export function triageFor(
  detection: string,
  technique: string,
  answers: TriageAnswers,
  guide: TriageGuide = TRIAGE_GUIDE,
): string[] {
  const out: string[] = []
  const seen = new Set<string>()
  const add = (qs: readonly { ask: string; fact?: TriageFact }[] | undefined): void => {
    for (const q of qs ?? []) {
      if (seen.has(q.ask)) continue
      seen.add(q.ask)
      const a = q.fact !== undefined ? answers[q.fact] : undefined
      out.push(a !== undefined ? `${q.ask} Sensor: ${a}` : q.ask)
    }
  }
  add(guide.byDetection[detection])
  add(guide.byTechnique[technique])
  add(guide.common)
  for (const e of guide.escalate) out.push(e)
  return out
}
