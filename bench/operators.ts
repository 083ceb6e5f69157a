// Operator throughput on real SUSY rows, in one process so the ratios are fair:
// - decodeCsv (byte-level parser) against a naive decoder (toString + split + Number);
// - the spec-driven decoder (decodeRecords over compileDecoder) on the same 18 features, as the
//   SUSY spec's CSV and as JSON objects {"lepton_1_pT": …} (the same number texts), against it;
// - toArrays, fresh arrays against a reused pool;
// - shuffle(64) and batch(64) for scale.
// Each case runs several rounds interleaved with the others; the median is printed. A separate,
// untimed round measures heap bytes allocated per record (V8's sampling heap profiler, counting
// objects that minor and major GCs already collected): garbage, the thing "no per-record garbage"
// is about. Off-heap ArrayBuffer stores are not in that figure; the GC column shows their cost.
// Run: npx tsc -p . && node dist/bench/operators.js [records]   (default 500000)
import { PerformanceObserver } from 'node:perf_hooks'
import { Session } from 'node:inspector/promises'
import { from, map, Observable, type OperatorFunction } from 'rxjs'
import { readSusySample } from '../src/data/sample.js'
import { batch, compileDecoder, decodeCsv, decodeRecords, parseFeatures, parseLabel, shuffle, susySpec, SUSY_COLUMNS, toArrays, type Example, type ConsumedRecord, type ResolvedSpec } from '../src/index.js'

const N = Number(process.argv[2] ?? 500_000)
const ROUNDS = 5

const rows = readSusySample().split('\n').filter(Boolean)
const records: ConsumedRecord[] = Array.from({ length: N }, (_, i) => {
  const line = rows[i % rows.length]
  const comma = line.indexOf(',')
  return {
    topic: 'susy-train', partition: 0, offset: BigInt(i), timestamp: 0n, headers: new Map(),
    key: Buffer.from(line.slice(0, comma)),
    value: Buffer.from(line.slice(comma + 1))
  }
})

// The same rows as JSON objects, the numbers written as the CSV has them.
const jsonRecords: ConsumedRecord[] = records.map(r => ({
  ...r,
  value: Buffer.from('{' + r.value!.toString().split(',').map((v, j) => `"${SUSY_COLUMNS[j]}":${v}`).join(',') + '}')
}))
const csvSpec = susySpec({ topics: { train: 'susy-train', test: 'susy-test', predictions: 'susy-predictions', dlq: 'susy-dlq' } })
const jsonSpec: ResolvedSpec = { ...csvSpec, format: { type: 'json' }, features: SUSY_COLUMNS.map(name => ({ name, type: 'numeric', from: { field: name }, onMissing: 'dead-letter' })) }

// The obvious decoder: what one writes first. Same strictness (arity, finite, label 0/1).
function naiveDecode (): OperatorFunction<ConsumedRecord, Example> {
  return map(record => {
    const parts = record.value!.toString().split(',')
    if (parts.length !== 18) throw new Error('arity')
    const features = new Float32Array(parts.map(Number))
    for (const f of features) if (!Number.isFinite(f)) throw new Error('not finite')
    const label = Number(record.key!.toString())
    if (label !== 0 && label !== 1) throw new Error('bad label')
    return { features, label, record }
  })
}

let gcMs = 0
let gcCount = 0
new PerformanceObserver(list => {
  for (const e of list.getEntries()) { gcMs += e.duration; gcCount++ }
}).observe({ entryTypes: ['gc'] })

interface Result { rate: number; gcMs: number; gcCount: number }

function runOnce<T> (make: () => Observable<T>): Promise<Result> {
  return new Promise((resolve, reject) => {
    const gc0 = gcMs
    const n0 = gcCount
    const t0 = process.hrtime.bigint()
    let sink = 0
    make().subscribe({
      next: () => { sink++ },
      error: reject,
      complete: () => {
        const seconds = Number(process.hrtime.bigint() - t0) / 1e9
        // GC entries are delivered asynchronously: give them time to arrive before the next run.
        setTimeout(() => resolve({ rate: N / seconds, gcMs: gcMs - gc0, gcCount: gcCount - n0 }), 100)
        if (sink === -1) console.log(sink)
      }
    })
  })
}

const examples = await new Promise<Example[]>(resolve => {
  const out: Example[] = []
  from(records).pipe(decodeCsv()).subscribe({ next: e => out.push(e), complete: () => resolve(out) })
})
const batches: Example[][] = []
for (let i = 0; i < examples.length; i += 64) batches.push(examples.slice(i, i + 64))
// Per-batch rates are reported per record: N records in every case.
const cases: Record<string, () => Observable<unknown>> = {
  'decodeCsv (bytes)': () => from(records).pipe(decodeCsv()),
  'naive split/Number': () => from(records).pipe(naiveDecode()),
  'decodeRecords CSV (SUSY spec)': () => from(records).pipe(decodeRecords(compileDecoder(csvSpec))),
  'decodeRecords JSON (18 fields)': () => from(jsonRecords).pipe(decodeRecords(compileDecoder(jsonSpec))),
  'toArrays (fresh)': () => from(batches).pipe(toArrays()),
  'toArrays (reuse)': () => from(batches).pipe(toArrays({ reuse: true })),
  'shuffle(64)': () => from(examples).pipe(shuffle(64, 1)),
  'batch(64)': () => from(examples).pipe(batch(64)),
  'decode+shuffle+batch+toArrays': () => from(records).pipe(decodeCsv(), shuffle(64, 1), batch(64), toArrays({ reuse: true }))
}

// The parser alone, outside RxJS, into one reused row.
const row = new Float32Array(18)
cases['parseFeatures+parseLabel only'] = () => new Observable(subscriber => {
  for (let i = 0; i < records.length; i++) {
    parseLabel(records[i].key)
    if (parseFeatures(records[i].value, row, 0, 18) !== null) subscriber.error(new Error('bad row'))
  }
  subscriber.complete()
})

async function bytesPerRecord (make: () => Observable<unknown>): Promise<number> {
  const session = new Session()
  session.connect()
  await session.post('HeapProfiler.startSampling', { samplingInterval: 512, includeObjectsCollectedByMinorGC: true, includeObjectsCollectedByMajorGC: true } as never)
  await new Promise<void>((resolve, reject) => make().subscribe({ error: reject, complete: resolve }))
  const { profile } = await session.post('HeapProfiler.stopSampling')
  session.disconnect()
  let bytes = 0
  const walk = (node: typeof profile.head): void => { bytes += node.selfSize; node.children.forEach(walk) }
  walk(profile.head)
  return bytes / N
}

const results: Record<string, Result[]> = Object.fromEntries(Object.keys(cases).map(k => [k, []]))
for (let round = 0; round < ROUNDS + 1; round++) {
  for (const [name, make] of Object.entries(cases)) {
    const r = await runOnce(make)
    if (round > 0) results[name].push(r) // round 0 warms the JIT
  }
}

const allocated: Record<string, number> = {}
for (const [name, make] of Object.entries(cases)) allocated[name] = await bytesPerRecord(make)

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const rate = (name: string): number => median(results[name].map(r => r.rate))
console.log(`operators bench: ${N.toLocaleString('en')} SUSY records (${rows.length} real rows cycled), median of ${ROUNDS} rounds, node ${process.version}`)
console.log('| case | records/s | heap bytes allocated / record | GC pauses per run | GC ms per run |')
console.log('| --- | ---: | ---: | ---: | ---: |')
for (const name of Object.keys(cases)) {
  const rs = results[name]
  console.log(`| ${name} | ${Math.round(rate(name)).toLocaleString('en')} | ${allocated[name].toFixed(1)} | ${median(rs.map(r => r.gcCount))} | ${median(rs.map(r => r.gcMs)).toFixed(1)} |`)
}
console.log(`decodeCsv / naive: ${(rate('decodeCsv (bytes)') / rate('naive split/Number')).toFixed(2)}x`)
console.log(`decodeRecords CSV / decodeCsv: ${(rate('decodeRecords CSV (SUSY spec)') / rate('decodeCsv (bytes)')).toFixed(2)}x`)
console.log(`decodeRecords JSON / decodeRecords CSV: ${(rate('decodeRecords JSON (18 fields)') / rate('decodeRecords CSV (SUSY spec)')).toFixed(2)}x (issue 23's bar: 0.7x)`)
console.log(`decodeRecords JSON / decodeCsv: ${(rate('decodeRecords JSON (18 fields)') / rate('decodeCsv (bytes)')).toFixed(2)}x`)
console.log(`toArrays reuse / fresh: ${(rate('toArrays (reuse)') / rate('toArrays (fresh)')).toFixed(2)}x`)
