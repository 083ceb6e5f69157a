// Lays libtensorflow out where tfjs-node's binding.gyp expects it (deps/lib, deps/include) and
// builds the binding with node-gyp against Node's local headers.
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, symlinkSync } from 'node:fs'
import { join } from 'node:path'
import { UsageError } from '../errors.js'
import type { Toolchain } from './prerequisites.js'

/** The TensorFlow headers the binding's sources include (the roots of the header walk). */
export function bindingHeaders (pkgDir: string): string[] {
  const dir = join(pkgDir, 'binding')
  const headers = new Set<string>()
  for (const file of readdirSync(dir)) {
    for (const match of readFileSync(join(dir, file), 'utf8').matchAll(/^\s*#\s*include\s*"(tensorflow\/[^"]+)"/gm)) headers.add(match[1]!)
  }
  if (headers.size === 0) throw new UsageError(`${dir} includes no TensorFlow header: not the tfjs-node binding this installer knows`)
  return [...headers].sort()
}

/** The names binding.gyp links (-ltensorflow -ltensorflow_framework) and the runtime sonames. */
export function linkLibraries (libDir: string): void {
  const links: Array<[string, string]> = [
    ['libtensorflow.so.2', 'libtensorflow_cc.so.2'],
    ['libtensorflow.so', 'libtensorflow.so.2'],
    ['libtensorflow_framework.so', 'libtensorflow_framework.so.2']
  ]
  for (const [link, target] of links) {
    rmSync(join(libDir, link), { force: true })
    symlinkSync(target, join(libDir, link))
  }
}

/** The Node-API version node-pre-gyp will look for: the highest the package lists that this Node has. */
export function napiBuildVersion (pkgDir: string): number {
  const versions = (JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as { binary?: { napi_versions?: number[] } }).binary?.napi_versions ?? []
  const usable = versions.filter(v => v <= Number(process.versions.napi))
  if (usable.length === 0) throw new UsageError(`this Node (Node-API ${process.versions.napi}) is older than the package supports (${versions.join(', ')})`)
  return Math.max(...usable)
}

/** node-gyp rebuild; the addon lands in lib/napi-v<N>/tfjs_binding.node, where the package's loader looks. */
export async function buildBinding (pkgDir: string, tools: Toolchain): Promise<string> {
  const napi = napiBuildVersion(pkgDir)
  const modulePath = join(pkgDir, 'lib', `napi-v${napi}`)
  mkdirSync(modulePath, { recursive: true })
  const args = [tools.nodeGyp, 'rebuild', `--python=${tools.python}`, '--module_name=tfjs_binding', `--module_path=${modulePath}`, `--napi_build_version=${napi}`]
  if (tools.nodeDir !== undefined) args.push(`--nodedir=${tools.nodeDir}`)
  const child = spawn(process.execPath, args, { cwd: pkgDir, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => { output += chunk.toString() })
  child.stderr.on('data', (chunk: Buffer) => { output += chunk.toString() })
  const code = await new Promise<number | null>((resolve, reject) => { child.on('error', reject); child.on('close', resolve) })
  const addon = join(modulePath, 'tfjs_binding.node')
  if (code !== 0 || !existsSync(addon)) {
    const tail = output.trim().split('\n').filter(l => /error|ERR!/i.test(l)).slice(-3).join(' | ')
    throw new UsageError(`node-gyp could not build the tfjs-node binding (exit ${code}): ${tail || output.trim().split('\n').pop()}`)
  }
  return addon
}
