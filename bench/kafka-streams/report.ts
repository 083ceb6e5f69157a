// The Kafka Streams comparison's section of bench/results.md, between two markers so the
// side-by-side report and this one can be rewritten independently.
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import type { Guarantee, LatencyFigures } from './java.js'

export interface Results {
  startedAt: string
  minutes: number
  /** How the figures were gathered, when not in one plain run. */
  note?: string
  records: number
  batchSize: number
  brokers: string
  cpus: number
  /** 1-minute load average: lowest and highest seen during the run. */
  load: number[]
  /** producer: which Kafka Streams app ('tuned': batch.size 256 KiB, linger.ms 5; 'stock'); absent for streamfit and in runs before the tuned anchor. */
  throughput: Array<{ system: string, backend: string, producer?: 'tuned' | 'stock', guarantee: Guarantee, round: number, recordsPerSecond: number, cpuSeconds: number, load1: number }>
  latency: Array<LatencyFigures & { system: string, backend: string, guarantee: Guarantee, load1: number }>
  rss: { records: number, backend: string, guarantee: Guarantee, samples: Array<{ seconds: number, rssMiB: number }>, minMiB: number, maxMiB: number, medianMiB: number, flat: boolean } | null
  train: Array<{ batchSize: number, rows: number, variant: string, rowsPerSecond: number, ratio: number }>
}

const START = '<!-- versus-kafka-streams:start -->'
const END = '<!-- versus-kafka-streams:end -->'
const TARGET = { throughput: 0.7, p99: 250, train: 0.9 }

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US')
const GUARANTEE_NAME: Record<Guarantee, string> = { exactly_once_v2: 'exactly-once (`exactly_once_v2`)', at_least_once: 'at-least-once' }

function median (xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  return s.length === 0 ? Number.NaN : s.length % 2 === 1 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2
}

function verdict (ok: boolean): string {
  return ok ? '**met**' : '**missed**'
}

export function renderSection (r: Results): string {
  const lines: string[] = [START, '', '## streamfit vs Kafka Streams (same broker, same rows, one run)', '',
    `Run ${r.startedAt.slice(0, 16).replace('T', ' ')} UTC, ${r.minutes} min, ${r.cpus} cores shared with the broker` +
    `${r.load.length === 2 ? `, 1-minute load average ${r.load[0]!.toFixed(1)}–${r.load[1]!.toFixed(1)} during the run` : ''}. ` +
    'Kafka Streams runs `bench/kafka-streams` (CSV → JSON per record, **no model**, one stream thread, commit interval 100 ms), ' +
    'tuned for throughput as a user would (producer `batch.size` 256 KiB, `linger.ms` 5) and, for reference, with its stock producer (16 KiB); ' +
    `streamfit runs \`streamfit score\` with the tutorial's MLP (68,481 weights) at batch ${fmt(r.batchSize)}, on the backend named in each row. ` +
    'Throughput counts records whose results are committed: the group\'s committed input offsets, polled from outside, from the first commit to the last ' +
    '(start-up left out, the same for both). Regenerate: `bench/versus` (or `bench/run`, which calls it).', '',
    ...(r.note !== undefined ? [`**Note:** ${r.note}`, ''] : [])]
  if (r.throughput.length > 0) {
    const hasTuned = r.throughput.some(t => t.producer === 'tuned')
    lines.push(`### Scoring throughput, ${fmt(r.records)} records`, '',
      hasTuned ? '| system | backend | guarantee | records/s (median) | vs Kafka Streams tuned | vs Kafka Streams stock | target (vs tuned) |' : '| system | backend | guarantee | records/s (median) | vs Kafka Streams, same guarantee | target |',
      hasTuned ? '| --- | --- | --- | ---: | ---: | ---: | --- |' : '| --- | --- | --- | ---: | ---: | --- |')
    for (const guarantee of ['exactly_once_v2', 'at_least_once'] as Guarantee[]) {
      const ksRate = (producer: 'tuned' | 'stock'): number => median(r.throughput.filter(t => t.guarantee === guarantee && t.backend === 'none' && (t.producer ?? 'stock') === producer).map(t => t.recordsPerSecond))
      const tuned = ksRate('tuned')
      const stock = ksRate('stock')
      // The anchor: the tuned app when the run has one (issue 22), the stock one in older runs.
      const anchor = hasTuned ? tuned : stock
      const ratio = (rate: number, of: number): string => Number.isNaN(of) ? '–' : rate === of ? '1' : `${(rate / of).toFixed(2)}×`
      for (const system of [...new Set(r.throughput.map(t => t.system))]) {
        const runs = r.throughput.filter(t => t.guarantee === guarantee && t.system === system)
        if (runs.length === 0) continue
        const rate = median(runs.map(t => t.recordsPerSecond))
        const isKs = runs[0]!.backend === 'none'
        const target = isKs ? '' : runs[0]!.backend === 'node' ? `≥ ${TARGET.throughput}×: ${verdict(rate / anchor >= TARGET.throughput)}` : '(WASM, for reference)'
        lines.push(hasTuned
          ? `| ${system} | ${runs[0]!.backend} | ${GUARANTEE_NAME[guarantee]} | ${fmt(rate)} | ${ratio(rate, tuned)} | ${ratio(rate, stock)} | ${target} |`
          : `| ${system} | ${runs[0]!.backend} | ${GUARANTEE_NAME[guarantee]} | ${fmt(rate)} | ${ratio(rate, anchor)} | ${target} |`)
      }
    }
    lines.push('', `Each figure is the median of ${Math.max(...r.throughput.map(t => t.round))} round(s); the 1-minute load average at each run's start: ` +
      r.throughput.map(t => t.load1.toFixed(1)).join(', ') + '.', '')
  }
  if (r.latency.length > 0) {
    lines.push('### Latency at 5,000 records/s', '', 'From an input record\'s append (the broker\'s LogAppendTime) to its output being returned by a `read_committed` Java consumer ' +
      '(`bench/kafka-streams/src/.../LatencyProbe.java`, matched by the input partition and offset in the output), first 10 s left out as warm-up.', '',
      '| system | backend | guarantee | p50 ms | p90 ms | p99 ms | max ms | measured | missing | target |', '| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |')
    for (const l of r.latency) {
      const target = l.backend === 'node' && l.guarantee === 'exactly_once_v2' ? `p99 < ${TARGET.p99} ms: ${verdict(l.p99 < TARGET.p99 && l.missing === 0)}` : ''
      lines.push(`| ${l.system} | ${l.backend} | ${GUARANTEE_NAME[l.guarantee]} | ${l.p50} | ${l.p90} | ${l.p99} | ${l.max} | ${fmt(l.measured)} | ${fmt(l.missing)} | ${target} |`)
    }
    lines.push('')
  }
  if (r.rss !== null) {
    const s = r.rss
    lines.push('### Scorer memory', '', `\`streamfit score\` (${s.backend}, exactly-once) over ${fmt(s.records)} records, RSS sampled every second: after the first fifth of the run ` +
      `${fmt(s.minMiB)}–${fmt(s.maxMiB)} MiB, median ${fmt(s.medianMiB)} MiB (${s.samples.length} samples). Flat within ±10%: ${verdict(s.flat)}. ` +
      `Samples (s: MiB): ${thin(s.samples).map(x => `${x.seconds}: ${x.rssMiB}`).join(', ')}.`, '')
  }
  if (r.train.length > 0) {
    lines.push('### Training from Kafka vs in memory, native backend', '', '`node --max-semi-space-size=32 dist/bench/train.js --backend node --synthetic 100000 --epochs 3 --rounds 3` (with the CLI\'s Node flags; median of 3 rounds, order rotated).', '',
      '| batch | variant | rows/s | vs in-memory fit | target |', '| ---: | --- | ---: | ---: | --- |')
    for (const t of r.train) {
      const target = t.batchSize === 1024 && t.variant === 'kafka, re-read each epoch' ? `≥ ${TARGET.train}×: ${verdict(t.ratio >= TARGET.train)}` : ''
      lines.push(`| ${t.batchSize} | ${t.variant} | ${fmt(t.rowsPerSecond)} | ${t.ratio.toFixed(2)}× | ${target} |`)
    }
    lines.push('')
  }
  lines.push(END, '')
  return lines.join('\n')
}

function thin<T> (xs: T[], n = 12): T[] {
  if (xs.length <= n) return xs
  return Array.from({ length: n }, (_, i) => xs[Math.round(i * (xs.length - 1) / (n - 1))]!)
}

/** This section as it stands in `text` (markers included), or null. */
export function sectionOf (text: string): string | null {
  const start = text.indexOf(START)
  const end = text.indexOf(END)
  return start >= 0 && end > start ? text.slice(start, end + END.length) + '\n' : null
}

/** Replaces this section of results.md (or appends it). */
export function insertSection (file: string, section: string): void {
  const text = existsSync(file) ? readFileSync(file, 'utf8') : ''
  const start = text.indexOf(START)
  const end = text.indexOf(END)
  const next = start >= 0 && end > start ? text.slice(0, start) + section + text.slice(end + END.length + 1) : `${text.trimEnd()}\n\n${section}`
  writeFileSync(file, next)
}
