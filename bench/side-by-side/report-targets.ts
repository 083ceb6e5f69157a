// The report's targets (met or missed, by how much), where the time goes, and the scoring
// figures, for bench/results.md.
import { fixed, int, num, pick, ratioOf, ratioText, tableRows, type Results, type Row } from './report-figures.js'
// ---------------------------------------------------------------- targets and profile

/** `bar`: what the target requires; `goal`: what it aims at (the bar, when there is no other). */
interface Target { name: string, id: Row['id'], bar?: number, goal: number, text: string }

const TARGETS: Target[] = [
  { name: 'exactly-once scoring ≥ 3× tfio\'s group-dataset scoring (goal 5×)', id: 'score', bar: 3, goal: 5, text: 'score, exactly-once, first → last batch' },
  { name: 'Kafka-fed training at least on par with tfio per row', id: 'train', goal: 1, text: 'train, rows×epochs/s' },
  { name: 'load ≥ 2× kafka-python', id: 'load', goal: 2, text: 'load, rows written/s' }
]

export function targetsSection (r: Results): string {
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
    const bar = t.bar ?? t.goal
    const short = (of: number): string => `${ratioText(ratio)} of the ${of}× (${Math.round((1 - ratio / of) * 100)}% short)`
    const verdict = !Number.isFinite(ratio)
      ? 'not measured'
      : ratio >= t.goal
        ? `**met** (goal ${t.goal}×)`
        : ratio >= bar
          ? `**met** (bar ${bar}×); goal ${t.goal}× not reached: ${short(t.goal)}`
          : `**missed** by ${ratioText(bar / ratio)}: ${short(bar)}`
    const all = rows.filter(x => x.id === t.id).map(x => `${x.dataset} ${ratioText(ratioOf(x))}`).join(', ')
    out.push(`| ${t.name} (${t.text}) | ${ratioText(ratio)} | ${verdict} | ${all} |`)
  }
  return out.join('\n')
}

export function profileSection (r: Results): string {
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

export function scoringSection (r: Results): string {
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
    const sink = num(b.sinkSeconds)
    const tfRate = tf !== undefined && tf.error === undefined ? num(tf.json.steadyRecordsPerSecond) : Number.NaN
    if (stage === 'score') { modelCeiling = num(j.records) / predict / tfRate; sinkCeiling = num(j.records) / sink / tfRate; scoreBackend = String(j.backend ?? scoreBackend) }
    out.push(`- streamfit ${String(j.guarantee)} on ${judged}: ${int(num(j.records))} records in ${fixed(active, 2)} s (first batch done after ${fixed(num(j.firstBatchSeconds), 2)} s), ${int(batches)} batches` +
      `${num(j.transactions) > 0 ? ` and ${int(num(j.transactions))} transactions` : ''}. Inside the model (forward pass on tfjs ${String(j.backend ?? '')}): ${share(predict)}, ` +
      `i.e. ${int(num(j.records) / predict)} records/s for prediction alone; ` +
      `inside the sink (produce${j.guarantee === 'exactly-once' ? ' + commit the transaction' : ' + commit offsets'}): ${share(sink)}, ${fixed(sink / batches * 1000, 0)} ms per batch. ` +
      `The two overlap (a batch is predicted while the previous one commits); process CPU ${fixed(num(b.cpuSeconds), 1)} s.`)
  }
  if (tf !== undefined && tf.error === undefined) {
    const j = tf.json
    out.push(`- tfio on ${judged}: first batch evaluated after ${fixed(num(j.firstBatchSeconds), 2)} s (group join and the first poll, which returns up to 10,000 records), then ${int(num(j.steadyRecordsPerSecond))} records/s: \`model.evaluate\` over records already in memory, natively. It writes nothing back to Kafka: the tutorial's scoring yields metrics, no predictions topic, no committed progress per batch.`)
  }
  if (out.length === 0) return ''
  return ['', '### Where the scoring time goes', '', ...out, '',
    Number.isFinite(modelCeiling) && Number.isFinite(sinkCeiling)
      ? `Both halves are on the critical path. Measured alone, the forward pass (tfjs on ${scoreBackend}) processes records at ${ratioText(modelCeiling)} tfio's steady scoring rate, and the sink (produce + one transaction per 100 ms commit interval) at ${ratioText(sinkCeiling)}: even with one of them free, the other would hold the exactly-once scorer near that multiple. ` +
        'What remains is mostly one JavaScript thread: the Kafka client\'s record decoding and encoding, CSV parsing and garbage collection, on two cores shared with the broker and the model\'s worker.'
      : ''].join('\n')
}
