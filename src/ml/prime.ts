// Primes a worker's TensorFlow.js before a stream starts (not the model's --warmup epochs). A fresh worker's first gradient steps are
// slow while V8 and the WASM engine compile their code paths (a 9-32-1 MLP's first step of 4 rows
// and 6 epochs: 80–110 ms, its 5th–25th about 16 ms, later 11–15 ms), which on a short stream
// (Phishing's 1,250 rows) is a fifth of the run. The steps are taken on a twin: the model's
// architecture with its own weights and optimizer, under a Math.random of its own, so the model,
// its optimizer and the run's seeded random numbers are exactly as if nothing had happened.
import type { LayersModel, Tensor } from '@tensorflow/tfjs'
import type { TF } from './backend.js'
import { compile, type ModelTask } from './model.js'
import { fitRows } from './fit-rows.js'
import { seededRandom } from '../random.js'
import type { PrimePlan } from './protocol.js'

/** Takes `rounds` predict-and-fit steps of each size on a twin of `m`, then disposes of it. */
export async function prime (tf: TF, m: LayersModel, task: ModelTask, plan: PrimePlan, rows: (n: number) => { x: Tensor | Tensor[], y: Tensor }): Promise<void> {
  const random = Math.random
  Math.random = seededRandom(1)
  const twin = await tf.models.modelFromJSON({ modelTopology: m.toJSON(null, false) as never })
  try {
    compile(tf, twin, 0.001, task)
    for (const n of plan.steps) {
      for (let i = 0; i < plan.rounds; i++) {
        const { x, y } = rows(n)
        try {
          tf.dispose(twin.predict(x, { batchSize: n }))
          await fitRows(tf, twin, x, y, n, { epochs: plan.epochs, batchSize: plan.batchSize, shuffle: true })
        } finally {
          tf.dispose([...(Array.isArray(x) ? x : [x]), y])
        }
      }
    }
  } finally {
    twin.optimizer?.dispose()
    twin.dispose()
    Math.random = random
  }
}
