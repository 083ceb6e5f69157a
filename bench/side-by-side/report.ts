// bench/results.md from the run's results: the side-by-side table with same-run ratios, model
// quality on the same test rows, the targets (met or missed, by how much, and where the time
// goes), the machine and its load, versions, method and how to reproduce.
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

interface Figure { rate: number, seconds: number, rssMb: number, /** The compute backend the stage ran on, when it computes. */ backend?: string }

interface Row {
  /** Stable id, used by the targets and the chart. */
  id: 'load' | 'train' | 'score' | 'score-whole' | 'score-alos' | 'online'
  label: string
  chartLabel: string
  dataset: string
  streamfit: Figure | string | null
  tfio: Figure | string | null
}

const num = (v: unknown): number => typeof v === 'number' ? v : Number.NaN

/**
 * A stage's result; a stage run in several rounds (scoring) gives the median of each figure
 * over its successful rounds (peak RSS: the highest).
 */
function pick (r: Results, dataset: string, system: System, stage: string): StageResult | undefined {
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

function median (xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 === 1 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}

/** Field by field: medians of numbers (nested objects too), the first round's other values. */
function medianOf (objects: Array<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...objects[0] }
  for (const [key, value] of Object.entries(objects[0])) {
    if (typeof value === 'number') out[key] = median(objects.map(o => num(o[key])))
    else if (value !== null && typeof value === 'object' && !Array.isArray(value)) out[key] = medianOf(objects.map(o => (o[key] ?? {}) as Record<string, unknown>))
  }
  return out
}

/** " (median of N rounds)" when a stage ran in rounds. */
function roundsNote (r: Results, dataset: string, stage: string): string {
  const n = r.results.filter(x => x.dataset === dataset && x.system === 'streamfit' && x.stage === stage && x.error === undefined).length
  return n > 1 ? ` (median of ${n} rounds)` : ''
}

/** A figure from a stage: the rate chosen by `rate`, or the stage's error, or null when it did not run. */
function figure (s: StageResult | undefined, rate: (json: Record<string, unknown>) => number, seconds = (json: Record<string, unknown>) => num(json.wallSeconds ?? json.seconds)): Figure | string | null {
  if (s === undefined) return null
  if (s.error !== undefined) return `failed: ${s.error}`
  return { rate: rate(s.json), seconds: seconds(s.json), rssMb: s.peakRssMb, ...(typeof s.json.backend === 'string' ? { backend: s.json.backend } : {}) }
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
      streamfit: figure(sf('score'), j => num(j.steadyRecordsPerSecond)),
      tfio: figure(tf('score'), j => num(j.steadyRecordsPerSecond))
    })
    rows.push({
      id: 'score-whole', dataset: d.name, label: `score, exactly-once: records/s, whole stage (group join included)${roundsNote(r, d.name, 'score')}`, chartLabel: 'score exactly-once (incl. join)',
      streamfit: figure(sf('score'), j => num(j.recordsPerSecond)),
      tfio: figure(tf('score'), j => num(j.recordsPerSecond))
    })
    rows.push({
      id: 'score-alos', dataset: d.name, label: `score, at-least-once (reference): records/s, first → last batch${roundsNote(r, d.name, 'score')}`, chartLabel: 'score at-least-once (steady)',
      streamfit: figure(sf('score-at-least-once'), j => num(j.steadyRecordsPerSecond)),
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

const int = (n: number): string => Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '–'
const fixed = (n: number, digits: number): string => Number.isFinite(n) ? n.toFixed(digits) : '–'

/** A same-run ratio written as a number followed by ×, e.g. 7.3×, 0.62×. */
export function ratioText (ratio: number): string {
  if (!Number.isFinite(ratio)) return '–'
  return `${ratio >= 10 ? ratio.toFixed(0) : ratio >= 1 ? ratio.toFixed(1) : ratio.toFixed(2)}×`
}

function ratioOf (row: Row): number {
  const a = row.streamfit
  const b = row.tfio
  if (a === null || b === null || typeof a === 'string' || typeof b === 'string') return Number.NaN
  return a.rate / b.rate
}

function cell (f: Figure | string | null, pickValue: (f: Figure) => string): string {
  if (f === null) return 'not run'
  if (typeof f === 'string') return f.replace(/\|/g, '/').slice(0, 120)
  return pickValue(f)
}

function mainTable (r: Results): string {
  const lines = [
    '| stage | data set | streamfit | tfio (tutorial) | streamfit/tfio | seconds (streamfit / tfio) | peak RSS MB (streamfit / tfio) |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: |'
  ]
  for (const row of tableRows(r)) {
    // Each rate names the backend that computed it (load computes nothing).
    const rate = (f: Figure): string => `${int(f.rate)}${f.backend !== undefined ? ` (${f.backend})` : ''}`
    lines.push(`| ${row.label} | ${row.dataset} | ${cell(row.streamfit, rate)} | ${cell(row.tfio, rate)} | **${ratioText(ratioOf(row))}** | ` +
      `${cell(row.streamfit, f => fixed(f.seconds, 1))} / ${cell(row.tfio, f => fixed(f.seconds, 1))} | ${cell(row.streamfit, f => int(f.rssMb))} / ${cell(row.tfio, f => int(f.rssMb))} |`)
  }
  return lines.join('\n')
}

function cpuTable (r: Results): string {
  const lines = [
    '| stage | data set | streamfit: process CPU-s / broker CPU-s | tfio: process CPU-s / broker CPU-s | wall s of the process (streamfit / tfio) |',
    '| --- | --- | ---: | ---: | ---: |'
  ]
  const show = (s: StageResult | undefined): string => s === undefined || s.error !== undefined ? '–' : `${fixed(s.cpuSeconds, 1)} / ${fixed(s.brokerCpuSeconds, 1)}`
  const wall = (s: StageResult | undefined): string => s === undefined || s.error !== undefined ? '–' : fixed(s.processSeconds, 1)
  for (const d of r.datasets) {
    for (const [stage, tfStage] of [['load', 'load'], ['train', 'train'], ['evaluate', ''], ['score', 'score'], ['score-at-least-once', ''], ['online', 'online']]) {
      const sf = pick(r, d.name, 'streamfit', stage)
      const tf = tfStage !== '' ? pick(r, d.name, 'tfio', tfStage) : undefined
      if (sf === undefined && tf === undefined) continue
      lines.push(`| ${stage} | ${d.name} | ${show(sf)} | ${show(tf)} | ${wall(sf)} / ${wall(tf)} |`)
    }
  }
  return lines.join('\n')
}

function qualityTable (r: Results): string {
  const lines = [
    '| data set | model | streamfit: accuracy / AUC | tfio: accuracy / AUC | how |',
    '| --- | --- | ---: | ---: | --- |'
  ]
  const pair = (j: Record<string, unknown> | undefined, acc: string, auc: string | null): string =>
    j === undefined ? '–' : `${fixed(num(j[acc]), 4)}${auc !== null ? ` / ${fixed(num(j[auc]), 4)}` : ''}`
  for (const d of r.datasets) {
    const sf = (stage: string): Record<string, unknown> | undefined => { const s = pick(r, d.name, 'streamfit', stage); return s?.error === undefined ? s?.json : undefined }
    const tf = (stage: string): Record<string, unknown> | undefined => { const s = pick(r, d.name, 'tfio', stage); return s?.error === undefined ? s?.json : undefined }
    lines.push(`| ${d.name} | after train (${d.trainEpochs} ep.), on the ${d.testRows.toLocaleString('en-US')} test rows | ${pair(sf('evaluate'), 'accuracy', 'auc')} | ${pair(tf('score'), 'accuracy', 'auc')} | streamfit evaluate on the test rows; tfio model.evaluate over KafkaGroupIODataset on the same rows |`)
    lines.push(`| ${d.name} | train, last epoch (training accuracy) | ${pair(sf('train'), 'accuracy', null)} | ${pair(tf('train'), 'accuracy', null)} | running accuracy of the last epoch, dropout on |`)
    if (d.onlineEpochs !== null) {
      lines.push(`| ${d.name} | online, continuing the trained model | ${pair(sf('online'), 'prequentialAccuracy', 'prequentialAuc')} (prequential) | ${pair(tf('online'), 'accuracy', null)} (last mini-batch fit) | streamfit scores each mini-batch before learning it; the tutorial reports only its training accuracy |`)
    }
  }
  return lines.join('\n')
}

// ---------------------------------------------------------------- targets and profile

interface Target { name: string, id: Row['id'], goal: number, text: string }

const TARGETS: Target[] = [
  { name: 'exactly-once scoring ≥ 5× tfio\'s group-dataset scoring', id: 'score', goal: 5, text: 'score, exactly-once, first → last batch' },
  { name: 'Kafka-fed training at least on par with tfio per row', id: 'train', goal: 1, text: 'train, rows×epochs/s' },
  { name: 'load ≥ 2× kafka-python', id: 'load', goal: 2, text: 'load, rows written/s' }
]

function targetsSection (r: Results): string {
  const rows = tableRows(r)
  const judged = r.datasets.at(-1)?.name ?? ''
  const out = [
    `Judged on the largest data set of the run (**${judged}**, throughput); the other data sets' ratios are listed for comparison.`,
    '',
    '| target | ratio | verdict | all data sets |',
    '| --- | ---: | --- | --- |'
  ]
  for (const t of TARGETS) {
    const row = rows.find(x => x.id === t.id && x.dataset === judged)
    const ratio = row !== undefined ? ratioOf(row) : Number.NaN
    const verdict = !Number.isFinite(ratio)
      ? 'not measured'
      : ratio >= t.goal
        ? `**met** (goal ${t.goal}×)`
        : `**missed** by ${ratioText(t.goal / ratio)}: ${ratioText(ratio)} of the ${t.goal}× goal (${Math.round((1 - ratio / t.goal) * 100)}% short)`
    const all = rows.filter(x => x.id === t.id).map(x => `${x.dataset} ${ratioText(ratioOf(x))}`).join(', ')
    out.push(`| ${t.name} (${t.text}) | ${ratioText(ratio)} | ${verdict} | ${all} |`)
  }
  return out.join('\n')
}

function profileSection (r: Results): string {
  const tf = r.results.find(x => x.system === 'tfio' && x.stage === 'profile-train')
  const sf = r.results.find(x => x.system === 'streamfit' && x.stage === 'profile-train')
  if (tf === undefined && sf === undefined) return 'No profile in this run (`--no-profile`).'
  const out: string[] = []
  const tfLines = tf?.lines ?? (tf !== undefined ? [tf.json] : [])
  const readOnly = tfLines.find(l => l.stage === 'train-read-only')
  const fromMemory = tfLines.find(l => l.stage === 'train-from-memory')
  const tfTrain = tf !== undefined ? pick(r, tf.dataset, 'tfio', 'train') : undefined
  const sfTrain = sf !== undefined ? pick(r, sf.dataset, 'streamfit', 'train') : undefined
  out.push(`Both sides' training, taken apart on the ${tf?.dataset ?? sf?.dataset} train rows in the same run (one epoch each; rows/s of wall time on a shared machine, so read them as ratios within a side):`)
  out.push('')
  out.push('| side | pipeline | rows/s | rows per CPU-second |')
  out.push('| --- | --- | ---: | ---: |')
  if (tfTrain?.error === undefined && tfTrain !== undefined) out.push(`| tfio | the tutorial's stage: from_kafka → shuffle → decode → batch → fit (above) | ${int(num(tfTrain.json.recordsPerSecond))} | |`)
  if (readOnly !== undefined) out.push(`| tfio | IODataset.from_kafka read alone (no decode, no model) | ${int(num(readOnly.recordsPerSecond))} | |`)
  if (fromMemory !== undefined) out.push(`| tfio | the same fit fed from memory (from_tensor_slices) | ${int(num(fromMemory.recordsPerSecond))} | |`)
  if (tf?.error !== undefined) out.push(`| tfio | profile-train | ${tf.error} | |`)
  const variants = Array.isArray(sf?.json.results) ? sf.json.results as Array<Record<string, unknown>> : []
  if (sfTrain?.error === undefined && sfTrain !== undefined) out.push(`| streamfit | the train stage (above), ${String(sfTrain.json.backend)} | ${int(num(sfTrain.json.rows) * num(sfTrain.json.epochs) / num(sfTrain.json.wallSeconds ?? sfTrain.json.seconds))} | |`)
  for (const v of variants) out.push(`| streamfit | bench/train.ts: ${String(v.variant)} (${String(sf?.json.backend)}) | ${int(num(v.rowsPerSecond))} | ${int(num(v.rowsPerCpuSecond))} |`)
  if (sf?.error !== undefined) out.push(`| streamfit | bench/train.ts | ${sf.error} | |`)
  out.push('')
  const memSf = variants.find(v => v.variant === 'in-memory model.fit')
  const kafkaSf = variants.find(v => v.variant === 'kafka, re-read each epoch')
  if (memSf !== undefined && kafkaSf !== undefined) {
    const share = num(kafkaSf.rowsPerSecond) / num(memSf.rowsPerSecond)
    out.push(`- streamfit: Kafka-fed training runs at ${Math.round(share * 100)}% of its own in-memory \`model.fit\` on the same backend (per CPU-second: ${Math.round(num(kafkaSf.cpuRatio) * 100)}%), so ${share >= 0.75 ? 'reading, decoding and shuffling the records costs little; the time goes to the model\'s compute on the tfjs backend' : 'a sizeable part of the time goes to reading and decoding records; see bench/consume.ts and bench/operators.ts'}.`)
  }
  if (readOnly !== undefined && fromMemory !== undefined && tfTrain?.json !== undefined) {
    out.push(`- tfio: the same fit from memory runs at ${int(num(fromMemory.recordsPerSecond))} rows/s against ${int(num(tfTrain.json.recordsPerSecond))} for the tutorial's pipeline, and \`from_kafka\` alone reads ${int(num(readOnly.recordsPerSecond))} rows/s: tensorflow-io's reader is its bottleneck (bench/tfio/README.md: it reads in ranges of 1,024 offsets, each first fetch waiting up to librdkafka's fetch.wait.max.ms).`)
  }
  if (memSf !== undefined && fromMemory !== undefined) {
    out.push(`- Compute alone (both fed from memory, batch 64, the same 68,481-parameter MLP): TensorFlow native ${int(num(fromMemory.recordsPerSecond))} rows/s vs tfjs ${String(sf?.json.backend)} ${int(num(memSf.rowsPerSecond))} rows/s (${ratioText(num(memSf.rowsPerSecond) / num(fromMemory.recordsPerSecond))}).`)
  }
  return out.join('\n')
}

function scoringSection (r: Results): string {
  const judged = r.datasets.at(-1)?.name ?? ''
  const out: string[] = []
  const tf = pick(r, judged, 'tfio', 'score')
  // Ceilings for the exactly-once scorer, as multiples of tfio's rate: records over the time
  // spent in the model alone (a free sink) and in the sink alone (a free model).
  let modelCeiling = Number.NaN
  let sinkCeiling = Number.NaN
  let scoreBackend = 'its backend'
  for (const stage of ['score', 'score-at-least-once']) {
    const s = pick(r, judged, 'streamfit', stage)
    if (s === undefined || s.error !== undefined) continue
    const j = s.json
    const b = (j.breakdown ?? {}) as Record<string, unknown>
    const active = num(j.seconds)
    const share = (x: number): string => `${fixed(x, 2)} s (${Math.round(x / active * 100)}%)`
    const batches = num(j.batches)
    const predict = num(b.predictSeconds)
    const tfRate = tf !== undefined && tf.error === undefined ? num(tf.json.steadyRecordsPerSecond) : Number.NaN
    if (stage === 'score') { modelCeiling = num(j.records) / predict / tfRate; sinkCeiling = num(j.records) / num(b.sinkSeconds) / tfRate; scoreBackend = String(j.backend ?? scoreBackend) }
    out.push(`- streamfit ${String(j.guarantee)} on ${judged}: ${int(num(j.records))} records in ${fixed(active, 2)} s (first batch done after ${fixed(num(j.firstBatchSeconds), 2)} s), ${int(batches)} batches` +
      `${num(j.transactions) > 0 ? ` and ${int(num(j.transactions))} transactions` : ''}. Inside the model (forward pass on tfjs ${String(j.backend ?? '')}): ${share(predict)}, ` +
      `i.e. ${int(num(j.records) / predict)} records/s for prediction alone; inside the sink (produce${j.guarantee === 'exactly-once' ? ' + commit the transaction' : ' + commit offsets'}): ${share(num(b.sinkSeconds))}, ` +
      `${fixed(num(b.sinkSeconds) / batches * 1000, 0)} ms per batch. The two overlap (a batch is predicted while the previous one commits); process CPU ${fixed(num(b.cpuSeconds), 1)} s.`)
  }
  if (tf !== undefined && tf.error === undefined) {
    const j = tf.json
    out.push(`- tfio on ${judged}: first batch evaluated after ${fixed(num(j.firstBatchSeconds), 2)} s (group join and the first poll, which returns up to 10,000 records), then ${int(num(j.steadyRecordsPerSecond))} records/s: \`model.evaluate\` over records already in memory, natively. It writes nothing back to Kafka: the tutorial's scoring yields metrics, no predictions topic, no committed progress per batch.`)
  }
  if (out.length === 0) return ''
  return ['', '### Where the scoring time goes', '', ...out, '',
    Number.isFinite(modelCeiling) && Number.isFinite(sinkCeiling)
      ? `Both halves are on the critical path. Measured alone, the forward pass (tfjs on ${scoreBackend}) processes records at ${ratioText(modelCeiling)} tfio's steady scoring rate, and the sink (produce + transaction, 1,024 records per transaction) at ${ratioText(sinkCeiling)}: even with one of them free, the other would hold the exactly-once scorer near that multiple. ` +
        'Reaching 5× needs both to get faster: the model on the native backend (`streamfit backend install`; tensorflow-io\'s side runs natively) and fewer broker round trips per record (larger transactions, `streamfit score --batch-size`; the table uses the default 1,024 records or 100 ms).'
      : ''].join('\n')
}

// ---------------------------------------------------------------- the document

export function renderReport (r: Results): string {
  const m = r.machine
  const samples = r.loadSamples.map(s => s.load1)
  const loadRange = samples.length > 0 ? `; 1-minute load during the run ${fixed(Math.min(...samples), 1)}–${fixed(Math.max(...samples), 1)} (sampled every 15 s)` : ''
  const sfTrain = r.results.find(x => x.system === 'streamfit' && x.stage === 'train' && x.error === undefined)
  const tfTrain = r.results.find(x => x.system === 'tfio' && x.stage === 'train' && x.error === undefined)
  const tv = r.versions.tfio
  const failed = r.results.filter(x => x.error !== undefined)
  return `# streamfit vs the TensorFlow I/O tutorial, side by side

Generated by \`${r.command}\` on ${r.date.slice(0, 19).replace('T', ' ')} UTC (${Math.round(r.durationSeconds / 60 * 10) / 10} minutes).
Same broker (${r.brokers}, Apache Kafka ${String(r.versions.broker)}), same rows, one run: the two systems alternate stage by stage
(tfio first on the first data set, streamfit first on the next). Ratios are streamfit/tfio from this run; above 1× streamfit is faster.

![records/s per stage](results.png)

## Throughput

${mainTable(r)}
${failed.length > 0 ? `\nFailed stages: ${failed.map(f => `${f.system} ${f.stage} on ${f.dataset} (${f.error})`).join('; ')}.\n` : ''}
Backends: streamfit computes with tfjs on **${String(sfTrain?.json.backend ?? 'unknown')}** (\`node\` is tfjs-node, native TensorFlow, from \`streamfit backend install\`; each streamfit rate above names its backend); tfio with **${String(tfTrain?.json.backend ?? 'TensorFlow')}** (oneDNN kernels), reading Kafka through ${String(tfTrain?.json.reader ?? 'tensorflow-io')}.

What each side does per stage: **load** streamfit sends batches of up to 4,096 records with acks=all, kafka-python its defaults (acks=1, one producer per topic, as in the tutorial); **train** both read the train topic again every epoch, shuffle 64, batch 64, same MLP and optimiser; **score** streamfit writes one prediction per record to a predictions topic and commits progress (in a transaction, or offsets for at-least-once), the tutorial computes loss/accuracy/AUC and writes nothing; **online** streamfit takes mini-batches of up to 256 records per poll, scores each before fitting it (prequential accuracy) and saves a model version with its offsets every 10 mini-batches or 30 s, the tutorial fits the 10,000-record mini-batches tensorflow-io hands it and saves nothing.

CPU per stage (process: all threads, start-up included, from \`time -v\`; broker: the local broker's CPU while the stage ran):

${cpuTable(r)}

## Model quality on the same rows

${qualityTable(r)}

Accuracy/AUC come from the real rows (susy-8k). The synthetic sets are for throughput: their test rows have near-twins among their train rows, so their figures are inflated (bench/tfio/README.md).

## Targets

${targetsSection(r)}
${scoringSection(r)}

## Where the training time goes

${profileSection(r)}

## Machine

- ${m.cores} cores (${m.cpuModel}), ${m.memoryGb} GB RAM, ${m.os}
- Load average (1/5/15 min) at start ${r.loadAverageStart.join(' / ')}, at end ${r.loadAverageEnd.join(' / ')}${loadRange}.
- Other processes using CPU (over 2 s; 100% = one core) at start: ${r.busiestProcessesAtStart.join('; ') || 'none'}; at end: ${r.busiestProcessesAtEnd?.join('; ') || 'none'}.
- The machine is shared with other work: absolute rates follow its load; the ratios, from stages run back to back, are the figures to quote.

## Versions

- streamfit ${String(r.versions.streamfit)} on Node.js ${String(r.versions.node)}: @platformatic/kafka ${String(r.versions['@platformatic/kafka'])}, @tensorflow/tfjs ${String(r.versions['@tensorflow/tfjs'])} + tfjs-backend-wasm ${String(r.versions['@tensorflow/tfjs-backend-wasm'])}, rxjs ${String(r.versions.rxjs)}
- tfio side: Python ${String(tv.python)}, tensorflow-cpu ${String(tv.tensorflow)}, tensorflow-io ${String(tv.tensorflowIo)} (librdkafka ${String(tv.tfioLibrdkafka)}), Keras ${String(tv.keras)}, kafka-python ${String(tv.kafkaPython)}, numpy ${String(tv.numpy)}
- Broker: Apache Kafka ${String(r.versions.broker)} (KRaft, single node) at ${r.brokers}

## Method

- Data sets: ${r.datasets.map(d => `**${d.name}**: ${d.origin}, ${d.trainRows.toLocaleString('en-US')} train + ${d.testRows.toLocaleString('en-US')} test rows, train ${d.trainEpochs} epoch${d.trainEpochs === 1 ? '' : 's'}${d.onlineEpochs !== null ? `, online ${d.onlineEpochs} epoch${d.onlineEpochs === 1 ? '' : 's'} per mini-batch` : ', no online stage'}`).join('; ')}.
- Same rows in the same topics: streamfit loads the file with its seeded 60/40 split (seed 42); the tutorial's script loads the same file rewritten in that split's order (its loader splits by file order), so both train topics hold the same rows in the same order, and both test topics the same rows. Separate topics per system and data set, fresh consumer groups per stage.
- streamfit's load, train and evaluate stages run the CLI (\`streamfit load|train|evaluate --json\`); its score and online stages run bench/side-by-side/stage.ts, which makes the same calls as \`streamfit score\` / \`streamfit online\` (the registry's latest model, runScore / runOnline with the CLI's defaults) and also notes when the last batch committed, so that the trailing stream-timeout wait can be left out as on tfio's side. tfio's stages run bench/tfio/tutorial.py's subcommands.
- Each stage is its own process, wrapped by \`/usr/bin/time -v\`: peak RSS is its "Maximum resident set size" (same method both sides; the Python stages import TensorFlow, streamfit's include the WASM backend and its worker threads).
- Timing, the same on both sides (each process times itself; start-up and imports excluded): **load** from reading the file to the last acknowledgement (topics created beforehand on both sides); **train** the whole stage, rows × epochs over its seconds (model creation and the first epoch's tracing/compilation included on both sides); **score** and **online** from creating the consumer to the last batch, leaving out the trailing stream-timeout wait on both sides; "first → last batch" leaves out the group join too (tfio's steadyRecordsPerSecond, and the same measured around streamfit's runScore). Exactly-once commits one Kafka transaction per batch of 1,024 (predictions + offsets); at-least-once writes the same predictions then commits offsets. On the 8k set the test topic holds 3,200 rows, 4 of streamfit's batches: its first → last batch figure rests on 3 batches, so there the whole-stage row is the steadier one. Stages run in several rounds (scoring on the largest data set) report the median of each figure.
- The tutorial's pipeline runs with two workarounds that Kafka 4 forces on tensorflow-io 0.37.1 (its librdkafka 1.5.0 asks for ListOffsets v0, removed in Kafka 4): an explicit stop offset for \`from_kafka\`, and group offsets pre-committed at 0 for the group datasets. See bench/tfio/README.md.

## Reproduce

\`\`\`sh
npm ci && bench/run --quick            # 8k real + 100k synthetic rows, under 10 minutes
bench/run                              # adds 10 epochs on 100k and the 1M-row throughput stages
KAFKA_BROKERS=host:9092 REDIS_URL=redis://host:6379 bench/run --quick   # another broker
\`\`\`

\`bench/run\` builds streamfit, makes the Python environment (bench/tfio/setup.sh, from PyPI), starts Kafka and Redis with \`streamfit up\` unless KAFKA_BROKERS/REDIS_URL point elsewhere, and writes bench/results.md, bench/results.png and bench/results.json (every stage's raw JSON line, peak RSS and process time).
`
}
