// The layering stays one-way: the library under src/ never imports the apps built on it
// (topologies/, the CLI's commands) nor the local service launcher; only the CLI does.
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
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

test.run()
