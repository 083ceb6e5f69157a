// Kafka's own Java client as the referee of read_committed: test/java/TxnScript.java writes
// transactions the way a Java application does, test/java/ReadCommitted.java prints what a Java
// read_committed consumer delivers. Both run as single-file sources on the broker's own jars.
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { resolve as resolvePath } from 'node:path'
import { loadConfig } from '../../src/config.js'
import { kafkaLibsDir } from '../../src/infra/paths.js'

// dist/test/support/ -> package root
const ROOT = fileURLToPath(new URL('../../../', import.meta.url))

function java (program: string, args: string[], env: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('java', ['-cp', `${kafkaLibsDir(resolvePath(ROOT, loadConfig().stateDir))}/*`, `${ROOT}test/java/${program}.java`, ...args],
      { cwd: ROOT, maxBuffer: 256 << 20, timeout: 120_000, env: { ...process.env, ...env } },
      (error, stdout, stderr) => error ? reject(new Error(`${program} failed: ${error.message}\n${stderr.slice(-2000)}`)) : resolve(stdout))
  })
}

/** Runs TxnScript's steps (`A+50` send, `A!` commit, `A~` abort) against partition 0 of `topic`. */
export async function javaTransactions (brokers: string, topic: string, steps: string[]): Promise<void> {
  await java('TxnScript', [brokers, topic, ...steps])
}

/**
 * "<partition> <offset> <value>" for every record a Java read_committed consumer delivers, in
 * order; with `headers`, followed by " headers=k=v,k=v".
 */
export async function javaReadCommitted (brokers: string, topic: string, maxFetchBytes?: number, { headers = false } = {}): Promise<string[]> {
  const out = await java('ReadCommitted', [brokers, topic, ...(maxFetchBytes === undefined ? [] : [String(maxFetchBytes)])], headers ? { REFEREE_HEADERS: '1' } : {})
  return out.split('\n').filter(line => /^\d+ \d+ /.test(line))
}
