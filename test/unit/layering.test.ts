// The layering stays one-way: the library under src/ never imports the apps built on it
// (topologies/, the CLI's commands) nor the local service launcher; only the CLI does.
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { test } from 'uvu'
import * as assert from 'uvu/assert'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const SRC = join(ROOT, 'src')

function sources (dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap(e => e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [])
}

const APP = /^(commands\/|cli\.ts$)/
const LAUNCHER = /infra\/(services|kafka-broker|redis-server|kafka-jars|kafka-archive|pidfile|index)\.js$/

test('library files import neither topologies/, commands/ nor the service launcher', () => {
  const offences: string[] = []
  for (const file of sources(SRC)) {
    const path = relative(SRC, file)
    if (APP.test(path) || path.startsWith('infra/')) continue
    for (const [, spec] of readFileSync(file, 'utf8').matchAll(/from '([^']+)'/g)) {
      if (spec!.includes('topologies/') || spec!.includes('/commands/') || LAUNCHER.test(spec!)) offences.push(`${path} imports ${spec}`)
    }
  }
  assert.equal(offences, [])
})

test('sinks depend on no runtime code (type imports such as the Logger aside)', () => {
  const offences: string[] = []
  for (const file of sources(join(SRC, 'sinks'))) {
    for (const [, spec] of readFileSync(file, 'utf8').matchAll(/^import (?!type )[^\n]* from '([^']+)'/gm)) {
      if (spec!.includes('/runtime/')) offences.push(`${relative(SRC, file)} imports ${spec}`)
    }
  }
  assert.equal(offences, [])
})

test('the offset APIs of the client are called in src/kafka/offsets.ts only', () => {
  // tx.commit() ends a transaction (EndTxn); a consumer's commit() is an OffsetCommit.
  const calls = /\.(addOffset|addConsumer|alterConsumerGroupOffsets|listConsumerGroupOffsets|deleteConsumerGroupOffsets)\(|(?<!\btx)\.commit\(/
  const offences: string[] = []
  for (const file of [...sources(SRC), ...sources(join(ROOT, 'topologies'))]) {
    const path = relative(ROOT, file)
    if (path === join('src', 'kafka', 'offsets.ts')) continue
    readFileSync(file, 'utf8').split('\n').forEach((line, i) => {
      if (!line.trim().startsWith('//') && !line.trim().startsWith('*') && calls.test(line)) offences.push(`${path}:${i + 1}: ${line.trim()}`)
    })
  }
  assert.equal(offences, [])
})

// Every module under src/ and topologies/, with the relative modules it imports (type imports and
// re-exports included: a type-only cycle still ties two modules together).
function importGraph (): Map<string, string[]> {
  const graph = new Map<string, string[]>()
  for (const file of [...sources(SRC), ...sources(join(ROOT, 'topologies'))]) {
    const deps: string[] = []
    for (const [, spec] of readFileSync(file, 'utf8').matchAll(/^(?:import|export)\b[^'\n]*(?:\n[^'\n]*)*? from '(\.[^']+)'/gm)) {
      deps.push(relative(ROOT, join(dirname(file), spec!.replace(/\.js$/, '.ts'))))
    }
    graph.set(relative(ROOT, file), deps)
  }
  return graph
}

test('no import cycle among the modules of src/ and topologies/ (type imports count)', () => {
  const graph = importGraph()
  assert.ok((graph.get(join('src', 'config.ts')) ?? []).includes(join('src', 'errors.ts')), 'the graph sees config.ts import errors.ts')
  const cycles: string[] = []
  const state = new Map<string, 'open' | 'done'>()
  const visit = (node: string, path: string[]): void => {
    state.set(node, 'open')
    for (const dep of graph.get(node) ?? []) {
      if (state.get(dep) === 'open') cycles.push([...path.slice(path.indexOf(dep)), dep].join(' -> '))
      else if (!state.has(dep)) visit(dep, [...path, dep])
    }
    state.set(node, 'done')
  }
  for (const node of graph.keys()) if (!state.has(node)) visit(node, [node])
  assert.equal(cycles, [])
})

test('source files stay under 300 lines (src/, topologies/, bin/)', () => {
  const long = [...sources(SRC), ...sources(join(ROOT, 'topologies')), ...sources(join(ROOT, 'bin'))]
    .map(file => ({ file: relative(ROOT, file), lines: readFileSync(file, 'utf8').split('\n').length - 1 }))
    .filter(f => f.lines > 300)
    .map(f => `${f.file}: ${f.lines} lines`)
  assert.equal(long, [])
})

test.run()
