// Reading Markdown the way GitHub renders it, for the docs checker (test/unit/docs-links.test.ts):
// headings and their anchors, links, and the `streamfit …` command lines shown in code blocks.

export interface Link { target: string, line: number }
export interface CommandLine { args: string[], text: string, line: number }

interface Parsed { prose: Array<{ text: string, line: number }>, code: Array<{ text: string, line: number, lang: string }> }

/** Lines split into prose and fenced code (``` or ~~~), with 1-based line numbers. */
function split (markdown: string): Parsed {
  const parsed: Parsed = { prose: [], code: [] }
  let fence: string | undefined
  let lang = ''
  markdown.split('\n').forEach((text, i) => {
    const open = /^\s*(```+|~~~+)\s*([\w-]*)/.exec(text)
    if (fence === undefined && open !== null) { fence = open[1]!; lang = open[2]!; return }
    if (fence !== undefined && text.trim().startsWith(fence)) { fence = undefined; return }
    if (fence !== undefined) parsed.code.push({ text, line: i + 1, lang })
    else parsed.prose.push({ text, line: i + 1 })
  })
  return parsed
}

/** GitHub's anchor for a heading's text (github-slugger's rules), before de-duplication. */
export function slug (heading: string): string {
  const text = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1') // a link's text
    .replace(/<[^>]+>/g, '') // inline HTML
  return text.trim().toLowerCase().replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '').replace(/ /g, '-')
}

/** Every anchor a file has: its headings' slugs (repeats get -1, -2, … as on GitHub) and explicit ids. */
export function anchors (markdown: string): Set<string> {
  const seen = new Map<string, number>()
  const found = new Set<string>()
  for (const { text } of split(markdown).prose) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(text)
    if (heading !== null) {
      const base = slug(heading[1]!)
      const count = seen.get(base) ?? 0
      seen.set(base, count + 1)
      found.add(count === 0 ? base : `${base}-${count}`)
    }
    for (const [, id] of text.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) found.add(id!)
  }
  return found
}

/** Links and images in prose (not in code spans or code blocks), inline and reference-style. */
export function links (markdown: string): Link[] {
  const found: Link[] = []
  for (const { text, line } of split(markdown).prose) {
    const prose = text.replace(/(`+)[\s\S]*?\1/g, '')
    for (const [, target] of prose.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) found.push({ target: target!, line })
    const reference = /^\s*\[[^\]]+\]:\s*(\S+)/.exec(prose)
    if (reference !== null) found.push({ target: reference[1]!, line })
  }
  return found
}

/** A shell line's words: quotes respected, a `#` comment dropped. */
export function words (line: string): string[] {
  const out: string[] = []
  let word: string | undefined
  let quote: string | undefined
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!
    if (quote !== undefined) {
      if (c === quote) quote = undefined
      else word += c
    } else if (c === '"' || c === "'") { quote = c; word ??= '' } else if (/\s/.test(c)) {
      if (word !== undefined) out.push(word)
      word = undefined
    } else if (c === '#' && word === undefined) break
    else word = (word ?? '') + c
  }
  if (word !== undefined) out.push(word)
  return out
}

// How a doc may start the CLI: the bin (also through npx, or from the repository), the demo
// through npm, and the Compose `cli` service (whose entrypoint is the bin).
const LAUNCHERS: string[][] = [
  ['streamfit'], ['npx', 'streamfit'], ['node', 'bin/streamfit.js'],
  ['npm', 'run', 'demo', '--', '@demo'], ['npm', 'run', 'demo', '@demo'],
  ['docker', 'compose', 'run', '--rm', 'cli']
]

/** The words after `streamfit` of one command, or undefined when the command is not streamfit's. */
function cliArgs (command: string[]): string[] | undefined {
  let start = 0
  while (start < command.length && /^[A-Z_][A-Z0-9_]*=/.test(command[start]!)) start++ // VAR=value prefixes
  const rest = command.slice(start)
  for (const launcher of LAUNCHERS) {
    const fixed = launcher.filter(w => !w.startsWith('@'))
    if (fixed.every((w, i) => rest[i] === w) && (fixed.length < rest.length || launcher.includes('@demo'))) {
      const args = rest.slice(fixed.length)
      return launcher.includes('@demo') ? ['demo', ...args] : args
    }
  }
  return undefined
}

/** Every streamfit command line in the code blocks of a shell-like language (sh, bash, console, none). */
export function commandLines (markdown: string): CommandLine[] {
  const found: CommandLine[] = []
  let pending = ''
  let first = 0
  for (const { text, line, lang } of split(markdown).code) {
    if (!['', 'sh', 'bash', 'shell', 'console'].includes(lang)) continue
    if (pending === '') first = line
    const body = text.replace(/^\s*\$\s+/, '')
    if (/\\\s*$/.test(body)) { pending += body.replace(/\\\s*$/, ' '); continue }
    const full = pending + body
    pending = ''
    for (const part of full.split(/\s(?:&&|\|\||;|\|)\s/)) {
      const args = cliArgs(words(part))
      if (args !== undefined) found.push({ args, text: part.replace(/\s+#.*$/, '').trim(), line: first })
    }
  }
  return found
}


export interface Mention { command: string, flags: string[], text: string, line: number }

/**
 * Commands named in prose without being full command lines: inline code spans that start with
 * `streamfit` (placeholders such as `susy@N` or `[--gpu]` allowed), and the first cell of a table
 * row that starts with a command's name (the CLI reference's rows). Their flags must exist.
 */
export function mentions (markdown: string, commandNames: string[]): Mention[] {
  const found: Mention[] = []
  const flagsOf = (text: string): string[] => [...text.matchAll(/(?<![\w-])--[a-z][a-z0-9-]*/g)].map(m => m[0])
  for (const { text, line } of split(markdown).prose) {
    for (const [, span] of text.matchAll(/(?<!`)`([^`]+)`(?!`)/g)) {
      const inline = /^(?:npx\s+)?streamfit\s+([a-z][\w-]*)/.exec(span!)
      if (inline !== null) found.push({ command: inline[1]!, flags: flagsOf(span!), text: span!, line })
    }
    const cell = /^\|\s*`([a-z][\w-]*)\b((?:[^|\\]|\\.)*)\|/.exec(text)
    if (cell !== null && commandNames.includes(cell[1]!)) found.push({ command: cell[1]!, flags: flagsOf(cell[2]!), text: `${cell[1]!}${cell[2]!}`.trim(), line })
  }
  return found
}
