// PyPI through the user's own pip (so its index, proxy, certificates and cache settings apply):
// resolve a wheel without downloading it (pip reads the wheel's metadata file), then download.
import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { UsageError } from '../errors.js'
import { wheelTarget } from './variants.js'

export interface ResolvedWheel {
  requirement: string
  url: string
  /** Requires-Dist lines from the wheel's metadata. */
  requires: string[]
}

function targetArgs (): string[] {
  const target = wheelTarget()
  return ['--no-deps', '--only-binary=:all:', '--python-version', target.pythonVersion, '--platform', target.platform]
}

/** Which wheel pip would download for each requirement, read from the index only (a few seconds). */
export function resolveWheels (python: string, requirements: string[]): ResolvedWheel[] {
  const scratch = mkdtempSync(join(tmpdir(), 'streamfit-pip-'))
  try {
    const report = join(scratch, 'report.json')
    const result = spawnSync(python, ['-m', 'pip', 'install', '--dry-run', '--ignore-installed', '--quiet', '--report', report,
      '--target', join(scratch, 'target'), ...targetArgs(), ...requirements], { encoding: 'utf8' })
    if (result.status !== 0) throw new UsageError(`pip cannot find ${requirements.join(', ')} for ${wheelTarget().platform}: ${lastLine(result.stderr)}`)
    const installs = (JSON.parse(readFileSync(report, 'utf8')) as { install: PipReportItem[] }).install
    return installs.map(item => ({
      requirement: `${item.metadata.name}==${item.metadata.version}`,
      url: item.download_info.url,
      requires: item.metadata.requires_dist ?? []
    }))
  } finally {
    rmSync(scratch, { recursive: true, force: true })
  }
}

interface PipReportItem {
  download_info: { url: string }
  metadata: { name: string, version: string, requires_dist?: string[] }
}

/** The pinned requirements of one extra (tensorflow[and-cuda] lists the CUDA wheels). */
export function extraRequirements (wheel: ResolvedWheel, extra: string): string[] {
  return wheel.requires
    .filter(line => new RegExp(`extra\\s*==\\s*["']${extra}["']`).test(line))
    .map(line => line.split(';')[0]!.replace(/\s+/g, ''))
}

/** Downloads the wheels into `dir` with pip's own progress bar on stderr; returns their paths. */
export async function downloadWheels (python: string, requirements: string[], dir: string): Promise<string[]> {
  const child = spawn(python, ['-m', 'pip', 'download', '--progress-bar', 'on', '--dest', dir, ...targetArgs(), ...requirements],
    { stdio: ['ignore', 'inherit', 'pipe'] })
  let stderr = ''
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); process.stderr.write(chunk) })
  const code = await new Promise<number | null>((resolve, reject) => { child.on('error', reject); child.on('close', resolve) })
  if (code !== 0) throw new UsageError(`pip download ${requirements.join(' ')} failed (exit ${code}): ${lastLine(stderr)}`)
  const files = readdirSync(dir).filter(f => f.endsWith('.whl'))
  return requirements.map(req => {
    const name = req.split('==')[0]!.replace(/[-.]/g, '_').toLowerCase()
    const file = files.find(f => f.toLowerCase().startsWith(`${name}-`))
    if (file === undefined) throw new UsageError(`pip download ${req} left no wheel in ${dir}`)
    return join(dir, file)
  })
}

function lastLine (text: string): string {
  return text.trim().split('\n').filter(Boolean).pop() ?? 'no message'
}
