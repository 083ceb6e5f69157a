// Writes the drift benchmark's streams (streams.py's files, manifest.json) to fresh Kafka topics,
// one partition each, in file order, so `streamfit online` reads exactly the rows River reads.
// SUSY streams: key = the label, value = the 18 features (as `load` writes susy-train); spec
// streams: value = the CSV line, no key (as `load --spec` writes a label column). Spec streams get
// a copy of their spec naming the run's topics. Writes OUT_DIR/topics.json.
//
// Usage: node dist/bench/drift/produce.js OUT_DIR
import { randomBytes } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Producer } from '@platformatic/kafka'
import { loadConfig } from '../../src/config.js'
import { ensureTopics } from '../../src/kafka/admin.js'
import { connectionOptions } from '../../src/kafka/connection.js'
import { readSpec } from '../../src/spec/load-spec.js'
import { endOffsets } from '../../src/kafka/admin.js'
import type { Manifest, StreamTopics } from './manifest.js'

const out = process.argv[2]
if (out === undefined) throw new Error('usage: produce.js OUT_DIR')
const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as Manifest
const { kafka } = loadConfig()
const id = randomBytes(3).toString('hex')

interface Message { key?: Buffer, value: Buffer }

function lines (file: string, header: boolean): string[] {
  const all = readFileSync(file, 'utf8').split('\n').filter(l => l.length > 0)
  return header ? all.slice(1) : all
}

function susyMessage (line: string): Message {
  const comma = line.indexOf(',')
  return { key: Buffer.from(line.slice(0, comma)), value: Buffer.from(line.slice(comma + 1)) }
}

async function produce (topic: string, messages: Message[]): Promise<void> {
  await ensureTopics(kafka, [{ name: topic, partitions: 1 }])
  const producer = new Producer({ ...connectionOptions(kafka, 'drift-bench'), idempotent: true, acks: -1 })
  try {
    for (let i = 0; i < messages.length; i += 500) {
      await producer.send({ messages: messages.slice(i, i + 500).map(m => ({ topic, partition: 0, ...m })) })
    }
  } finally {
    await producer.close()
  }
  const [end] = await endOffsets(kafka, topic)
  if (end !== BigInt(messages.length)) throw new Error(`${topic} holds ${end} records, not ${messages.length}`)
}

async function specCopy (name: string, specFile: string, topics: Record<'train' | 'test' | 'predictions' | 'deadLetters', string>): Promise<string> {
  const spec = await readSpec(specFile)
  const named = { ...spec, topics: Object.fromEntries(Object.entries(spec.topics).map(([k, t]) => [k, { ...t, name: topics[k as keyof typeof topics] }])) }
  const path = join(out, `${name}.spec.json`)
  writeFileSync(path, JSON.stringify(named, null, 1))
  return path
}

const result: Record<string, StreamTopics> = {}
for (const s of manifest.streams) {
  const base = `drift-${id}-${s.name}`
  const topics = { train: `${base}-train`, test: `${base}-test`, predictions: `${base}-predictions`, deadLetters: `${base}-dlq` }
  const rows = lines(s.file, s.header)
  await produce(topics.train, s.spec === null ? rows.map(susyMessage) : rows.map(l => ({ value: Buffer.from(l) })))
  result[s.name] = { train: topics.train, dlq: topics.deadLetters, spec: s.spec === null ? null : await specCopy(s.name, s.spec, topics), rows: rows.length }
  process.stderr.write(`${s.name}: ${rows.length} rows → ${topics.train}\n`)
}
const c = manifest.continue
for (const part of ['train', 'stream'] as const) {
  const topic = `drift-${id}-susy-continue-${part}`
  const rows = lines(c[part].file, false)
  await produce(topic, rows.map(susyMessage))
  result[`susy-continue-${part}`] = { train: topic, dlq: `drift-${id}-susy-continue-dlq`, spec: null, rows: rows.length }
  process.stderr.write(`susy-continue-${part}: ${rows.length} rows → ${topic}\n`)
}
writeFileSync(join(out, 'topics.json'), JSON.stringify({ id, topics: result }, null, 1))
