// The Java side of the comparison: builds bench/kafka-streams with Maven (once, again when a source
// changed) and starts the Kafka Streams app or the latency probe.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const PROJECT = fileURLToPath(new URL('../../../bench/kafka-streams/', import.meta.url))
const JAR = join(PROJECT, 'target', 'kafka-streams-passthrough-1.0.jar')
const SOURCES = join(PROJECT, 'src', 'main', 'java', 'streamfit', 'bench')
const CLASSPATH = `${JAR}:${join(PROJECT, 'target', 'lib', '*')}`
// Kafka's INFO logging would flood stderr; warnings still show.
const JVM = ['-Xmx1g', '-Dorg.slf4j.simpleLogger.defaultLogLevel=warn']

export function buildJava (log: (line: string) => void): void {
  const newest = Math.max(...[join(PROJECT, 'pom.xml'), ...readdirSync(SOURCES).map(f => join(SOURCES, f))].map(f => statSync(f).mtimeMs))
  if (existsSync(JAR) && statSync(JAR).mtimeMs >= newest) return
  log('building bench/kafka-streams with Maven (kafka-streams 4.1.1 from Maven Central)')
  const result = spawnSync('mvn', ['-q', '-B', '-f', join(PROJECT, 'pom.xml'), 'clean', 'package'], { encoding: 'utf8' })
  if (result.status !== 0) throw new Error(`mvn package failed: ${`${result.stdout}\n${result.stderr}`.trim().split('\n').slice(-5).join(' | ')}`)
}

export type Guarantee = 'at_least_once' | 'exactly_once_v2'

/** The producer a user tuning Kafka Streams for throughput would set (issue 22): 256 KiB batches, 5 ms linger. */
export const TUNED_PRODUCER = { batchBytes: 256 * 1024, lingerMs: 5 }
/** Kafka's default producer batch.size; the stock app runs with no producer overrides at all. */
export const DEFAULT_BATCH_BYTES = 16 * 1024

/**
 * The pass-through app; resolves `running` when Kafka Streams reports RUNNING. `producer` sets
 * batch.size and linger.ms; without it the app runs Kafka Streams' stock producer settings.
 */
export function startKafkaStreams (brokers: string, applicationId: string, input: string, output: string, guarantee: Guarantee, producer?: { batchBytes: number, lingerMs: number }): { child: ChildProcess, running: Promise<void> } {
  const tuning = producer === undefined ? [] : [String(producer.batchBytes), String(producer.lingerMs)]
  const child = spawn('java', [...JVM, '-cp', CLASSPATH, 'streamfit.bench.PassThrough', brokers, applicationId, input, output, guarantee, '100', ...tuning], { stdio: ['ignore', 'pipe', 'pipe'] })
  let stderr = ''
  child.stderr!.on('data', (chunk: Buffer) => { stderr = (stderr + chunk.toString()).slice(-4000) })
  const running = new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('RUNNING')) resolve()
      if (chunk.toString().includes('ERROR')) reject(new Error(`Kafka Streams app failed: ${stderr.slice(-1000)}`))
    })
    child.on('exit', code => reject(new Error(`Kafka Streams app exited ${code} before running: ${stderr.slice(-1000)}`)))
  })
  return { child, running }
}

export interface LatencyFigures { sent: number, measured: number, missing: number, rate: number, p50: number, p90: number, p99: number, max: number }

export function createLogAppendTopic (brokers: string, topic: string, partitions: number): void {
  const result = spawnSync('java', [...JVM, '-cp', CLASSPATH, 'streamfit.bench.LatencyProbe', 'create', brokers, topic, String(partitions)], { encoding: 'utf8' })
  if (result.status !== 0) throw new Error(`creating ${topic} failed: ${result.stderr.trim().split('\n').slice(-3).join(' | ')}`)
}

export async function probeLatency (brokers: string, input: string, output: string, rate: number, seconds: number, rowsFile: string, warmupSeconds: number, dumpFile?: string): Promise<LatencyFigures> {
  const child = spawn('java', [...JVM, '-cp', CLASSPATH, 'streamfit.bench.LatencyProbe', 'run', brokers, input, output, String(rate), String(seconds), rowsFile, String(warmupSeconds), ...(dumpFile === undefined ? [] : [dumpFile])], { stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString() })
  child.stderr.on('data', (chunk: Buffer) => { stderr = (stderr + chunk.toString()).slice(-4000) })
  const code = await new Promise<number | null>(resolve => child.on('exit', resolve))
  if (code !== 0) throw new Error(`latency probe exited ${code}: ${stderr.slice(-1000)}`)
  return JSON.parse(stdout.trim().split('\n').pop()!) as LatencyFigures
}
