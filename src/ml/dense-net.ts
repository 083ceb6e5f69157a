// A small dense network that learns in plain JavaScript: the twin of a tfjs model of Dense and
// Dropout layers (src/ml/js-twin.ts). TensorFlow.js spends 1.3–1.9 ms on a gradient step of a
// 9-32-1 MLP whatever its rows (each op's dispatch and the autograd tape, on WASM), where the
// step itself is a few thousand multiply-adds: microseconds here. The maths is tfjs-layers' and
// tfjs-core's own, so the twin learns what the model would: Dense layers (relu, sigmoid, tanh,
// linear; softmax at the output), inverted dropout, Keras' L2 penalty on kernels, the compiled
// loss with its clipping at epsilon, and Adam's update. Weights and Adam's moments are float32
// arrays, as tfjs keeps them, so the twin's state moves to and from the model without loss.
import type { FitOptions, FitResult, StepResult } from './protocol.js'

export type Activation = 'relu' | 'sigmoid' | 'tanh' | 'linear' | 'softmax'
export type DenseLoss = 'binaryCrossentropy' | 'categoricalCrossentropy' | 'meanSquaredError'

/** One Dense layer, with the dropout that follows it. */
export interface DenseLayer {
  inputs: number
  units: number
  activation: Activation
  /** inputs × units, row-major: tfjs' kernel layout. */
  kernel: Float32Array
  bias: Float32Array | null
  /** Keras' l2(λ) on the kernel: λ·Σw² is added to the loss. */
  l2: number
  /** Dropout rate on this layer's output while training (0: none). */
  dropout: number
}

/** Adam's settings and state; `m` and `v` follow the parameters' order (each layer's kernel, then bias). */
export interface AdamState {
  beta1: number
  beta2: number
  epsilon: number
  /** Steps taken so far. */
  iterations: number
  m: Float32Array[]
  v: Float32Array[]
}

/** Rows of a mini-batch: indexes into the fit's rows. */
type Rows = ArrayLike<number>

export class DenseNet {
  /** Every trainable array, in tfjs' order: each layer's kernel, then its bias. */
  readonly params: Float32Array[]
  readonly #outputs: number

  constructor (readonly layers: DenseLayer[], readonly loss: DenseLoss, readonly adam: AdamState, readonly epsilon = 1e-7) {
    this.params = paramsOf(layers)
    this.#outputs = layers.at(-1)!.units
  }

  /** The model's outputs for n rows (inference: no dropout). */
  predict (xs: Float32Array, n: number): Float32Array {
    const { outs } = this.#forward(xs, range(n), null)
    return Float32Array.from(outs.at(-1)!)
  }

  /**
   * `fit` as src/ml/fit-rows.ts does it: rows that make one batch get one step per epoch; more
   * rows are fitted batch by batch, in the order `shuffle` (tfjs' own) gives each epoch. Labels
   * are 0/1, class indexes or values.
   */
  fit (xs: Float32Array, ys: Float32Array, n: number, options: FitOptions & { learningRate: number }, random: () => number, shuffle: (order: number[]) => void): FitResult {
    const batchSize = options.batchSize ?? 32
    const order = range(n)
    const loss: number[] = []
    for (let e = 0; e < (options.epochs ?? 1); e++) {
      if (n > batchSize && options.shuffle !== false) shuffle(order)
      let sum = 0
      for (let start = 0; start < n; start += batchSize) {
        const rows = order.slice(start, start + batchSize)
        sum += this.step(xs, ys, rows, options.learningRate, random).loss * rows.length
      }
      loss.push(sum / n)
    }
    return { loss, accuracy: loss.map(() => NaN) }
  }

  /**
   * One Adam step on `batch` (row indexes, or its first n rows); returns what trainOnBatch would: the loss before it (the compiled
   * loss's mean plus the L2 penalties) and the accuracy metric (NaN for regression).
   */
  step (xs: Float32Array, ys: Float32Array, batch: Rows | number, learningRate: number, random: () => number): StepResult {
    const rows = typeof batch === 'number' ? range(batch) : batch
    const { ins, outs, masks } = this.#forward(xs, rows, random)
    const b = rows.length
    const { delta, loss, accuracy } = this.#outputDelta(outs.at(-1)!, ys, rows)
    const penalty = this.#penalty()
    const grads: Float64Array[] = []
    let g = delta
    for (let l = this.layers.length - 1; l >= 0; l--) {
      const layer = this.layers[l]
      const a = ins[l]
      const gk = new Float64Array(layer.kernel.length)
      for (let r = 0; r < b; r++) {
        for (let i = 0; i < layer.inputs; i++) {
          const ai = a[r * layer.inputs + i]
          if (ai === 0) continue
          const k = i * layer.units
          for (let j = 0; j < layer.units; j++) gk[k + j] += ai * g[r * layer.units + j]
        }
      }
      for (let k = 0; k < gk.length; k++) gk[k] += 2 * layer.l2 * layer.kernel[k]
      if (layer.bias !== null) {
        const gb = new Float64Array(layer.units)
        for (let r = 0; r < b; r++) for (let j = 0; j < layer.units; j++) gb[j] += g[r * layer.units + j]
        grads.unshift(gk, gb)
      } else {
        grads.unshift(gk)
      }
      if (l > 0) g = this.#backThrough(l - 1, g, b, outs[l - 1], masks[l - 1])
    }
    this.#adam(grads, learningRate)
    return { loss: loss + penalty, accuracy }
  }

  /** Activations per layer: `ins[l]` feeds layer l (after the previous layer's dropout), `outs[l]` is its activation. */
  #forward (xs: Float32Array, rows: Rows, random: (() => number) | null): { ins: Float64Array[], outs: Float64Array[], masks: Array<Float64Array | null> } {
    const b = rows.length
    const width = this.layers[0].inputs
    let a = new Float64Array(b * width)
    for (let r = 0; r < b; r++) for (let i = 0; i < width; i++) a[r * width + i] = xs[rows[r] * width + i]
    const ins: Float64Array[] = []
    const outs: Float64Array[] = []
    const masks: Array<Float64Array | null> = []
    for (const layer of this.layers) {
      ins.push(a)
      const z = new Float64Array(b * layer.units)
      for (let r = 0; r < b; r++) {
        const zr = r * layer.units
        if (layer.bias !== null) for (let j = 0; j < layer.units; j++) z[zr + j] = layer.bias[j]
        for (let i = 0; i < layer.inputs; i++) {
          const ai = a[r * layer.inputs + i]
          if (ai === 0) continue
          const k = i * layer.units
          for (let j = 0; j < layer.units; j++) z[zr + j] += ai * layer.kernel[k + j]
        }
      }
      activate(z, b, layer.units, layer.activation)
      outs.push(z)
      const mask = random !== null && layer.dropout > 0 ? dropoutMask(z.length, layer.dropout, random) : null
      masks.push(mask)
      a = mask === null ? z : z.map((v, k) => v * mask[k])
    }
    return { ins, outs, masks }
  }

  /**
   * dL/dz of the output layer (the batch mean's), the batch's mean loss, as tfjs-layers' losses
   * compute them, and its accuracy as its metrics do (P(1) above 0.5; the first largest class).
   */
  #outputDelta (p: Float64Array, ys: Float32Array, rows: Rows): { delta: Float64Array, loss: number, accuracy: number } {
    const b = rows.length
    const u = this.#outputs
    const eps = this.epsilon
    const delta = new Float64Array(p.length)
    let loss = 0
    let hits = 0
    for (let r = 0; r < b; r++) {
      const y = ys[rows[r]]
      if (this.loss === 'binaryCrossentropy') {
        // The prediction is clipped to [eps, 1 - eps]: no gradient flows through a clipped one.
        const q = Math.min(Math.max(p[r], eps), 1 - eps)
        loss -= y * Math.log(q) + (1 - y) * Math.log(1 - q)
        if ((p[r] > 0.5 ? 1 : 0) === y) hits++
        delta[r] = q === p[r] ? (p[r] - y) / b : 0
      } else if (this.loss === 'categoricalCrossentropy') {
        const k = r * u + y
        const q = Math.min(Math.max(p[k], eps), 1 - eps)
        loss -= Math.log(q)
        let best = 0
        for (let j = 1; j < u; j++) if (p[r * u + j] > p[r * u + best]) best = j
        if (best === y) hits++
        if (q === p[k]) for (let j = 0; j < u; j++) delta[r * u + j] = (p[r * u + j] - (j === y ? 1 : 0)) / b
      } else {
        // One output (densePlan takes no other regression): its squared error.
        const d = p[r] - y
        loss += d * d
        delta[r] = 2 * d / b
      }
    }
    // A regression head may have an activation other than linear: through its derivative.
    if (this.loss === 'meanSquaredError') derivative(delta, p, this.layers.at(-1)!.activation)
    return { delta, loss: loss / b, accuracy: this.loss === 'meanSquaredError' ? NaN : hits / b }
  }

  /** dL/dz of layer l from dL/dz of layer l + 1: back through its kernel, its dropout and its activation. */
  #backThrough (l: number, g: Float64Array, b: number, out: Float64Array, mask: Float64Array | null): Float64Array {
    const next = this.layers[l + 1]
    const d = new Float64Array(b * next.inputs)
    for (let r = 0; r < b; r++) {
      for (let i = 0; i < next.inputs; i++) {
        const k = i * next.units
        let s = 0
        for (let j = 0; j < next.units; j++) s += g[r * next.units + j] * next.kernel[k + j]
        d[r * next.inputs + i] = mask === null ? s : s * mask[r * next.inputs + i]
      }
    }
    derivative(d, out, this.layers[l].activation)
    return d
  }

  /** Adam as tfjs-core applies it: moments, bias correction by β^t, then the step. */
  #adam (grads: Float64Array[], learningRate: number): void {
    const s = this.adam
    const t = s.iterations + 1
    const c1 = 1 - s.beta1 ** t
    const c2 = 1 - s.beta2 ** t
    this.params.forEach((w, p) => {
      const g = grads[p]
      const m = s.m[p]
      const v = s.v[p]
      for (let k = 0; k < w.length; k++) {
        m[k] = s.beta1 * m[k] + (1 - s.beta1) * g[k]
        v[k] = s.beta2 * v[k] + (1 - s.beta2) * g[k] * g[k]
        w[k] -= learningRate * (m[k] / c1) / (Math.sqrt(v[k] / c2) + s.epsilon)
      }
    })
    s.iterations = t
  }

  /** Σ λ·Σw² over the layers' kernels. */
  #penalty (): number {
    let sum = 0
    for (const layer of this.layers) {
      if (layer.l2 === 0) continue
      let s = 0
      for (const w of layer.kernel) s += w * w
      sum += layer.l2 * s
    }
    return sum
  }
}

/** The layers' trainable arrays in tfjs' order: each layer's kernel, then its bias. */
export function paramsOf (layers: DenseLayer[]): Float32Array[] {
  return layers.flatMap(l => l.bias !== null ? [l.kernel, l.bias] : [l.kernel])
}

function range (n: number): number[] {
  return Array.from({ length: n }, (_, i) => i)
}

/** tfjs' dropout: a value is kept when its uniform draw is at least the rate, and scaled by 1 / (1 - rate). */
function dropoutMask (size: number, rate: number, random: () => number): Float64Array {
  const mask = new Float64Array(size)
  const scale = 1 / (1 - rate)
  for (let k = 0; k < size; k++) mask[k] = random() >= rate ? scale : 0
  return mask
}

function activate (z: Float64Array, b: number, units: number, activation: Activation): void {
  switch (activation) {
    case 'relu': for (let k = 0; k < z.length; k++) z[k] = z[k] > 0 ? z[k] : 0; break
    case 'sigmoid': for (let k = 0; k < z.length; k++) z[k] = 1 / (1 + Math.exp(-z[k])); break
    case 'tanh': for (let k = 0; k < z.length; k++) z[k] = Math.tanh(z[k]); break
    case 'linear': break
    case 'softmax':
      for (let r = 0; r < b; r++) {
        let max = -Infinity
        for (let j = 0; j < units; j++) max = Math.max(max, z[r * units + j])
        let sum = 0
        for (let j = 0; j < units; j++) sum += (z[r * units + j] = Math.exp(z[r * units + j] - max))
        for (let j = 0; j < units; j++) z[r * units + j] /= sum
      }
  }
}

/** g ← g ⊙ f'(z), written in terms of the activation's output a = f(z) (relu's gradient at 0 is 0, as tfjs'). */
function derivative (g: Float64Array, a: Float64Array, activation: Activation): void {
  switch (activation) {
    case 'relu': for (let k = 0; k < g.length; k++) { if (!(a[k] > 0)) g[k] = 0 } break
    case 'sigmoid': for (let k = 0; k < g.length; k++) g[k] *= a[k] * (1 - a[k]); break
    case 'tanh': for (let k = 0; k < g.length; k++) g[k] *= 1 - a[k] * a[k]; break
    case 'linear': break
    case 'softmax': throw new Error('softmax is only supported at the output, under categorical cross-entropy')
  }
}
