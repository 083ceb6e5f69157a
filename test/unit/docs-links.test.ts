// The manual cannot drift from the code: every relative link and #anchor in README.md and docs/
// resolves (GitHub's anchor rules), and every `streamfit …` command line their code blocks show
// parses with the CLI's own parser (src/commands/parse-only.ts: nothing runs).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { commands } from '../../src/commands/index.js'
import { knownFlags, parseCommandLine } from '../../src/commands/parse-only.js'
import { anchors, commandLines, links, mentions, slug } from '../support/markdown.js'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url)) // dist/test/unit -> repo root

// docs/api/ is TypeDoc's output (npm run docs), not written by hand: left out.
function markdownFiles (dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap(e =>
    e.isDirectory() ? (join(dir, e.name) === join(ROOT, 'docs', 'api') ? [] : markdownFiles(join(dir, e.name))) : e.name.endsWith('.md') ? [join(dir, e.name)] : [])
}

const FILES = [join(ROOT, 'README.md'), ...markdownFiles(join(ROOT, 'docs'))]

/** The links of one file that do not resolve, as `file:line: target (why)`. */
function brokenLinks (file: string, text: string): string[] {
  const broken: string[] = []
  for (const { target, line } of links(text)) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue // http:, https:, mailto:
    const [path, anchor] = target.split('#', 2) as [string, string | undefined]
    const where = path === '' ? file : resolve(dirname(file), decodeURIComponent(path))
    const at = `${relative(ROOT, file)}:${line}: ${target}`
    if (!existsSync(where)) { broken.push(`${at} (no such file)`); continue }
    if (anchor === undefined || anchor === '') continue
    if (!where.endsWith('.md') || statSync(where).isDirectory()) { broken.push(`${at} (an anchor into a file that is not Markdown)`); continue }
    if (!anchors(path === '' ? text : readFileSync(where, 'utf8')).has(anchor)) broken.push(`${at} (no heading with that anchor)`)
  }
  return broken
}

/** The command lines of one file that the CLI rejects, as `file:line: command: message`. */
async function rejectedCommands (file: string, text: string): Promise<string[]> {
  const rejected: string[] = []
  for (const { args, text: shown, line } of commandLines(text)) {
    const problem = await parseCommandLine(args)
    if (problem !== undefined) rejected.push(`${relative(ROOT, file)}:${line}: ${shown}: ${problem}`)
  }
  return rejected
}

test('every relative link and #anchor in README.md and docs/ resolves', () => {
  assert.ok(FILES.length > 10, `README.md and a page per subject in docs/ (found ${FILES.length})`)
  const broken = FILES.flatMap(file => brokenLinks(file, readFileSync(file, 'utf8')))
  assert.equal(broken, [])
})

test('every page of docs/ is reachable from the README, directly or through docs/README.md', () => {
  const index = join(ROOT, 'docs', 'README.md')
  const linked = new Set<string>()
  for (const from of [join(ROOT, 'README.md'), index]) {
    for (const { target } of links(readFileSync(from, 'utf8'))) linked.add(resolve(dirname(from), target.split('#')[0]!))
  }
  const unreachable = FILES.filter(f => f.startsWith(join(ROOT, 'docs')) && !f.includes(`${join('docs', 'upstream')}`) && f !== index && !linked.has(f))
  assert.equal(unreachable.map(f => relative(ROOT, f)), [])
})

test('every streamfit command line in README.md and docs/ parses with the CLI\'s own parser', async () => {
  const lines = FILES.flatMap(file => commandLines(readFileSync(file, 'utf8')))
  assert.ok(lines.length >= 30, `the docs show command lines (found ${lines.length})`)
  const rejected = (await Promise.all(FILES.map(file => rejectedCommands(file, readFileSync(file, 'utf8'))))).flat()
  assert.equal(rejected, [])
})

/** Commands named in prose or in a table row whose name or flags the CLI does not have. */
async function unknownMentions (file: string, text: string): Promise<string[]> {
  const unknown: string[] = []
  for (const { command, flags, text: shown, line } of mentions(text, Object.keys(commands))) {
    const known = await knownFlags(command)
    const bad = known === undefined ? [`no command "${command}"`] : flags.filter(f => !known.has(f)).map(f => `no flag ${f}`)
    if (bad.length > 0) unknown.push(`${relative(ROOT, file)}:${line}: ${shown}: ${bad.join(', ')}`)
  }
  return unknown
}

test('every command and flag named in prose or in the CLI reference\'s tables exists', async () => {
  const named = FILES.flatMap(file => mentions(readFileSync(file, 'utf8'), Object.keys(commands)))
  assert.ok(named.length >= 40, `the docs name commands (found ${named.length})`)
  const unknown = (await Promise.all(FILES.map(file => unknownMentions(file, readFileSync(file, 'utf8'))))).flat()
  assert.equal(unknown, [])
})

// The checker itself: each of these would let a broken manual through if it did not fail.
test('the checker reports a broken file link, a missing anchor and a heading anchor it must accept', () => {
  const file = join(ROOT, 'README.md')
  const page = '# Top\n\n## The native backend: `streamfit backend install [--gpu]`\n\n## Top\n\n' +
    '[ok](#the-native-backend-streamfit-backend-install---gpu) [ok](#top-1) [ok](docs/README.md) `[not a link](nowhere.md)`\n' +
    '[bad](docs/no-such-page.md) [bad](#no-such-heading) [bad](docs/README.md#no-such-heading)\n```sh\n[in code](ignored.md)\n```\n'
  assert.is(slug('Models from elsewhere: `models import` and `models export`'), 'models-from-elsewhere-models-import-and-models-export')
  assert.equal(brokenLinks(file, page).map(b => b.replace(/^.*?: /, '').replace(/ \(.*$/, '')), ['docs/no-such-page.md', '#no-such-heading', 'docs/README.md#no-such-heading'])
})

test('the checker rejects an unknown command, an invented flag and a bad describe flag; accepts real ones', async () => {
  const page = '```sh\nnpx streamfit score --group g --no-such-flag   # invented\nstreamfit frobnicate\n' +
    'streamfit describe score --batch-size 2048 --bogus\nstreamfit lag\n' +
    'streamfit up && streamfit load --rows 100 \\\n  --fresh\nnpm run demo -- --data x.csv\ndocker compose run --rm cli lag --group scorers\n' +
    'streamfit models prune --keep 2 --name susy\nstreamfit down --purge\n```\n'
  const lines = commandLines(page)
  assert.equal(lines.map(l => l.args[0]), ['score', 'frobnicate', 'describe', 'lag', 'up', 'load', 'demo', 'lag', 'models', 'down'])
  assert.equal(lines.find(l => l.args[0] === 'load')!.args, ['load', '--rows', '100', '--fresh'])
  const verdicts = await Promise.all(lines.map(async l => (await parseCommandLine(l.args)) === undefined))
  assert.equal(verdicts, [false, false, false, false, true, true, true, true, true, true])
})

test('the checker rejects a flag a table row or an inline command invents', async () => {
  const page = '| `score [--group score] [--turbo]` | x |\n| `down [--all] [--purge]` | x |\n\nRun `streamfit lag --group g --since 5m` or `npx streamfit frob`.\n'
  const found = await unknownMentions(join(ROOT, 'README.md'), page)
  assert.equal(found.map(f => f.replace(/^.*: /, '')), ['no flag --turbo', 'no flag --since', 'no command "frob"'])
})

test.run()
