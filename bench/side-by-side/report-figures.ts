// The figures bench/results.md is written from: the run's results, picked per dataset, system
// and stage (medians over rounds), the same-run ratios, and the number formats of the report.
import type { Bar } from './chart.js'
import type { Machine } from './machine.js'

export type System = 'streamfit' | 'tfio'

export interface StageResult {
  /** Position in the run (the two systems alternate). */
  order: number
  dataset: string
  system: System
  stage: string
  /** The stage's JSON line (the last one it printed). */
  json: Record<string, unknown>
  /** Every JSON line, when it printed several (profiles). */
  lines?: Array<Record<string, unknown>>
  error?: string
  peakRssMb: number
  /** CPU seconds of the stage's process (all threads), from time -v. */
  cpuSeconds: number
  /** CPU seconds the (local) broker used while the stage ran; NaN when the broker is not local. */
  brokerCpuSeconds: number
  /** Wall time of the whole process, start-up and imports included. */
  processSeconds: number
  /** 1-minute load average when the stage ended. */
  load1: number
}

export interface Results {
  date: string
  durationSeconds: number
  quick: boolean
  command: string
  brokers: string
  machine: Machine
  loadAverageStart: [number, number, number]
  loadAverageEnd: [number, number, number]
  loadSamples: Array<{ at: string, load1: number }>
  busiestProcessesAtStart: string[]
  busiestProcessesAtEnd?: string[]
  versions: Record<string, unknown> & { tfio: Record<string, unknown> }
  datasets: Array<{ name: string, origin: string, rows: number, trainRows: number, testRows: number, trainEpochs: number, onlineEpochs: number | null }>
  results: StageResult[]
}

export interface Figure { rate: number, seconds: number, rssMb: number, /** The compute backend the stage ran on, when it computes. */ backend?: string }

export interface Row {
  /** Stable id, used by the targets and the chart. */
  id: 'load' | 'train' | 'score' | 'score-whole' | 'score-alos' | 'online'
  label: string
  chartLabel: string
  dataset: string
  streamfit: Figure | string | null
  tfio: Figure | string | null
}

export const num = (v: unknown): number => typeof v === 'number' ? v : Number.NaN

/**
 * A stage's result; a stage run in several rounds (scoring) gives the median of each figure
 * over its successful rounds (peak RSS: the highest).
 */
export function pick (r: Results, dataset: string, system: System, stage: string): StageResult | undefined {
  const all = r.results.filter(x => x.dataset === dataset && x.system === system && x.stage === stage)
  const ok = all.filter(x => x.error === undefined)
  if (all.length <= 1 || ok.length === 0) return all[0]
  if (ok.length === 1) return ok[0]
  return {
    ...ok[0],
    json: { ...medianOf(ok.map(x => x.json)), rounds: ok.length },
    peakRssMb: Math.max(...ok.map(x => x.peakRssMb)),
    cpuSeconds: median(ok.map(x => x.cpuSeconds)),
    brokerCpuSeconds: median(ok.map(x => x.brokerCpuSeconds)),
    processSeconds: median(ok.map(x => x.processSeconds))
  }
}

export function median (xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 === 1 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}

/** Field by field: medians of numbers (nested objects too), the first round's other values. */
export function medianOf (objects: Array<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...objects[0] }
  for (const [key, value] of Object.entries(objects[0])) {
    if (typeof value === 'number') out[key] = median(objects.map(o => num(o[key])))
    else if (value !== null && typeof value === 'object' && !Array.isArray(value)) out[key] = medianOf(objects.map(o => (o[key] ?? {}) as Record<string, unknown>))
  }
  return out
}

/** " (median of N rounds)" when a stage ran in rounds. */
export function roundsNote (r: Results, dataset: string, stage: string): string {
  const n = r.results.filter(x => x.dataset === dataset && x.system === 'streamfit' && x.stage === stage && x.error === undefined).length
  return n > 1 ? ` (median of ${n} rounds)` : ''
}

/** A figure from a stage: the rate chosen by `rate`, or the stage's error, or null when it did not run. */
export function figure (s: StageResult | undefined, rate: (json: Record<string, unknown>) => number, seconds = (json: Record<string, unknown>) => num(json.wallSeconds ?? json.seconds)): Figure | string | null {
  if (s === undefined) return null
  if (s.error !== undefined) return `failed: ${s.error}`
  return { rate: rate(s.json), seconds: seconds(s.json), rssMb: s.peakRssMb, ...(typeof s.json.backend === 'string' ? { backend: s.json.backend } : {}) }
}

/**
 * A streamfit scoring stage's rate from its first commit to its last; none (shown as –) when those
 * were one commit (a small topic in one transaction of the commit interval): no interval to divide by.
 */
function steadyRate (j: Record<string, unknown>): number {
  return num(j.seconds) - num(j.firstBatchSeconds) < 0.01 ? Number.NaN : num(j.steadyRecordsPerSecond)
}

export function tableRows (r: Results): Row[] {
  const rows: Row[] = []
  for (const d of r.datasets) {
    const sf = (stage: string): StageResult | undefined => pick(r, d.name, 'streamfit', stage)
    const tf = (stage: string): StageResult | undefined => pick(r, d.name, 'tfio', stage)
    const epochs = `${d.trainEpochs} epoch${d.trainEpochs === 1 ? '' : 's'}`
    rows.push({
      id: 'load', dataset: d.name, label: 'load: rows written/s (streamfit load vs kafka-python)', chartLabel: 'load',
      streamfit: figure(sf('load'), j => num(j.recordsPerSecond)),
      tfio: figure(tf('load'), j => num(j.recordsPerSecond))
    })
    rows.push({
      id: 'train', dataset: d.name, label: `train, ${epochs}: rows×epochs/s (streamfit train vs IODataset.from_kafka → fit)`, chartLabel: 'train',
      // Whole stage on both sides: rows × epochs over the stage's seconds (model set-up included).
      streamfit: figure(sf('train'), j => num(j.rows) * num(j.epochs) / num(j.wallSeconds ?? j.seconds)),
      tfio: figure(tf('train'), j => num(j.recordsPerSecond))
    })
    rows.push({
      id: 'score', dataset: d.name, label: `score, exactly-once: records/s, first → last batch (vs KafkaGroupIODataset → evaluate)${roundsNote(r, d.name, 'score')}`, chartLabel: 'score exactly-once (steady)',
      streamfit: figure(sf('score'), steadyRate),
      tfio: figure(tf('score'), j => num(j.steadyRecordsPerSecond))
    })
    rows.push({
      id: 'score-whole', dataset: d.name, label: `score, exactly-once: records/s, whole stage (group join included)${roundsNote(r, d.name, 'score')}`, chartLabel: 'score exactly-once (incl. join)',
      streamfit: figure(sf('score'), j => num(j.recordsPerSecond)),
      tfio: figure(tf('score'), j => num(j.recordsPerSecond))
    })
    rows.push({
      id: 'score-alos', dataset: d.name, label: `score, at-least-once (reference): records/s, first → last batch${roundsNote(r, d.name, 'score')}`, chartLabel: 'score at-least-once (steady)',
      streamfit: figure(sf('score-at-least-once'), steadyRate),
      tfio: figure(tf('score'), j => num(j.steadyRecordsPerSecond))
    })
    if (d.onlineEpochs !== null) {
      rows.push({
        id: 'online', dataset: d.name, label: `online, ${d.onlineEpochs} epoch${d.onlineEpochs === 1 ? '' : 's'} per mini-batch: rows/s (streamfit online vs KafkaBatchIODataset → fit)`, chartLabel: 'online',
        streamfit: figure(sf('online'), j => num(j.recordsPerSecond)),
        tfio: figure(tf('online'), j => num(j.recordsPerSecond))
      })
    }
  }
  return rows
}

export function chartBars (r: Results): Bar[] {
  const bars: Bar[] = []
  for (const row of tableRows(r)) {
    if (row.id === 'score-whole') continue // the chart shows the steady figures; the table has both
    const dataset = r.datasets.find(d => d.name === row.dataset)
    const title = dataset === undefined
      ? row.dataset
      : `${row.dataset} (${dataset.rows.toLocaleString('en-US')} rows; train ${dataset.trainEpochs} epoch${dataset.trainEpochs === 1 ? '' : 's'}${dataset.onlineEpochs !== null ? `, online ${dataset.onlineEpochs} epoch${dataset.onlineEpochs === 1 ? '' : 's'} per mini-batch` : ''})`
    for (const system of ['streamfit', 'tfio'] as const) {
      const f = row[system]
      if (f !== null && typeof f !== 'string' && Number.isFinite(f.rate) && f.rate > 0) bars.push({ dataset: title, stage: row.chartLabel, system, recordsPerSecond: f.rate })
    }
  }
  return bars
}

// ---------------------------------------------------------------- formatting

export const int = (n: number): string => Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '–'
export const fixed = (n: number, digits: number): string => Number.isFinite(n) ? n.toFixed(digits) : '–'

/** A same-run ratio written as a number followed by ×, e.g. 7.3×, 0.62×. */
export function ratioText (ratio: number): string {
  if (!Number.isFinite(ratio)) return '–'
  return `${ratio >= 10 ? ratio.toFixed(0) : ratio >= 1 ? ratio.toFixed(1) : ratio.toFixed(2)}×`
}

export function ratioOf (row: Row): number {
  const a = row.streamfit
  const b = row.tfio
  if (a === null || b === null || typeof a === 'string' || typeof b === 'string') return Number.NaN
  return a.rate / b.rate
}

export function cell (f: Figure | string | null, pickValue: (f: Figure) => string): string {
  if (f === null) return 'not run'
  if (typeof f === 'string') return f.replace(/\|/g, '/').slice(0, 120)
  return pickValue(f)
}
