// The demo's stages and its summary: each stage is the real CLI command in a child process, whose
// last JSON line is what the summary table is built from.
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { StageError } from '../errors.js'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url)) // dist/src/commands -> package root
const CLI = `${ROOT}bin/streamfit.js`

export type Json = Record<string, unknown>

export interface StageRow {
  stage: string
  rows?: number
  accuracy?: number
  auc?: number
  /** Over the stage's busy time (its --json rate). */
  rowsPerSecond?: number
  /** The stage's process, start to exit. */
  wallSeconds: number
  note?: string
}

export interface DemoSummary {
  data: string
  synthetic: boolean
  stages: StageRow[]
  plots: string[]
  exactlyOnce?: { predictions: number; distinctInputs: number; duplicates: number; inputs: number }
  lag?: number
  /** Did online learning harm the model? Prequential loss by quarter, and both versions on the test rows. */
  online?: OnlineCheck
}

export interface OnlineCheck {
  firstQuarterLoss?: number
  lastQuarterLoss?: number
  /** The same quarters scored by the starting version, frozen: the stream's own change in difficulty. */
  startFirstQuarterLoss?: number
  startLastQuarterLoss?: number
  parent: { model?: string; accuracy?: number; auc?: number }
  final: { model?: string; accuracy?: number; auc?: number }
}

export interface StageResult {
  json: Json
  seconds: number
  stderr: string
}

/** Runs one CLI command as a child process; stderr is shown live, the last stdout line is its JSON. */
export async function runCli (stage: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<StageResult> {
  const started = performance.now()
  process.stderr.write(`\n== ${stage}: streamfit ${args.join(' ')}\n`)
  const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk
    // Human output (not the --json line) is shown like the logs.
    const text = chunk.split('\n').filter(l => !l.startsWith('{') && !l.startsWith('[')).join('\n')
    if (text.trim()) process.stderr.write(text.replace(/^(?=.)/gm, `  [${stage}] `) + (text.endsWith('\n') ? '' : '\n'))
  })
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk
    process.stderr.write(chunk.replace(/^(?=.)/gm, `  [${stage}] `))
  })
  const code = await new Promise<number>((resolve, reject) => {
    child.once('error', reject)
    child.once('close', (c, signal) => resolve(c ?? (signal ? 128 : 1)))
  })
  const seconds = (performance.now() - started) / 1000
  if (code !== 0) {
    throw new StageError(stage, args, code, stderr)
  }
  return { json: lastJsonLine(stdout), seconds, stderr }
}

/** The last JSON line of stdout; an array (e.g. `lag --json`) comes back as { rows: [...] }. */
function lastJsonLine (stdout: string): Json {
  const lines = stdout.trim().split('\n').reverse()
  for (const line of lines) {
    if (!line.startsWith('{') && !line.startsWith('[')) continue
    try {
      const value = JSON.parse(line) as unknown
      return Array.isArray(value) ? { rows: value } : value as Json
    } catch { /* not JSON, keep looking */ }
  }
  return {}
}


export const num = (v: unknown): number | undefined => typeof v === 'number' && Number.isFinite(v) ? v : undefined
export const str = (v: unknown): string | undefined => typeof v === 'string' ? v : undefined

/** Plot files named in a stage's JSON (any string value ending .png/.html/.svg) or its log. */
export function plotPaths (result: StageResult): string[] {
  const found = new Set<string>()
  const visit = (v: unknown): void => {
    if (typeof v === 'string' && /\.(png|html|svg)$/i.test(v)) found.add(v)
    else if (v && typeof v === 'object') Object.values(v).forEach(visit)
  }
  visit(result.json)
  for (const m of result.stderr.matchAll(/(\/?[\w./-]+\.(?:png|html|svg))\b/gi)) found.add(m[1])
  return [...found]
}

export function fmt4 (v: number | undefined): string {
  return v === undefined || !Number.isFinite(v) ? '?' : v.toFixed(4)
}

export function banner (lines: string[]): string {
  const width = Math.max(...lines.map(l => l.length))
  const rule = '#'.repeat(width + 4)
  return `\n${rule}\n${lines.map(l => `# ${l.padEnd(width)} #`).join('\n')}\n${rule}\n`
}

export function formatSummary (summary: DemoSummary): string {
  const header = ['stage', 'rows', 'accuracy', 'AUC', 'rows/s', 'wall s', 'notes']
  const fmt = (v: number | undefined, digits: number): string => v === undefined || !Number.isFinite(v) ? '-' : v.toFixed(digits)
  const rows = summary.stages.map(s => [
    s.stage,
    s.rows === undefined ? '-' : String(s.rows),
    fmt(s.accuracy, 4),
    fmt(s.auc, 4),
    s.rowsPerSecond === undefined ? '-' : String(Math.round(s.rowsPerSecond)),
    fmt(s.wallSeconds, 1),
    s.note ?? ''
  ])
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map(r => r[i].length)))
  const line = (cells: string[]): string => cells.map((c, i) => i === 0 || i === cells.length - 1 ? c.padEnd(widths[i]) : c.padStart(widths[i])).join('  ').trimEnd()
  const out = [
    '',
    `streamfit demo: ${summary.data}${summary.synthetic ? '  (SYNTHETIC ROWS, not SUSY)' : ''}`,
    '',
    line(header),
    line(widths.map(w => '-'.repeat(w))),
    ...rows.map(line)
  ]
  if (summary.exactlyOnce) {
    const e = summary.exactlyOnce
    out.push('', `exactly-once check (read_committed reader of the predictions): ${e.predictions} predictions, ${e.distinctInputs} distinct inputs of ${e.inputs}, ${e.duplicates} duplicates`)
  }
  if (summary.online) {
    const o = summary.online
    const worse = [
      ...(o.final.accuracy === undefined || o.parent.accuracy === undefined || o.final.accuracy < o.parent.accuracy ? ['accuracy'] : []),
      ...(o.final.auc === undefined || o.parent.auc === undefined || o.final.auc < o.parent.auc ? ['AUC'] : [])
    ]
    out.push('', `online learning check: prequential loss ${fmt(o.firstQuarterLoss, 4)} over the first quarter, ${fmt(o.lastQuarterLoss, 4)} over the last ` +
      `(the starting version, frozen, on the same rows: ${fmt(o.startFirstQuarterLoss, 4)} -> ${fmt(o.startLastQuarterLoss, 4)}); ` +
      `held-out ${o.parent.model ?? '?'} ${fmt(o.parent.accuracy, 4)} / ${fmt(o.parent.auc, 4)} -> ${o.final.model ?? '?'} ${fmt(o.final.accuracy, 4)} / ${fmt(o.final.auc, 4)} ` +
      `(${worse.length === 0 ? 'no worse than its parent' : `${worse.join(' and ')} LOWER than its parent's`})`)
  }
  out.push('', summary.plots.length ? `plots:\n${summary.plots.map(p => `  ${p}`).join('\n')}` : 'plots: none reported')
  return out.join('\n') + '\n'
}
