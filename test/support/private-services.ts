// Private Kafka and Redis for the crash tests: their own ports and data, so a test can SIGKILL
// them without touching the shared services the other suites use.
import { createServer } from 'node:net'
import { portOpen } from '../../src/infra/kafka-broker.js'

/** A free port whose next port is free too (a broker's listener and its controller). */
export async function freePortPair (): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const port = 20_000 + Math.floor(Math.random() * 20_000)
    if (!(await portOpen('127.0.0.1', port)) && !(await portOpen('127.0.0.1', port + 1))) return port
  }
  throw new Error('no free port pair for a private broker')
}

/** A port the OS says is free now. */
export function freePort (): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    }).on('error', reject)
  })
}
