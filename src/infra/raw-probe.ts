// Probes in plain sockets: one Kafka Metadata request, one Redis PING. `up` runs before every
// `npm test`, and loading a full client library costs more than the probe itself.
import { createConnection, type Socket } from 'node:net'

/** Sends `request`, resolves with the first complete reply per `complete`, or null on any failure. */
function exchange (host: string, port: number, request: Buffer, complete: (reply: Buffer) => boolean, timeoutMs: number): Promise<Buffer | null> {
  return new Promise(resolve => {
    let reply = Buffer.alloc(0)
    const socket: Socket = createConnection({ host, port })
    const done = (value: Buffer | null): void => { socket.destroy(); resolve(value) }
    socket.setTimeout(timeoutMs, () => done(null))
    socket.once('error', () => done(null))
    socket.once('close', () => done(null))
    socket.once('connect', () => socket.write(request))
    socket.on('data', chunk => {
      reply = Buffer.concat([reply, chunk])
      if (complete(reply)) done(reply)
    })
  })
}

const METADATA_API = 3
const METADATA_VERSION = 4 // the oldest Kafka 4 still serves (KIP-896); fixed-width, no tagged fields
const CORRELATION_ID = 0x5f5f

/** Broker count from a real Metadata request to host:port, or null when no broker answers. */
export async function kafkaMetadataProbe (host: string, port: number, timeoutMs: number): Promise<number | null> {
  const clientId = Buffer.from('streamfit-probe')
  const request = Buffer.alloc(4 + 2 + 2 + 4 + 2 + clientId.length + 4 + 1)
  let at = request.writeInt32BE(request.length - 4, 0)
  at = request.writeInt16BE(METADATA_API, at)
  at = request.writeInt16BE(METADATA_VERSION, at)
  at = request.writeInt32BE(CORRELATION_ID, at)
  at = request.writeInt16BE(clientId.length, at)
  at += clientId.copy(request, at)
  at = request.writeInt32BE(0, at) // no topics: only the brokers are wanted
  request.writeInt8(0, at) // allow_auto_topic_creation = false
  const reply = await exchange(host, port, request, r => r.length >= 4 && r.length >= 4 + r.readInt32BE(0), timeoutMs)
  if (reply === null || reply.length < 16 || reply.readInt32BE(4) !== CORRELATION_ID) return null
  const brokers = reply.readInt32BE(12) // after size, correlation id, throttle_time_ms
  return brokers >= 1 && brokers < 100_000 ? brokers : null
}

/** Whether a Redis answers at host:port: PONG, or a refusal that only a Redis would give. */
export async function redisPingProbe (host: string, port: number, timeoutMs: number, auth?: { username?: string, password: string }): Promise<boolean> {
  const commands: string[][] = []
  if (auth) commands.push(auth.username ? ['AUTH', auth.username, auth.password] : ['AUTH', auth.password])
  commands.push(['PING'])
  const request = Buffer.from(commands.map(c => `*${c.length}\r\n${c.map(a => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`).join(''))
  const lines = (r: Buffer): string[] => r.toString('latin1').split('\r\n').filter(Boolean)
  const reply = await exchange(host, port, request, r => lines(r).length >= commands.length || r.toString('latin1').startsWith('-'), timeoutMs)
  if (reply === null) return false
  const last = lines(reply).at(-1) ?? ''
  return last === '+PONG' || /^-(NOAUTH|WRONGPASS|ERR invalid password)/.test(last)
}
