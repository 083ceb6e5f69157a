// Which TensorFlow.js backend computes: the native ones when their packages are installed
// (CUDA, then CPU TensorFlow), else WASM (SIMD), else the pure-JS CPU kernels.
// The native packages are optional: a missing one is a normal fallback, logged in one line.
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { UsageError } from '../errors.js'

/** The TensorFlow.js namespace, whichever backend package supplied it. */
export type TF = typeof import('@tensorflow/tfjs')
/** A compute backend: native CUDA, native CPU, WebAssembly or pure JavaScript. */
export type BackendName = 'gpu' | 'node' | 'wasm' | 'cpu'
/** A backend, or `auto`: the first that loads of gpu, node, wasm, cpu. */
export type BackendPreference = BackendName | 'auto'

/** Every {@link BackendName}, in the order `auto` tries them. */
export const BACKEND_NAMES: readonly BackendName[] = ['gpu', 'node', 'wasm', 'cpu']

/** The fastest backend that loads. */
export const DEFAULT_BACKEND: BackendPreference = 'auto'

/**
 * The order `auto` tries backends in for a model learning in small steps (online: 16–32 rows a
 * step). Each tfjs-node op is a native call of about 33 µs and a gradient step is a hundred or more
 * small ops, so WASM's few-µs ops win at every size measured: a step of 32 rows on the tutorial's
 * MLP took 0.51× tfjs-node's time (with patches/' WASM fix), on a 353-weight MLP 0.30×
 * (bench/step-cost.ts, docs/training.md). The pure-JS kernels come last: 5.6× tfjs-node's time on
 * the tutorial's MLP.
 */
export const SMALL_STEP_ORDER: readonly BackendName[] = ['wasm', 'gpu', 'node', 'cpu']

/** The npm package that provides each backend (what a user installs to get it). */
export const BACKEND_PACKAGES: Record<BackendName, string> = {
  gpu: '@tensorflow/tfjs-node-gpu',
  node: '@tensorflow/tfjs-node',
  wasm: '@tensorflow/tfjs-backend-wasm',
  cpu: '@tensorflow/tfjs'
}

/** The backend that loaded, with TensorFlow.js set to it. */
export interface LoadedBackend {
  name: BackendName
  tf: TF
  /** Why earlier candidates were skipped, one short line each (empty when the first one loaded). */
  skipped: string[]
}

/** Parses --backend; throws a UsageError on an unknown name. */
export function parseBackend (text: string): BackendPreference {
  if (text === 'auto' || (BACKEND_NAMES as readonly string[]).includes(text)) return text as BackendPreference
  throw new UsageError(`--backend expects auto, gpu, node, wasm or cpu, got "${text}"`)
}

/**
 * Loads a backend. `auto` tries `order` (default gpu, node, wasm, cpu) and takes the first that
 * loads; a named backend must load or this throws a UsageError naming the package to install.
 */
export async function loadBackend (preference: BackendPreference = DEFAULT_BACKEND, order: readonly BackendName[] = BACKEND_NAMES): Promise<LoadedBackend> {
  const candidates = preference === 'auto' ? order : [preference]
  const skipped: string[] = []
  for (const name of candidates) {
    try {
      const tf = await LOADERS[name]()
      // PROD skips per-op debug checks and silences tfjs' "install tfjs-node" console advice.
      tf.env().set('PROD', true)
      return { name, tf, skipped }
    } catch (error) {
      const reason = `${name} backend unavailable: ${describeFailure(name, error)}`
      if (preference !== 'auto') throw new UsageError(reason)
      skipped.push(reason)
    }
  }
  throw new UsageError(`no TensorFlow.js backend could be loaded (${skipped.join('; ')})`)
}

const LOADERS: Record<BackendName, () => Promise<TF>> = {
  gpu: () => loadNative(BACKEND_PACKAGES.gpu, 'tensorflow'),
  node: () => loadNative(BACKEND_PACKAGES.node, 'tensorflow'),
  wasm: async () => {
    const tf = await import('@tensorflow/tfjs')
    const wasm = await import('@tensorflow/tfjs-backend-wasm')
    // In Node the .wasm binaries are read from disk: point the loader at the package's dist/.
    const require = createRequire(import.meta.url)
    wasm.setWasmPaths(join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + '/')
    await activate(tf, 'wasm')
    return tf
  },
  cpu: async () => {
    const tf = await import('@tensorflow/tfjs')
    await activate(tf, 'cpu')
    return tf
  }
}

async function loadNative (pkg: string, backend: string): Promise<TF> {
  // A variable specifier keeps TypeScript and bundlers from requiring the optional package.
  const specifier: string = pkg
  // TensorFlow's C++ logging (CPU feature notes on every start) stays off stderr unless asked for.
  process.env.TF_CPP_MIN_LOG_LEVEL ??= '2'
  const mod = await import(specifier) as TF & { default?: TF }
  const tf = mod.default ?? mod
  await activate(tf, backend)
  return tf
}

async function activate (tf: TF, backend: string): Promise<void> {
  if (!(await tf.setBackend(backend))) throw new Error(`tf.setBackend('${backend}') failed`)
  await tf.ready()
}

function describeFailure (name: BackendName, error: unknown): string {
  const code = (error as { code?: string })?.code
  const message = error instanceof Error ? error.message : String(error)
  // Not found: the package itself (not installed), or something it needs (a broken install).
  if ((code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && message.includes(`'${BACKEND_PACKAGES[name]}'`)) {
    return `${BACKEND_PACKAGES[name]} is not installed`
  }
  // Installed but broken (e.g. no CUDA libraries): keep the first line only, never a stack.
  return `${BACKEND_PACKAGES[name]} failed to load (${message.split('\n')[0]})`
}
