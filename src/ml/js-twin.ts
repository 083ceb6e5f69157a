// The worker's plain-JavaScript twin of a small model (src/ml/dense-net.ts). A model qualifies
// when it is a stack of Dense and Dropout layers compiled with Adam and its task's loss, under a
// size where JavaScript's loops beat tfjs' per-op cost. The twin reads the model's weights and
// Adam's state on first use and is the truth while it learns (online's fits, train's steps and
// weight average) and predicts; anything else that reads the tfjs model (a snapshot, a new
// optimizer) first has the twin written back.
import type { LayersModel, Tensor, Variable } from '@tensorflow/tfjs'
import type { BackendPreference, TF } from './backend.js'
import { DenseNet, paramsOf, type Activation, type DenseLayer, type DenseLoss } from './dense-net.js'

/**
 * With `--backend auto`, online and train give a model under this many weights a twin. Above it
 * tfjs' WASM kernels win: bench/step-cost.ts, a step of 16 rows (predict, fit 3 epochs), 353
 * weights 0.33 against 3.70 ms on WASM, 5,441 weights 3.13 against 5.36, 19,073 weights 8.59
 * against 6.04; the two cross near 12,000 (near 7,000 at 32 rows).
 */
export const JS_TWIN_MAX_WEIGHTS = 10_000

/** The twin's size limit for a run on `backend`: `max` with auto; a named backend computes in tfjs. */
export function jsMaxWeightsFor (backend: BackendPreference = 'auto', max = JS_TWIN_MAX_WEIGHTS): number {
  return backend === 'auto' ? max : 0
}

const ACTIVATIONS = new Set<string>(['relu', 'sigmoid', 'tanh', 'linear', 'softmax'])
/** A named tensor of an optimizer's state (tfjs-core's NamedTensor). */
interface NamedTensor { name: string, tensor: Tensor }

const LOSS_OF_OUTPUT: Record<string, DenseLoss> = { sigmoid: 'binaryCrossentropy', softmax: 'categoricalCrossentropy', linear: 'meanSquaredError' }

/** A model's layers as the twin reads them (weights still in the model), or why it cannot. */
type Plan = { layers: Array<Omit<DenseLayer, 'kernel' | 'bias'> & { useBias: boolean }>, loss: DenseLoss } | { reason: string }

/** The Dense/Dropout stack of `m` with its loss, or the reason the twin cannot learn it. */
export function densePlan (m: LayersModel, maxWeights: number): Plan {
  if (m.countParams() >= maxWeights) return { reason: `${m.countParams()} weights, the twin takes fewer than ${maxWeights}` }
  if (m.inputs.length !== 1 || m.outputs.length !== 1) return { reason: 'more than one input or output' }
  if (m.optimizer?.getClassName() !== 'Adam') return { reason: 'not compiled with Adam' }
  const layers: Extract<Plan, { layers: unknown }>['layers'] = []
  for (const layer of m.layers) {
    const config = layer.getConfig() as Record<string, unknown>
    const kind = layer.getClassName()
    if (kind === 'InputLayer') continue
    if (kind === 'Dropout' && layers.length > 0 && config.noiseShape == null) {
      layers.at(-1)!.dropout = Number(config.rate)
      continue
    }
    const l2 = (config.kernelRegularizer as { className?: string, config?: { l1?: number, l2?: number } } | null)
    if (kind !== 'Dense' || !ACTIVATIONS.has(String(config.activation)) || config.activityRegularizer != null || config.biasRegularizer != null ||
      (l2 != null && (l2.className !== 'L1L2' || (l2.config?.l1 ?? 0) !== 0))) return { reason: `layer ${layer.name} (${kind})` }
    const shape = layer.weights[0]!.shape as number[]
    layers.push({ inputs: shape[0]!, units: shape[1]!, activation: config.activation as Activation, useBias: config.useBias !== false, l2: l2?.config?.l2 ?? 0, dropout: 0 })
  }
  const output = layers.at(-1)?.activation ?? ''
  const loss = LOSS_OF_OUTPUT[output]
  const compiled = (m as unknown as { loss?: unknown }).loss
  if (loss === undefined || compiled !== loss) return { reason: `output ${output} with loss ${String(compiled)}` }
  if (loss === 'meanSquaredError' && layers.at(-1)!.units !== 1) return { reason: 'a regression with more than one output' }
  if (layers.slice(0, -1).some(l => l.activation === 'softmax')) return { reason: 'softmax before the output' }
  return { layers, loss }
}

/** The twin of the worker's model, when it has one. */
export class JsTwin {
  #plan: Plan = { reason: 'no model' }
  #net: DenseNet | null = null
  // train's weight average (src/ml/weight-average.ts' maths) over the twin's weights; it outlives
  // a forgotten twin, as weights written back are read again.
  #average: { decay: number, shadow: Float32Array[], updates: number } | null = null

  constructor (private readonly tf: TF, private readonly maxWeights: number) {}

  /** Takes a new model (the previous twin, if any, is dropped unwritten: its model is gone). */
  adopt (m: LayersModel): void {
    this.#plan = densePlan(m, this.maxWeights)
    this.#net = null
    this.#average = null
  }

  /** Whether the twin keeps a weight average. */
  get averaging (): boolean {
    return this.#average !== null
  }

  /** Starts averaging the twin's weights from now (decay 0: stops); false when `m` has no twin. */
  async startAverage (m: LayersModel, decay: number): Promise<boolean> {
    const net = await this.of(m)
    if (net === null) return false
    this.#average = decay > 0 ? { decay, shadow: net.params.map(w => w.slice()), updates: 0 } : null
    return true
  }

  /** Folds the weights after a step into the average, bias-corrected as WeightAverage does. */
  updateAverage (net: DenseNet): void {
    const a = this.#average
    if (a === null) return
    a.updates++
    const rate = (1 - a.decay) / (1 - a.decay ** a.updates)
    net.params.forEach((w, i) => { const s = a.shadow[i]!; for (let k = 0; k < w.length; k++) s[k] += (w[k] - s[k]) * rate })
  }

  /** Exchanges the twin's weights with the average's (twice restores them). */
  async swapAverage (m: LayersModel): Promise<void> {
    const net = await this.of(m)
    if (net === null || this.#average === null) throw new Error('no weight average: start one first')
    const { shadow } = this.#average
    net.params.forEach((w, i) => { const trained = w.slice(); w.set(shadow[i]!); shadow[i]!.set(trained) })
  }

  /** Whether the adopted model learns in the twin. */
  get active (): boolean {
    return 'layers' in this.#plan
  }

  /** The twin of `m`, read from it on first use; null when `m` does not qualify. */
  async of (m: LayersModel): Promise<DenseNet | null> {
    if (this.#net !== null || !('layers' in this.#plan)) return this.#net
    const weights = m.getWeights().map(w => Float32Array.from(w.dataSync()))
    const layers: DenseLayer[] = []
    for (const { useBias, ...layer } of this.#plan.layers) {
      layers.push({ ...layer, kernel: weights.shift()!, bias: useBias ? weights.shift()! : null })
    }
    const optimizer = m.optimizer as unknown as { getConfig: () => { beta1: number, beta2: number, epsilon: number }, getWeights: () => Promise<NamedTensor[]> }
    const [iter, ...moments] = await optimizer.getWeights()
    const iterations = (await iter!.tensor.data())[0]!
    iter!.tensor.dispose()
    const sizes = paramsOf(layers).map(p => p.length)
    if (moments.length !== 0 && (moments.length !== 2 * sizes.length || moments.some((t, i) => t.tensor.size !== sizes[i % sizes.length]))) {
      this.#plan = { reason: `Adam holds ${moments.length} moments for ${sizes.length} weights` }
      return null
    }
    // No moments yet (a new optimizer): zeros, as Adam's first step creates them.
    const read = (i: number): Float32Array => moments.length === 0 ? new Float32Array(sizes[i % sizes.length]!) : Float32Array.from(moments[i]!.tensor.dataSync())
    const { beta1, beta2, epsilon } = optimizer.getConfig()
    this.#net = new DenseNet(layers, this.#plan.loss, { beta1, beta2, epsilon, iterations, m: sizes.map((_, i) => read(i)), v: sizes.map((_, i) => read(i + sizes.length)) }, this.tf.backend().epsilon())
    return this.#net
  }

  /** Writes the twin's weights and Adam's state into `m`; `forget` drops the twin (the model is the truth again). */
  async flush (m: LayersModel, forget: boolean): Promise<void> {
    const net = this.#net
    if (net === null) return
    if (forget) this.#net = null
    const { tf } = this
    const variables = m.trainableWeights
    net.params.forEach((w, i) => {
      const value = tf.tensor(w, variables[i]!.shape as number[])
      variables[i]!.write(value)
      value.dispose()
    })
    const optimizer = m.optimizer as unknown as { getWeights: () => Promise<NamedTensor[]>, setWeights: (w: NamedTensor[]) => Promise<void> }
    const [iter, ...old] = await optimizer.getWeights()
    iter!.tensor.dispose()
    const names = variables.map(v => (v.read() as Variable).name)
    const state = net.adam
    const named = (arrays: Float32Array[], suffix: string, at: number): NamedTensor[] => arrays.map((a, i) => ({ name: old[at + i]?.name ?? `${names[i]}/${suffix}`, tensor: tf.tensor(a, variables[i]!.shape as number[]) }))
    const next = [{ name: 'iter', tensor: tf.scalar(state.iterations, 'int32') }, ...named(state.m, 'm', 0), ...named(state.v, 'v', names.length)]
    await optimizer.setWeights(next)
    // setWeights made variables of the new tensors (sharing their data) and dropped the old moments unfreed.
    tf.dispose(next.map(n => n.tensor) as Tensor[])
    tf.dispose(old.map(n => n.tensor as Variable))
  }
}
