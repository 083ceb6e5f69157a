// Puts an (untrained, seeded) SUSY model into the real Redis registry under a test prefix, so a
// scorer process can load it with --model like it would a trained one.
import { ModelRunner } from '../../src/ml/runner.js'
import { ModelRegistry } from '../../src/registry/registry.js'

export async function storeTestModel (redisUrl: string, prefix: string, name = 'susy'): Promise<string> {
  const runner = await ModelRunner.create({ backend: 'cpu', seed: 7 })
  const registry = await ModelRegistry.connect({ url: redisUrl, prefix })
  try {
    const saved = await registry.save({ name, snapshot: await runner.snapshot(), backend: runner.backend, rows: 0, epochs: 0 })
    return saved.ref
  } finally {
    await registry.close()
    await runner.close()
  }
}
