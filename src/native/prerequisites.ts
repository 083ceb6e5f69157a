// The tools the wheel build needs, checked before anything is downloaded so a missing one is one
// clear line instead of a failure half way through a 214 MB download.
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { UsageError } from '../errors.js'

export interface Toolchain {
  python: string
  /** node-gyp's script, run with this Node. */
  nodeGyp: string
  /** Node's own headers (beside the node binary), so node-gyp downloads none; undefined: let it fetch them. */
  nodeDir?: string
}

export interface ToolOptions {
  python?: string
  cxx?: string
  nodeGyp?: string
}

export function checkToolchain (options: ToolOptions = {}): Toolchain {
  const python = options.python ?? process.env.STREAMFIT_PYTHON ?? 'python3'
  const pip = spawnSync(python, ['-m', 'pip', '--version'], { encoding: 'utf8' })
  if (pip.error !== undefined || pip.status !== 0) {
    throw new UsageError(`backend install needs Python 3 with pip to fetch the TensorFlow wheel from PyPI, but \`${python} -m pip --version\` ${failure(pip)} ` +
      '(Debian/Ubuntu: apt-get install python3-pip; or set STREAMFIT_PYTHON)')
  }
  const cxx = options.cxx ?? process.env.CXX ?? 'c++'
  for (const [tool, args] of [[cxx, ['--version']], ['make', ['--version']]] as const) {
    const result = spawnSync(tool, args, { encoding: 'utf8' })
    if (result.error !== undefined || result.status !== 0) {
      throw new UsageError(`backend install needs a C++ compiler and make to build the tfjs-node binding, but \`${tool} --version\` ${failure(result)} ` +
        '(Debian/Ubuntu: apt-get install g++ make)')
    }
  }
  const nodeGyp = options.nodeGyp ?? findNodeGyp()
  if (nodeGyp === undefined) throw new UsageError('backend install needs node-gyp (it ships with npm): not found beside npm; npm install -g node-gyp and set npm_config_node_gyp to its bin/node-gyp.js')
  const headers = join(dirname(dirname(process.execPath)), 'include', 'node')
  return { python, nodeGyp, nodeDir: existsSync(join(headers, 'node_api.h')) ? dirname(dirname(headers)) : undefined }
}

function failure (result: ReturnType<typeof spawnSync>): string {
  const code = (result.error as NodeJS.ErrnoException | undefined)?.code
  if (code === 'ENOENT') return 'found no such program'
  if (result.error !== undefined) return `failed (${result.error.message})`
  return `exited with ${result.status}${result.stderr ? `: ${String(result.stderr).trim().split('\n').pop()}` : ''}`
}

/** npm's bundled node-gyp: npm names it in npm_config_node_gyp for scripts; else beside the npm CLI. */
function findNodeGyp (): string | undefined {
  const candidates = [process.env.npm_config_node_gyp]
  if (process.env.npm_execpath !== undefined) candidates.push(join(dirname(dirname(process.env.npm_execpath)), 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'))
  candidates.push(join(dirname(dirname(process.execPath)), 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'))
  return candidates.find(c => c !== undefined && c !== '' && existsSync(c))
}
