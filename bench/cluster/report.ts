// The cluster run's section of bench/results.md, between its own markers.
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import type { StallFigures } from './stall.js'

export interface ClusterResults {
  startedAt: string
  minutes: number
  /** What to read the figures with (the machine's state, a second run beside them), set with --report-only --note. */
  note?: string
  cpus: number
  /** 1-minute load average: lowest and highest seen during the run. */
  load: number[]
  records: number
  batchSize: number
  rate: number
  seconds: number
  killAt: number
  throughput: Array<{ system: string, backend: string, round: number, recordsPerSecond: number, load1: number }>
  kills: Array<StallFigures & { system: string, backend: string, round: number, victim: number, victimWasGroupCoordinator: boolean, load1: number, exited?: string }>
}

const START = '<!-- cluster:start -->'
const END = '<!-- cluster:end -->'
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US')

function median (xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  return s.length === 0 ? Number.NaN : s.length % 2 === 1 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2
}

export function renderClusterSection (r: ClusterResults): string {
  const systems = [...new Set([...r.throughput, ...r.kills].map(x => x.system))]
  const lines = [START, '', '## On a three-node cluster: exactly-once throughput and one broker kill (issue 22)', '',
    `Run ${r.startedAt.slice(0, 16).replace('T', ' ')} UTC, ${r.minutes} min, on ${r.cpus} cores shared by the three broker JVMs, both apps and the latency probe ` +
    `(1-minute load average ${r.load[0]?.toFixed(1)}–${r.load[1]?.toFixed(1)}): absolute figures are low, only the figures of the same run side by side mean anything. ` +
    '`node dist/bench/cluster/main.js` starts its own three-node KRaft cluster (free ports, its own data directories, replication 3, `min.insync.replicas` 2, ' +
    'Kafka\'s default 9 s broker session timeout), both systems exactly-once (acks=all). Kafka Streams is the tuned pass-through app (producer `batch.size` 256 KiB, `linger.ms` 5, ' +
    `**no model**); streamfit scores the tutorial's MLP at batch ${fmt(r.batchSize)} (native backend). See bench/cluster/README.md.`, '',
    ...(r.note !== undefined ? [`**Note:** ${r.note}`, ''] : [])]
  if (r.throughput.length > 0) {
    const anchor = median(r.throughput.filter(t => t.backend === 'none').map(t => t.recordsPerSecond))
    lines.push(`### Exactly-once scoring throughput, ${fmt(r.records)} records`, '', '| system | records/s (median) | rounds | vs Kafka Streams tuned |', '| --- | ---: | --- | ---: |')
    for (const system of systems) {
      const runs = r.throughput.filter(t => t.system === system)
      if (runs.length === 0) continue
      const rate = median(runs.map(t => t.recordsPerSecond))
      lines.push(`| ${system} | ${fmt(rate)} | ${runs.map(t => fmt(t.recordsPerSecond)).join(', ')} | ${runs[0]!.backend === 'none' ? '1' : `${(rate / anchor).toFixed(2)}×`} |`)
    }
    lines.push('', 'Committed input offsets of the group, polled from outside, from the first commit to the last; rounds interleaved, order rotated.', '')
  }
  if (r.kills.length > 0) {
    lines.push(`### One broker killed (kill -9) at a steady ${fmt(r.rate)} records/s`, '',
      `Each round: input at ${fmt(r.rate)} records/s for ${r.seconds} s (LogAppendTime topic, 2 partitions), the node leading output partition 0 killed ${r.killAt} s in (the same choice for both systems), ` +
      'restarted after the round. A `read_committed` Java consumer of the output (`LatencyProbe`) records when each output becomes visible. ' +
      '*Kill → next commit*: from the kill to the first output visible after the longest pause in committed output following it; *pause*: that pause; ' +
      '*p99 around the kill*: input append → output visible for the inputs appended in the 60 s centred on the kill. Medians over rounds; each round\'s figures after the table.', '',
      '| system | kill → next commit ms | pause ms | p99 around the kill ms | p99 before the kill ms | missing outputs | rounds |', '| --- | ---: | ---: | ---: | ---: | ---: | ---: |')
    for (const system of systems) {
      const k = r.kills.filter(x => x.system === system)
      if (k.length === 0) continue
      const m = (f: (x: typeof k[number]) => number): string => fmt(median(k.map(f)))
      lines.push(`| ${system} | ${m(x => x.resumeMs)} | ${m(x => x.gapMs)} | ${m(x => x.p99)} | ${m(x => x.p99Before)} | ${k.reduce((s, x) => s + x.missing, 0)} | ${k.length} |`)
    }
    lines.push('')
    for (const k of r.kills) {
      lines.push(`- ${k.system}, round ${k.round}: node ${k.victim} killed${k.victimWasGroupCoordinator ? ' (also the group coordinator)' : ''}; next commit ${fmt(k.resumeMs)} ms after, pause ${fmt(k.gapMs)} ms ` +
        `(longest in the 20 s before: ${fmt(k.gapBeforeMs)} ms); p50/p99/max ${fmt(k.p50)}/${fmt(k.p99)}/${fmt(k.max)} ms over ${fmt(k.measured)} records; missing ${k.missing}; ` +
        `load ${k.load1.toFixed(1)}${k.exited !== undefined ? `; the app ${k.exited}` : ''}`)
    }
    lines.push('')
  }
  lines.push(END, '')
  return lines.join('\n')
}

/** Replaces this section of results.md (or appends it). */
export function insertClusterSection (file: string, section: string): void {
  const text = existsSync(file) ? readFileSync(file, 'utf8') : ''
  const start = text.indexOf(START)
  const end = text.indexOf(END)
  const next = start >= 0 && end > start ? text.slice(0, start) + section + text.slice(end + END.length + 1) : `${text.trimEnd()}\n\n${section}`
  writeFileSync(file, next)
}
