// The Dockerfile, checked without a Docker engine: what it copies exists and is not excluded by
// .dockerignore; the sources it copies compile on their own (no import of test/ or bench/);
// the runtime stage's code needs only production dependencies; the entrypoint is the CLI.
import { execFileSync } from 'node:child_process'
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs'
import { builtinModules } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { PACKAGE_ROOT as ROOT } from '../support/paths.js'
import { cliNodeFlags } from '../../bench/cli-node-flags.js'
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  engines: { node: string }; dependencies: Record<string, string>; devDependencies: Record<string, string>
}

interface Instruction { op: string; args: string; stage: number }

/** Dockerfile instructions, continuation lines joined, comments dropped, with their stage index. */
export function parseDockerfile (text: string): Instruction[] {
  const out: Instruction[] = []
  let stage = -1
  const joined = text.replace(/\\\r?\n/g, ' ')
  for (const raw of joined.split(/\r?\n/)) {
    const line = raw.trim()
    if (line === '' || line.startsWith('#')) continue
    const [op, ...rest] = line.split(/\s+/)
    if (op.toUpperCase() === 'FROM') stage++
    out.push({ op: op.toUpperCase(), args: rest.join(' '), stage })
  }
  return out
}

/** .dockerignore patterns as regexes over context-relative paths (a dir match excludes its files). */
export function dockerignore (text: string): (path: string) => boolean {
  const patterns = text.split(/\r?\n/).map(l => l.trim()).filter(l => l && !l.startsWith('#'))
  assert.not.ok(patterns.some(p => p.startsWith('!')), 'negated patterns are not handled by this check')
  const regexes = patterns.map(p => new RegExp('^' + p.replace(/^\.\//, '').replace(/[.+^${}()|[\]]/g, '\\$&')
    .replace(/\*\*\//g, '\u0001').replace(/\*\*/g, '\u0002').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]')
    .replace(/\u0001/g, '(?:.*/)?').replace(/\u0002/g, '.*') + '$'))
  return path => {
    const parts = path.split('/')
    for (let i = 1; i <= parts.length; i++) {
      const prefix = parts.slice(0, i).join('/')
      if (regexes.some(r => r.test(prefix))) return true
    }
    return false
  }
}

const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8')
const instructions = parseDockerfile(dockerfile)
const ignored = dockerignore(readFileSync(join(ROOT, '.dockerignore'), 'utf8'))
const args = new Map(instructions.filter(i => i.op === 'ARG').map(i => i.args.split('=') as [string, string]))
const contextCopies = instructions.filter(i => i.op === 'COPY' && !i.args.includes('--from='))
  .map(i => i.args.split(/\s+/).filter(a => !a.startsWith('--')))
  .map(parts => ({ sources: parts.slice(0, -1), dest: parts[parts.length - 1] }))

test('two stages on a Node image that satisfies package.json engines', () => {
  const froms = instructions.filter(i => i.op === 'FROM').map(i => i.args.replace(/\$\{(\w+)\}/g, (_, n: string) => args.get(n) ?? ''))
  assert.is(froms.length, 2, 'a build stage and a runtime stage')
  for (const from of froms) {
    const m = /^node:(\d+)(?:\.(\d+))?[-:@\w.]*/.exec(from)
    assert.ok(m, `not an official node image: ${from}`)
    const required = Number(/(\d+)/.exec(pkg.engines.node)![1])
    assert.ok(Number(m[1]) >= required, `${from} is older than engines.node ${pkg.engines.node}`)
  }
})

/** Files git tracks under `path` (what a fresh clone has), or null outside a git checkout. */
function tracked (path: string): string[] | null {
  try {
    return execFileSync('git', ['ls-files', '--', path], { cwd: ROOT, encoding: 'utf8' }).split('\n').filter(Boolean)
  } catch {
    return null
  }
}

test('every file the build copies from the context is in a fresh clone and not excluded by .dockerignore', () => {
  assert.ok(contextCopies.length >= 4)
  for (const { sources } of contextCopies) {
    for (const source of sources) {
      assert.ok(existsSync(join(ROOT, source)), `COPY ${source}: missing from the repository`)
      const files = tracked(source)
      assert.ok(files === null || files.length > 0, `COPY ${source}: not tracked by git, so absent from a fresh clone`)
      assert.not.ok(ignored(source), `COPY ${source}: excluded by .dockerignore`)
    }
  }
  // Code the app needs at run time (compiled by tsconfig, not a test or benchmark) is copied.
  const copied = new Set(contextCopies.flatMap(c => c.sources))
  for (const dir of ['src', 'topologies', 'examples', 'assets']) {
    if ((tracked(dir)?.length ?? 0) > 0) assert.ok(copied.has(dir), `${dir}/ holds tracked files but the Dockerfile does not copy it`)
  }
  // What must never enter an image or a build context.
  for (const path of ['node_modules', 'dist', '.streamfit', '.git', '.env', 'broker.log', 'bench/tfio/.venv']) {
    assert.ok(ignored(path), `${path} should be in .dockerignore`)
  }
})

test('the runtime stage holds the CLI, its compiled code and production dependencies, run unprivileged', () => {
  const runtime = instructions.filter(i => i.stage === 1)
  const copiedFromBuild = runtime.filter(i => i.op === 'COPY' && i.args.includes('--from=build')).map(i => i.args.split(/\s+/).slice(-2)[0])
  for (const path of ['/app/package.json', '/app/node_modules', '/app/dist', '/app/bin', '/app/assets']) {
    assert.ok(copiedFromBuild.includes(path), `runtime stage does not copy ${path}`)
  }
  assert.ok(instructions.some(i => i.stage === 0 && i.op === 'RUN' && /npm prune --omit=dev/.test(i.args)), 'dev dependencies pruned')
  assert.ok(runtime.some(i => i.op === 'USER' && i.args !== 'root'), 'runs as an unprivileged user')
  const entrypoint = JSON.parse(runtime.find(i => i.op === 'ENTRYPOINT')!.args) as string[]
  // The image runs node with the flags of the CLI's shebang (what `npx streamfit` runs with).
  const shebang = readFileSync(join(ROOT, 'bin/streamfit.js'), 'utf8').split('\n')[0]!
  assert.match(shebang, /^#!\/usr\/bin\/env -S node( --[a-z-]+=\S+)*$/)
  assert.equal(entrypoint, ['node', ...cliNodeFlags(), '/app/bin/streamfit.js'])
  assert.ok(existsSync(join(ROOT, 'bin/streamfit.js')))
  assert.match(readFileSync(join(ROOT, 'bin/streamfit.js'), 'utf8'), /\.\.\/dist\/src\/cli\.js/)
  assert.ok(runtime.some(i => i.op === 'EXPOSE' && i.args.split(/\s+/).includes('9464')), 'metrics port exposed')
})

function jsFiles (dir: string): string[] {
  if (!existsSync(dir)) return []
  return readdirSync(dir).flatMap(name => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? jsFiles(path) : path.endsWith('.js') ? [path] : []
  })
}

test('the copied sources compile alone, and their code imports only production dependencies', () => {
  // The build context as the Dockerfile sees it: only what it copies (node_modules linked, not copied).
  const context = mkdtempSync(join(tmpdir(), 'streamfit-docker-'))
  try {
    for (const { sources } of contextCopies) {
      for (const source of sources) cpSync(join(ROOT, source), join(context, source), { recursive: true })
    }
    symlinkSync(join(ROOT, 'node_modules'), join(context, 'node_modules'), 'dir')
    try {
      execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], { cwd: context, stdio: 'pipe' })
    } catch (error) {
      assert.unreachable(`tsc in the image's build context failed:\n${(error as { stdout?: Buffer }).stdout?.toString() ?? String(error)}`)
    }
    const builtins = new Set([...builtinModules, ...builtinModules.map(m => `node:${m}`)])
    const allowed = new Set(Object.keys(pkg.dependencies))
    const offenders: string[] = []
    for (const file of jsFiles(join(context, 'dist'))) {
      const code = readFileSync(file, 'utf8')
      for (const m of code.matchAll(/(?:^|[\s;])(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|^import\s+['"]([^'"]+)['"]/gm)) {
        const spec = m[1] ?? m[2] ?? m[3]
        if (spec.startsWith('.') || builtins.has(spec)) continue
        const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]
        if (!allowed.has(name)) offenders.push(`${file.slice(context.length + 1)} imports ${spec}`)
      }
    }
    assert.equal(offenders, [], 'runtime code must not need devDependencies (npm prune --omit=dev drops them)')
    // The compiled CLI starts from the pruned layout and lists the app commands.
    const help = execFileSync(process.execPath, [join(context, 'bin/streamfit.js'), '--help'], { cwd: tmpdir(), encoding: 'utf8' })
    assert.match(help, /describe/)
  } finally {
    rmSync(context, { recursive: true, force: true })
  }
})

test.run()
