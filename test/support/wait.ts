// Waiting on conditions and finding free ports, for tests that drive real processes.
import { createServer } from 'node:net'

/** Polls `check` every `everyMs` until it returns a truthy value; fails after `timeoutMs` naming `what`. */
export async function waitFor<T> (what: string, check: () => Promise<T> | T, { timeoutMs = 60_000, everyMs = 100 } = {}): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs
  let last: unknown
  for (;;) {
    try {
      const value = await check()
      if (value) return value as NonNullable<T>
    } catch (error) {
      last = error
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`)
    await new Promise(resolve => setTimeout(resolve, everyMs))
  }
}

/** `promise`, or a rejection naming `what` after `ms`; the timer never outlives the promise. */
export async function withTimeout<T> (promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  try {
    return await Promise.race([promise, new Promise<never>((_resolve, reject) => { timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms) })])
  } finally {
    clearTimeout(timer)
  }
}

/** A TCP port nothing listens on right now (the kernel's choice). */
export async function freePort (): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address !== null ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}

/**
 * A free port whose successor is free too (a broker's controller listens on port + 1), below the
 * ephemeral range, so that no outgoing connection of a client takes it in the meantime.
 */
export async function freePortPair (): Promise<number> {
  const free = (port: number): Promise<boolean> => new Promise(resolve => {
    const s = createServer().once('error', () => resolve(false)).listen(port, '127.0.0.1', () => s.close(() => resolve(true)))
  })
  for (let i = 0; i < 50; i++) {
    const port = 20_000 + Math.floor(Math.random() * 8_000)
    if (await free(port) && await free(port + 1)) return port
  }
  throw new Error('no free port pair below the ephemeral range')
}
