// Puts an untrained, seeded model into the real Redis registry under a test prefix, so a scorer
// process loads it with --model as it would a trained one, and removes a test's registry keys.
// The process tests use a small MLP: the model is not what they test, and a small one keeps them
// quick on a busy 2-core machine.
import { loadConfig } from '../../src/config.js'
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

/**
 * Saves a freshly initialised (untrained, seeded) default SUSY model as the latest version under
 * `prefix` of the configured Redis, so scorers have something to load without a training run.
 */
export async function saveSeededModel (prefix: string, seed = 7): Promise<string> {
  const runner = await ModelRunner.create({ backend: 'wasm', seed })
  const registry = await ModelRegistry.connect({ url: loadConfig().redisUrl, prefix })
  try {
    const info = await registry.save({ snapshot: await runner.snapshot(), backend: runner.backend, rows: 0, epochs: 0, info: { trainer: 'test: seeded, untrained' } })
    return info.ref
  } finally {
    await registry.close()
    await runner.close()
  }
}

/** Deletes every Redis key under `prefix` (tests leave Redis as they found it). */
export async function dropTestModels (redisUrl: string, prefix: string): Promise<void> {
  const { Redis } = await import('ioredis')
  const redis = new Redis(redisUrl)
  try {
    let cursor = '0'
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`, 'COUNT', 500)
      cursor = next
      if (keys.length > 0) await redis.del(...keys)
    } while (cursor !== '0')
  } finally {
    redis.disconnect()
  }
}

/** dropTestModels on the configured Redis. */
export async function dropRegistry (prefix: string): Promise<void> {
  await dropTestModels(loadConfig().redisUrl, prefix)
}
