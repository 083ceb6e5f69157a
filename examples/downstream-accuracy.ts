// A downstream consumer of the predictions topic: reads it with isolation read_committed (only
// predictions whose transaction committed, so each input is counted once) and prints the running
// accuracy of the predictions against the labels they carry.
//
// Run: npx tsc -p . && node dist/examples/downstream-accuracy.js [--group NAME] [--stream-timeout MS]
// Brokers and topic names from the environment (KAFKA_BROKERS, STREAMFIT_PREDICTIONS_TOPIC).
import { bufferTime, filter, lastValueFrom, scan, tap } from 'rxjs'
import { createGroupConsumer, fromGroup, loadConfig, parseNumber, parsePrediction, MODEL_HEADER } from '../src/index.js'

const args = process.argv.slice(2)
const flag = (name: string, fallback: string): string => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] ?? fallback : fallback }
const groupId = flag('--group', 'downstream-accuracy')
const streamTimeout = parseNumber('--stream-timeout', flag('--stream-timeout', '10000'), { min: -1 })
const config = loadConfig()
const consumer = createGroupConsumer({ groupId, kafka: config.kafka, clientSuffix: 'downstream' })

interface Tally { seen: number, labelled: number, correct: number, models: Map<string, number> }

const tally = await lastValueFrom(fromGroup({ topics: [config.topics.predictions], groupId, consumer, streamTimeout }).pipe(
  scan((t: Tally, record) => {
    const p = parsePrediction(record.value)
    t.seen++
    const model = record.headers.get(MODEL_HEADER)?.toString() ?? p.model
    t.models.set(model, (t.models.get(model) ?? 0) + 1)
    if (p.label !== null) {
      t.labelled++
      if (p.predicted === p.label) t.correct++
    }
    return t
  }, { seen: 0, labelled: 0, correct: 0, models: new Map() }),
  bufferTime(1000),
  filter(ticks => ticks.length > 0),
  tap(ticks => print(ticks[ticks.length - 1]!))
), { defaultValue: [] as Tally[] })

const final = tally[tally.length - 1]
if (final !== undefined) print(final, 'final')
else process.stdout.write(`no predictions in ${config.topics.predictions}\n`)
// Nothing is committed: every run reads the topic from the start (or the group's offsets, if set).
await consumer.close()

function print (t: Tally, prefix = 'running'): void {
  const accuracy = t.labelled > 0 ? (t.correct / t.labelled).toFixed(4) : '-'
  const models = [...t.models].map(([m, n]) => `${m}: ${n}`).join(', ')
  process.stdout.write(`${prefix}: ${t.seen} predictions, accuracy ${accuracy} over ${t.labelled} labelled (${models})\n`)
}
