// streamfit's side of the drift benchmark: `streamfit online` (the CLI, as a user runs it) from a
// new model on each stream produce.ts wrote, with --window for per-window prequential figures;
// with --continue, the stationary case continuing a trained version: `train` on rows 0-1,999,
// `online --compare-start` over rows 2,000-5,999, then `evaluate` of the trained version and of
// online's final one on the held-out rows 6,000-7,999. Each run has its own consumer group and
// registry prefix, so every run starts from nothing (or from its own trained version). Round N runs
// with --seed N (initial weights, shuffles), as River's side seeds its tree and forest.
//
// Usage: node dist/bench/drift/streamfit.js OUT_DIR --round N [--window 100] [--continue] [--only a,b]
//        [--flags '--step 32'] [--tag T]   (more `online` flags, to compare settings; T names the output)
// Writes OUT_DIR/streamfit-rN[T].json (and OUT_DIR/continue-rN[T].json with --continue).
import { spawnSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { PACKAGE_ROOT } from '../../src/infra/paths.js'
import type { Manifest, StreamTopics } from './manifest.js'

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { round: { type: 'string', default: '1' }, window: { type: 'string', default: '100' }, continue: { type: 'boolean', default: false }, only: { type: 'string' }, flags: { type: 'string', default: '' }, tag: { type: 'string', default: '' } }
})
const out = positionals[0]
if (out === undefined) throw new Error('usage: streamfit.js OUT_DIR --round N [--window 100] [--continue]')
const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as Manifest
const { id, topics } = JSON.parse(readFileSync(join(out, 'topics.json'), 'utf8')) as { id: string, topics: Record<string, StreamTopics> }
const round = values.round
const flags = values.flags.split(' ').filter(f => f !== '')
const only = values.only?.split(',')
const cli = join(PACKAGE_ROOT, 'bin/streamfit.js')
// The idle wait that ends a run once the topic is drained (excluded from rows/s: busySeconds).
const STREAM_TIMEOUT = '4000'

function streamfit (args: string[], env: Record<string, string>): Record<string, unknown> {
  const run = spawnSync(process.execPath, [cli, ...args, '--json'], { env: { ...process.env, ...env }, encoding: 'utf8', maxBuffer: 64 << 20 })
  if (run.status !== 0) throw new Error(`streamfit ${args.join(' ')} exited ${run.status}: ${run.stderr.slice(-2000)}`)
  const last = run.stdout.trim().split('\n').at(-1) ?? ''
  return JSON.parse(last) as Record<string, unknown>
}

function envFor (t: StreamTopics, prefix: string): Record<string, string> {
  return { STREAMFIT_TRAIN_TOPIC: t.train, STREAMFIT_DLQ_TOPIC: t.dlq, STREAMFIT_REGISTRY_PREFIX: prefix, STREAMFIT_LOG_LEVEL: 'warn' }
}

function online (name: string, t: StreamTopics, prefix: string, extra: string[] = []): Record<string, unknown> {
  const args = ['online', '--group', `drift-${id}-${name}-r${round}${values.tag}`, '--stream-timeout', STREAM_TIMEOUT, '--window', values.window, '--seed', round,
    '--plot', join(out, `online-${name}-r${round}${values.tag}.svg`), ...(t.spec !== null ? ['--spec', t.spec] : []), ...flags, ...extra]
  const r = streamfit(args, envFor(t, prefix))
  if (r.rows !== t.rows) throw new Error(`online on ${name} learnt ${String(r.rows)} rows, the topic holds ${t.rows}`)
  return r
}

if (values.continue) {
  const prefix = `streamfit-drift-${id}-continue-r${round}${values.tag}:`
  const trained = streamfit(['train', '--seed', '1', '--plot', join(out, 'train-susy-continue.svg')], envFor(topics['susy-continue-train'], prefix))
  const start = String(trained.model ?? trained.version)
  const run = online('susy-continue', topics['susy-continue-stream'], prefix, ['--compare-start'])
  const heldout = manifest.continue.heldout.file
  const evaluate = (model: string): Record<string, unknown> => streamfit(['evaluate', '--data', heldout, '--model', model], { STREAMFIT_REGISTRY_PREFIX: prefix })
  const result = { trained, online: run, heldoutStart: evaluate(start), heldoutFinal: evaluate(String(run.model)) }
  writeFileSync(join(out, `continue-r${round}${values.tag}.json`), JSON.stringify(result, null, 1))
  process.stderr.write(`continue: start ${start} → ${String(run.model)}, prequential loss ${String(run.prequentialLoss)} vs frozen ${String(run.startPrequentialLoss)}, held-out loss ${String(result.heldoutStart.loss)} → ${String(result.heldoutFinal.loss)}\n`)
} else {
  const results: Record<string, unknown> = {}
  for (const s of manifest.streams) {
    if (only !== undefined && !only.includes(s.name)) continue
    const r = online(s.name, topics[s.name], `streamfit-drift-${id}-${s.name}-r${round}${values.tag}:`)
    results[s.name] = r
    process.stderr.write(`streamfit online ${s.name} (round ${round}): accuracy ${String(r.prequentialAccuracy)}, loss ${String(r.prequentialLoss)}, ${String(r.rowsPerSecond)} rows/s\n`)
  }
  writeFileSync(join(out, `streamfit-r${round}${values.tag}.json`), JSON.stringify(results))
}
