// `streamfit backend install`: gives the project @tensorflow/tfjs-node (or -gpu). The package's own
// install script downloads libtensorflow from Google's storage; where that is reachable it runs as
// usual, else the binding is built from the TensorFlow wheel on PyPI (registry packages only).
import { execFile, spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { UsageError } from '../errors.js'
import { reachable } from '../infra/probe.js'
import { bindingHeaders, buildBinding, linkLibraries } from './binding.js'
import { downloadWheels, extraRequirements, resolveWheels } from './pip.js'
import { checkToolchain, type Toolchain } from './prerequisites.js'
import { backendModulePath, packageDir, projectRoot } from './project.js'
import { TFJS_NODE_VERSION, variantSpec, type Variant, type VariantSpec } from './variants.js'

const execFileAsync = promisify(execFile)

export type Source = 'auto' | 'download' | 'wheel'

export interface InstallOptions {
  variant: Variant
  source?: Source
  /** Reinstall even when the backend already loads. */
  force?: boolean
  /** Where the wheels are downloaded to (removed afterwards). */
  stateDir: string
  onProgress?: (line: string) => void
  /** How long the reachability check of Google's storage may take. */
  probeTimeoutMs?: number
}

export interface InstallResult {
  backend: string
  npmPackage: string
  route: 'already installed' | 'download' | 'wheel'
  seconds: number
}

const EXTRACTOR = resolve(new URL('../../../infra/native/extract_wheel.py', import.meta.url).pathname)

export async function installBackend (options: InstallOptions): Promise<InstallResult> {
  const started = Date.now()
  const spec = variantSpec(options.variant)
  const say = options.onProgress ?? (() => {})
  const done = (route: InstallResult['route']): InstallResult => ({ backend: spec.backend, npmPackage: spec.npmPackage, route, seconds: (Date.now() - started) / 1000 })
  const root = projectRoot()
  if (options.force !== true && await backendLoads(spec, root)) {
    say(`${spec.npmPackage} is already installed in ${root} and loads (backend ${spec.backend}); --force reinstalls`)
    return done('already installed')
  }
  const source = options.source ?? 'auto'
  const url = libtensorflowUrl(spec)
  const route = source === 'auto' ? (await reachable(url, options.probeTimeoutMs ?? 5000) ? 'download' : 'wheel') : source
  if (source === 'auto') say(`${url}: ${route === 'download' ? 'reachable, using the package\'s own install script' : 'not reachable, building from the TensorFlow wheel on PyPI'}`)
  // Check the build tools before any download, so a missing one costs seconds, not 214 MB.
  const tools = route === 'wheel' ? checkToolchain() : undefined
  const steps = route === 'wheel' ? 5 : 3
  say(`[1/${steps}] npm install ${spec.npmPackage}@${TFJS_NODE_VERSION} --ignore-scripts (into ${root}, not saved to package.json)`)
  await npmInstall(root, spec)
  if (route === 'wheel') await buildFromWheel(spec, root, tools!, options.stateDir, say)
  else {
    say(`[2/3] the package's install script (libtensorflow and the prebuilt binding from ${new URL(url).host})`)
    await runPackageInstallScript(packageDir(root, spec.npmPackage))
  }
  say(`[${steps}/${steps}] checking that backend ${spec.backend} loads and computes`)
  const check = await loadCheck(spec, root)
  if (!check.ok) throw new UsageError(`${spec.npmPackage} was installed but does not load: ${check.reason}`)
  return done(route)
}

async function buildFromWheel (spec: VariantSpec, root: string, tools: Toolchain, stateDir: string, say: (line: string) => void): Promise<void> {
  const pkgDir = packageDir(root, spec.npmPackage)
  const [tensorflow] = resolveWheels(tools.python, [spec.wheel])
  const cuda = spec.cudaExtra === undefined ? [] : extraRequirements(tensorflow!, spec.cudaExtra)
  if (spec.cudaExtra !== undefined && cuda.length === 0) throw new UsageError(`${tensorflow!.requirement} lists no [${spec.cudaExtra}] packages`)
  const wheelsDir = join(resolve(stateDir), 'native')
  mkdirSync(wheelsDir, { recursive: true })
  const scratch = mkdtempSync(join(wheelsDir, 'wheels-'))
  try {
    say(`[2/5] pip download ${[tensorflow!.requirement, ...cuda].join(' ')} (${tensorflow!.url.split('/').pop()})`)
    const [tfWheel, ...cudaWheels] = await downloadWheels(tools.python, [tensorflow!.requirement, ...cuda], scratch)
    const deps = join(pkgDir, 'deps')
    rmSync(deps, { recursive: true, force: true })
    const headers = bindingHeaders(pkgDir)
    say(`[3/5] extracting libtensorflow_cc.so.2, libtensorflow_framework.so.2 and the ${headers.length} headers the binding includes (with theirs) into ${deps}`)
    await extract(tools.python, ['tensorflow', tfWheel!, deps, ...headers])
    for (const wheel of cudaWheels) await extract(tools.python, ['cuda', wheel, deps])
    linkLibraries(join(deps, 'lib'))
  } finally {
    rmSync(scratch, { recursive: true, force: true })
  }
  say(`[4/5] node-gyp rebuild of the binding against ${tools.nodeDir === undefined ? 'downloaded Node headers' : `Node's headers in ${tools.nodeDir}`}`)
  await buildBinding(pkgDir, tools)
}

async function extract (python: string, args: string[]): Promise<void> {
  try {
    await execFileAsync(python, [EXTRACTOR, ...args], { maxBuffer: 1 << 20 })
  } catch (error) {
    const stderr = String((error as { stderr?: string }).stderr ?? '').trim().split('\n').pop()
    throw new UsageError(`extracting ${args[1]} failed: ${stderr || (error as Error).message}`)
  }
}

function npmCommand (): [string, string[]] {
  const npmCli = process.env.npm_execpath
  return npmCli !== undefined && npmCli.endsWith('.js') ? [process.execPath, [npmCli]] : ['npm', []]
}

/**
 * The package's own install script (downloads libtensorflow and the prebuilt addon), run
 * explicitly: npm 11 may hold back dependencies' install scripts until they are approved.
 */
async function runPackageInstallScript (pkgDir: string): Promise<void> {
  const [command, prefix] = npmCommand()
  const child = spawn(command, [...prefix, 'run', 'install'], { cwd: pkgDir, stdio: ['ignore', 'inherit', 'inherit'] })
  const code = await new Promise<number | null>((resolve, reject) => { child.on('error', reject); child.on('close', resolve) })
  if (code !== 0) throw new UsageError(`the install script of ${pkgDir} failed (exit ${code}); \`streamfit backend install --from wheel\` builds it from PyPI instead`)
}

/** npm install --no-save: the package stays out of package.json and the lockfile, so `npm ci` stays WASM-only. */
async function npmInstall (root: string, spec: VariantSpec): Promise<void> {
  const [command, prefix] = npmCommand()
  // Name the other native package too when it is present, or npm prunes it as extraneous.
  const specs = [`${spec.npmPackage}@${TFJS_NODE_VERSION}`]
  const other = variantSpec(spec.variant === 'gpu' ? 'cpu' : 'gpu')
  if (await installedVersion(root, other.npmPackage) === TFJS_NODE_VERSION) specs.push(`${other.npmPackage}@${TFJS_NODE_VERSION}`)
  const args = [...prefix, 'install', '--no-save', '--no-audit', '--no-fund', '--ignore-scripts', ...specs]
  const child = spawn(command, args, { cwd: root, stdio: ['ignore', 'inherit', 'pipe'] })
  let stderr = ''
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
  const code = await new Promise<number | null>((resolve, reject) => { child.on('error', reject); child.on('close', resolve) })
  if (code !== 0) throw new UsageError(`npm install ${specs.join(' ')} failed (exit ${code}): ${stderr.trim().split('\n').filter(l => /ERR/.test(l)).slice(-2).join(' | ') || stderr.trim().split('\n').pop()}`)
}

async function installedVersion (root: string, npmPackage: string): Promise<string | undefined> {
  try {
    const { readFile } = await import('node:fs/promises')
    return (JSON.parse(await readFile(join(packageDir(root, npmPackage), 'package.json'), 'utf8')) as { version: string }).version
  } catch {
    return undefined
  }
}

/** Where the package's install script fetches libtensorflow (honouring its mirror settings). */
export function libtensorflowUrl (spec: VariantSpec, env: NodeJS.ProcessEnv = process.env): string {
  const host = env.TFJS_NODE_CDN_STORAGE ?? env.npm_config_TFJS_NODE_CDN_STORAGE ?? env.CDN_STORAGE ?? 'https://storage.googleapis.com/'
  const base = env.TFJS_NODE_BASE_URI ?? env.npm_config_TFJS_NODE_BASE_URI ?? `${host}tensorflow/libtensorflow/libtensorflow-`
  return `${base}${spec.variant}-linux-x86_64-2.9.1.tar.gz`
}


async function backendLoads (spec: VariantSpec, root: string): Promise<boolean> {
  return (await loadCheck(spec, root)).ok
}

/** Loads the backend in a fresh process (a failed native load can leave a process unusable). */
export async function loadCheck (spec: VariantSpec, root: string): Promise<{ ok: boolean, reason?: string }> {
  const script = `
    const { loadBackend } = await import(${JSON.stringify(backendModulePath())})
    const b = await loadBackend(${JSON.stringify(spec.backend)})
    const y = b.tf.tensor2d([[1, 2]]).matMul(b.tf.tensor2d([[3], [4]])).dataSync()[0]
    if (y !== 11 || b.tf.getBackend() !== 'tensorflow') throw new Error('computed ' + y + ' on ' + b.tf.getBackend())`
  try {
    await execFileAsync(process.execPath, ['--input-type=module', '-e', script], { cwd: root })
    return { ok: true }
  } catch (error) {
    const lines = String((error as { stderr?: string }).stderr ?? (error as Error).message).trim().split('\n')
    return { ok: false, reason: lines.find(l => /Error/.test(l)) ?? lines.pop() }
  }
}
