// streamfit as a user's dependency: the project packed (`npm pack`, of the built dist/), the
// tarball installed into an empty project (its dependencies from the npm registry, the local
// cache first) and a library snippet run there: `import … from 'streamfit'` resolves by the
// package's exports, decodes SUSY records and validates a spec; then the manual's own first
// pipeline (docs/library.md, "A first pipeline") runs there, as written, against the real broker.
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { stripVTControlCharacters } from 'node:util'
import { test } from 'uvu'
import { loadConfig } from '../../src/config.js'
import { deleteTopics } from '../../src/kafka/admin.js'
import { uniqueName } from '../support/names.js'
import { produceRows, susyMessages } from '../support/online.js'
import * as assert from 'uvu/assert'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
// Every file of @platformatic/kafka that patches/ changes.
const PATCH = readFileSync(join(ROOT, 'patches', '@platformatic+kafka+1.35.0.patch'), 'utf8')
const PATCHED_FILES = [...PATCH.matchAll(/^\+\+\+ b\/node_modules\/@platformatic\/kafka\/(\S+)$/gm)].map(m => m[1]!)

const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm'

const SNIPPET = `
import { from, lastValueFrom, toArray } from 'rxjs'
import { decodeCsv, susySpec, validateSpec, SpecError } from 'streamfit'
const record = (offset, key, value) => ({ topic: 't', partition: 0, offset: BigInt(offset), timestamp: 0n, headers: new Map(), key: Buffer.from(key), value: Buffer.from(value) })
const row = Array.from({ length: 18 }, (_, i) => (i / 10).toFixed(1)).join(',')
const examples = await lastValueFrom(from([record(0, '1', row), record(1, '0', row)]).pipe(decodeCsv(), toArray()))
const spec = susySpec({ topics: { train: 'a', test: 'b', predictions: 'c', dlq: 'd' } })
let rejected = ''
try { validateSpec({ name: 'x' }, 'x.yaml') } catch (error) { rejected = error instanceof SpecError ? 'SpecError' : String(error) }
console.log(JSON.stringify({ labels: examples.map(e => e.label), width: examples[0].features.length, spec: spec.name, rejected }))
`

test('npm pack, installed into an empty project: the library imports as `streamfit` and runs, with its patched Kafka client', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'streamfit-pack-'))
  try {
    // dist/ is built by the suite's build; --ignore-scripts skips `prepare` (a second tsc run).
    const packed = execFileSync(NPM, ['pack', '--ignore-scripts', '--silent', '--pack-destination', dir], { cwd: ROOT, encoding: 'utf8' }).trim().split('\n').at(-1)!
    const project = join(dir, 'project')
    execFileSync('mkdir', [project])
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'uses-streamfit', version: '1.0.0', private: true, type: 'module' }))
    const started = performance.now()
    execFileSync(NPM, ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel', 'error', join(dir, packed)], { cwd: project, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 240_000 })
    const seconds = (performance.now() - started) / 1000
    writeFileSync(join(project, 'snippet.mjs'), SNIPPET)
    const out = JSON.parse(execFileSync(process.execPath, ['snippet.mjs'], { cwd: project, encoding: 'utf8' }).trim()) as Record<string, unknown>
    assert.equal(out, { labels: [1, 0], width: 18, spec: 'susy', rejected: 'SpecError' })
    // The Kafka client streamfit loads is its own bundled copy, with patches/ applied (the fixes of
    // docs/upstream/), not an unpatched one from the registry: the same bytes as the clone's.
    // Node resolves a bare import from streamfit's files in its own node_modules first.
    const resolved = join(project, 'node_modules', 'streamfit', 'node_modules', '@platformatic', 'kafka')
    assert.ok(existsSync(join(resolved, 'package.json')), 'streamfit has no bundled @platformatic/kafka: its imports would get an unpatched copy from the registry')
    for (const file of PATCHED_FILES) {
      assert.ok(readFileSync(join(resolved, file), 'utf8') === readFileSync(join(ROOT, 'node_modules', '@platformatic', 'kafka', file), 'utf8'), `${file} in the installed package differs from the patched clone's`)
    }
    // The manual's first pipeline, as written but for its topic (a fresh one of ours, 300 SUSY rows).
    const manual = readFileSync(join(ROOT, 'docs', 'library.md'), 'utf8')
    const pipeline = /## A first pipeline\n+```ts\n([\s\S]*?)```/.exec(manual)?.[1]
    assert.ok(pipeline?.includes("'susy-train'"), 'docs/library.md has a first pipeline reading susy-train')
    const config = loadConfig()
    const topic = uniqueName('pack-pipeline')
    await produceRows(config.kafka, topic, susyMessages(300))
    try {
      writeFileSync(join(project, 'pipeline.mjs'), pipeline!.replaceAll("'susy-train'", `'${topic}'`))
      // console.log colours numbers where the environment asks for colour (CI runs with FORCE_COLOR): compare the text.
      const stats = stripVTControlCharacters(execFileSync(process.execPath, ['pipeline.mjs'], { cwd: project, encoding: 'utf8', env: { ...process.env }, timeout: 120_000 }))
      assert.match(stats, /decoded: 300\b/, `the pipeline's decode.stats: ${stats}`)
      assert.match(stats, /deadLettered: 0\b/)
    } finally {
      await deleteTopics(config.kafka, [topic])
    }
    // The CLI comes with it, as npx runs it.
    assert.match(execFileSync(join(project, 'node_modules', '.bin', 'streamfit'), ['--help'], { encoding: 'utf8' }), /Usage: streamfit/)
    process.stderr.write(`package-install: npm install of the tarball took ${seconds.toFixed(1)} s\n`)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

test.run()
