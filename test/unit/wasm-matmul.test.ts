// patches/@tensorflow+tfjs-backend-wasm+4.22.0.patch: the WASM backend's matrix products with a
// transposed operand (every Dense layer's backward pass) took 5–8× the time of the same product
// of operands transposed beforehand; the patch transposes first. These tests run in a child
// process, so that this suite's choice of backend touches no other suite.
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { fileURLToPath } from 'node:url'
import { test } from 'uvu'
import * as assert from 'uvu/assert'

const run = promisify(execFile)
const backendModule = fileURLToPath(new URL('../../src/ml/backend.js', import.meta.url))

/** Runs `body` (which ends by printing JSON) with the WASM backend active as `tf` and the CPU backend's kernels as reference. */
async function withWasm (body: string): Promise<any> {
  const script = `
    const { loadBackend } = await import(${JSON.stringify(backendModule)})
    const { tf } = await loadBackend('wasm')
    const onCpu = async (f) => { await tf.setBackend('cpu'); try { return f() } finally { await tf.setBackend('wasm') } }
    ${body}`
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { maxBuffer: 1 << 20 })
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '')
}

test('matMul and fused matMul with transposed operands give the CPU backend\'s products', async () => {
  const { out: cases, leaked } = await withWasm(`
    const out = []
    // [a, b] shapes as multiplied (before any transpose), ranks 2 and 3, both large enough for the
    // patched path (16,384 multiply-adds)
    for (const [as, bs] of [[[32, 256], [256, 128]], [[3, 20, 30], [3, 30, 40]]]) {
      for (const ta of [false, true]) for (const tb of [false, true]) {
        const seeded = (shape, seed) => tf.randomUniform(shape, -1, 1, 'float32', seed)
        const swap = (s) => [...s.slice(0, -2), s.at(-1), s.at(-2)]
        const a = seeded(ta ? swap(as) : as, 1), b = seeded(tb ? swap(bs) : bs, 2)
        const bias = seeded([bs.at(-1)], 3)
        const av = a.arraySync(), bv = b.arraySync(), biasv = bias.arraySync()
        const plain = tf.matMul(a, b, ta, tb).arraySync()
        // The fused kernel is checked at rank 2, the only rank Dense layers give it: at rank 3 its
        // unpatched products are wrong even without a transpose (bias and batch; not this patch's).
        const fused = as.length === 2 ? tf.fused.matMul({ a, b, transposeA: ta, transposeB: tb, bias, activation: 'relu' }).arraySync() : null
        const [refPlain, refFused] = await onCpu(() => {
          const [ca, cb, cbias] = [tf.tensor(av), tf.tensor(bv), tf.tensor(biasv)]
          return [tf.matMul(ca, cb, ta, tb).arraySync(), fused && tf.fused.matMul({ a: ca, b: cb, transposeA: ta, transposeB: tb, bias: cbias, activation: 'relu' }).arraySync()]
        })
        const diff = (x, y) => { const ys = y.flat(2); return Math.max(...x.flat(2).map((v, i) => Math.abs(v - ys[i]))) }
        out.push({ shapes: [as, bs], ta, tb, plain: diff(plain, refPlain), fused: fused && diff(fused, refFused), size: plain.flat(2).length })
      }
    }
    // The patch's temporary operands are freed: no backend data left behind after many products.
    const [a, b] = [tf.randomUniform([64, 64]), tf.randomUniform([32, 64])]
    const before = tf.backend().numDataIds()
    for (let i = 0; i < 200; i++) tf.tidy(() => { tf.matMul(a, b, false, true); tf.matMul(a, a, true, false); tf.fused.matMul({ a, b, transposeB: true, bias: tf.ones([32]) }) })
    console.log(JSON.stringify({ out, leaked: tf.backend().numDataIds() - before }))`)
  assert.is(leaked, 0, 'backend data ids left after 600 products')
  assert.is(cases.length, 8)
  for (const c of cases) {
    assert.ok(c.size === (c.shapes[0].length === 2 ? 32 * 128 : 3 * 20 * 40), `product of ${JSON.stringify(c.shapes)} has the right size`)
    assert.ok(c.plain < 1e-4 && (c.fused === null || c.fused < 1e-4), `${JSON.stringify(c)}: within 1e-4 of the CPU backend`)
  }
})

test('a product with a transposed operand costs about what the same product costs once the operand is transposed beforehand', async () => {
  // A Dense layer's backward pass on the tutorial's MLP: dW = xᵀ·dy and dx = dy·Wᵀ, 32 rows.
  // Unpatched, they took 5.3× and 7.6× the pre-transposed product's time; patched, 0.9–1.7×
  // (medians of 7 rounds, each of 40 products); the bound leaves room for a noisy machine.
  const ratios = await withWasm(`
    const x = tf.randomUniform([32, 256]), dy = tf.randomUniform([32, 128]), w = tf.randomUniform([256, 128])
    const xT = tf.transpose(x), wT = tf.transpose(w)
    const time = (f) => { for (let i = 0; i < 5; i++) f().dispose(); const t = performance.now(); for (let i = 0; i < 40; i++) f().dataSync(); return performance.now() - t }
    const median = (xs) => [...xs].sort((p, q) => p - q)[xs.length >> 1]
    const r = { dW: [], dx: [] }
    for (let round = 0; round < 7; round++) {
      r.dW.push(time(() => tf.matMul(x, dy, true, false)) / time(() => tf.matMul(xT, dy)))
      r.dx.push(time(() => tf.matMul(dy, w, false, true)) / time(() => tf.matMul(dy, wT)))
    }
    console.log(JSON.stringify({ dW: median(r.dW), dx: median(r.dx) }))`)
  assert.ok(ratios.dW < 3, `xᵀ·dy took ${ratios.dW.toFixed(2)}× the time of the pre-transposed product`)
  assert.ok(ratios.dx < 3, `dy·Wᵀ took ${ratios.dx.toFixed(2)}× the time of the pre-transposed product`)
})

test.run()
