// Puts an untrained, seeded model into the real Redis registry under a test prefix, so a scorer
// process loads it with --model as it would a trained one. The process tests use a small MLP:
// the model is not what they test, and a small one keeps them quick on a busy 2-core machine.
import type { ModelSpec } from '../../src/ml/model.js'
import { ModelRunner } from '../../src/ml/runner.js'
import { ModelRegistry } from '../../src/registry/registry.js'

export const SMALL_MODEL: ModelSpec = { inputs: 18, hidden: [16], dropout: [0], learningRate: 0.001 }

export async function storeTestModel (redisUrl: string, prefix: string, { name = 'susy', model = SMALL_MODEL }: { name?: string, model?: ModelSpec } = {}): Promise<string> {
  const runner = await ModelRunner.create({ backend: 'cpu', seed: 7, model })
  const registry = await ModelRegistry.connect({ url: redisUrl, prefix })
  try {
    const saved = await registry.save({ name, snapshot: await runner.snapshot(), backend: runner.backend, rows: 0, epochs: 0 })
    return saved.ref
  } finally {
    await registry.close()
    await runner.close()
  }
}

/** Deletes every registry key under the test prefix (tests leave Redis as they found it). */
export async function dropTestModels (redisUrl: string, prefix: string): Promise<void> {
  const { Redis } = await import('ioredis')
  const redis = new Redis(redisUrl)
  try {
    const keys = await redis.keys(`${prefix.replace(/[*?[\]]/g, '\\$&')}*`)
    if (keys.length > 0) await redis.del(...keys)
  } finally {
    redis.disconnect()
  }
}
