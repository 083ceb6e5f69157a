// Scale-out throughput: 1 vs 3 `streamfit score` processes in one group on a 6-partition topic,
// each run judged exactly-once by the independent verifier. Rounds alternate (1, 3, 1, 3, …) so
// that a noisy neighbour hurts both sides; the medians and their ratio are printed.
//   node dist/bench/scale-out.js [rounds=2]      (SCALE_OUT_ROWS, SCALE_OUT_BATCH as in the test)
import { availableParallelism, loadavg } from 'node:os'
import { ROWS, setUp, tearDown, throughput } from '../test/support/scale-out.js'

const rounds = Number(process.argv[2] ?? 2)
const rates: Record<1 | 3, number[]> = { 1: [], 3: [] }
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

console.log(`scale-out: ${ROWS} records per run, ${rounds} round(s), ${availableParallelism()} cores, load average ${loadavg()[0]!.toFixed(1)} at start`)
await setUp()
try {
  for (let round = 0; round < rounds; round++) {
    for (const instances of [1, 3] as const) rates[instances].push(await throughput(instances))
  }
} finally {
  await tearDown()
}
const one = median(rates[1])
const three = median(rates[3])
console.log(`1 instance:  ${Math.round(one)} records/s (median of ${rates[1].map(Math.round).join(', ')})`)
console.log(`3 instances: ${Math.round(three)} records/s (median of ${rates[3].map(Math.round).join(', ')})`)
console.log(`ratio 3/1: ${(three / one).toFixed(2)}× (load average ${loadavg()[0]!.toFixed(1)} at end)`)
