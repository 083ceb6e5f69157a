// A one-node Apache Kafka broker in KRaft mode (broker and controller in one JVM), started from the
// cached jars. Settings make transactions work on a single broker. Tests call startKafka/stopKafka
// directly, e.g. to kill the broker in the middle of a run and start it again on the same data.
import { spawn, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs'
import { createConnection } from 'node:net'
import { UsageError } from '../errors.js'
import { ensureKafkaJars, type JarOptions } from './kafka-jars.js'
import { isOurProcess, readPid, removePid, sleep, stopProcess, writePid } from './pidfile.js'
import { kafkaAnswers } from './probe.js'
import { LOG4J2_CONFIG, kafkaPaths } from './paths.js'

/** Where and how {@link startKafka} runs a broker. */
export interface KafkaBrokerOptions extends JarOptions {
  stateDir: string
  /** Loopback address the broker listens on and advertises. */
  host?: string
  port?: number
  /** KRaft controller listener; defaults to port + 1 (9093 for the default broker). */
  controllerPort?: number
  /** JVM heap (-Xmx); a one-node dev broker needs little. */
  heap?: string
  /** How long to wait for the first answered metadata request. */
  startTimeoutMs?: number
}

/** A service that answers: its address, and its log and pid when started here. */
export interface ServiceInfo {
  address: string
  /** Log file of a service `up` started (undefined when it was already running elsewhere). */
  log?: string
  pid?: number
  /** true when this call started it, false when it already answered. */
  started: boolean
}

const DEFAULTS = { host: '127.0.0.1', port: 9092, heap: '1g', startTimeoutMs: 120_000 }

/** The broker's server.properties: one node, everything replicated once, no rebalance delay. */
export function kafkaServerProperties ({ host, port, controllerPort, dataDir }: { host: string, port: number, controllerPort: number, dataDir: string }): string {
  return [
    '# Written by `streamfit up`: a one-node KRaft broker for development and tests.',
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@${host}:${controllerPort}`,
    `listeners=PLAINTEXT://${host}:${port},CONTROLLER://${host}:${controllerPort}`,
    `advertised.listeners=PLAINTEXT://${host}:${port}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    `log.dirs=${dataDir}`,
    'num.partitions=1',
    // One broker: internal topics can only have one replica, and transactions need an ISR of 1.
    'offsets.topic.replication.factor=1',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'share.coordinator.state.topic.replication.factor=1',
    'share.coordinator.state.topic.min.isr=1',
    // Fewer internal partitions than the default 50: the first group or transaction starts faster.
    'offsets.topic.num.partitions=10',
    'transaction.state.log.num.partitions=10',
    // Consumer groups start consuming at once instead of waiting 3 s for more members.
    'group.initial.rebalance.delay.ms=0',
    'auto.create.topics.enable=true',
    'delete.topic.enable=true',
    ''
  ].join('\n')
}

/**
 * A KRaft cluster id: 16 random bytes in base64url. One starting with '-' would be read as an
 * option by the storage tool (Kafka's own Uuid.randomUuid draws again for the same reason).
 */
export function newClusterId (random: (size: number) => Buffer = randomBytes): string {
  let id: string
  do id = random(16).toString('base64url'); while (id.startsWith('-'))
  return id
}

/**
 * Starts a broker at host:port unless one already answers there. Formats the KRaft storage on the
 * first start, waits for a real metadata answer, and records the pid for stopKafka.
 */
export async function startKafka (options: KafkaBrokerOptions): Promise<ServiceInfo> {
  const { host, port, startTimeoutMs } = { ...DEFAULTS, ...options }
  const controllerPort = options.controllerPort ?? port + 1
  const address = `${host}:${port}`
  const running = await alreadyRunning(options.stateDir, host, port)
  if (running !== null) return running
  await checkPortsFree(host, [port, controllerPort])
  const properties = kafkaServerProperties({ host, port, controllerPort, dataDir: kafkaPaths(options.stateDir, port).data })
  const pid = await launchNode({ ...options, port, properties })
  await awaitNode({ stateDir: options.stateDir, host, port, pid, startTimeoutMs })
  return { address, log: kafkaPaths(options.stateDir, port).log, pid, started: true }
}

/** The broker already answering at host:port (with our pid and log when `up` started it), or null. */
export async function alreadyRunning (stateDir: string, host: string, port: number): Promise<ServiceInfo | null> {
  if (await kafkaAnswers({ brokers: [`${host}:${port}`], clientId: 'streamfit-up' }, 2000) === null) return null
  const paths = kafkaPaths(stateDir, port)
  const pid = readPid(paths.pid)
  const ours = pid !== null && isOurProcess(pid, paths.properties)
  return { address: `${host}:${port}`, started: false, ...(ours ? { pid, log: paths.log } : {}) }
}

export async function checkPortsFree (host: string, ports: number[]): Promise<void> {
  for (const p of ports) {
    if (await portStaysOpen(host, p)) throw new UsageError(`port ${host}:${p} is taken by a program that is not a Kafka broker: stop it, or set KAFKA_BROKERS to another address`)
  }
}

export interface LaunchOptions extends JarOptions {
  stateDir: string
  port: number
  /** server.properties to write (kept as it is when undefined and already written). */
  properties?: string
  /** Cluster id for the first format; a cluster's nodes share one. Default: a new one. */
  clusterId?: string
  heap?: string
  /** More JVM options, e.g. a quicker start for test clusters. */
  jvmOptions?: string[]
}

/**
 * Writes the node's server.properties, formats its storage on the first start, and spawns the
 * JVM detached (it outlives this process and a terminal's Ctrl-C); returns its pid, not waiting.
 */
export async function launchNode (options: LaunchOptions): Promise<number> {
  const paths = kafkaPaths(options.stateDir, options.port)
  const java = javaCommand()
  const libs = await ensureKafkaJars(options.stateDir, options)
  mkdirSync(paths.dir, { recursive: true })
  if (options.properties !== undefined) writeFileSync(paths.properties, options.properties)
  const classpath = ['-cp', `${libs}/*`]
  const logging = `-Dlog4j2.configurationFile=${LOG4J2_CONFIG}`
  if (!existsSync(`${paths.data}/meta.properties`)) {
    // KRaft needs its storage formatted once with a cluster id (a random 16-byte Kafka Uuid).
    const clusterId = options.clusterId ?? newClusterId()
    const format = spawnSync(java, [logging, ...classpath, 'kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', paths.properties], { encoding: 'utf8' })
    if (format.status !== 0) throw new Error(`formatting the KRaft storage in ${paths.data} failed: ${(format.stderr || format.stdout).trim().split('\n').slice(-3).join(' | ')}`)
  }
  const logFd = openSync(paths.log, 'a')
  const jvm = [`-Xmx${options.heap ?? DEFAULTS.heap}`, '-Xms128m', '-XX:+UseG1GC', '-XX:MaxGCPauseMillis=20', '-XX:+ExitOnOutOfMemoryError', '-Djava.awt.headless=true', logging, ...(options.jvmOptions ?? [])]
  const child = spawn(java, [...jvm, ...classpath, 'kafka.Kafka', paths.properties], { detached: true, stdio: ['ignore', logFd, logFd] })
  closeSync(logFd)
  child.unref()
  const pid = child.pid
  if (pid === undefined) throw new Error(`could not start ${java}`)
  writePid(paths.pid, pid)
  return pid
}

/**
 * Waits until the node answers a metadata request (listing at least `brokers` brokers); stops it
 * and throws with its log's last lines when it exits or the time runs out.
 */
export async function awaitNode ({ stateDir, host, port, pid, startTimeoutMs = DEFAULTS.startTimeoutMs, brokers = 1 }: { stateDir: string, host: string, port: number, pid: number, startTimeoutMs?: number, brokers?: number }): Promise<void> {
  const paths = kafkaPaths(stateDir, port)
  const kafka = { brokers: [`${host}:${port}`], clientId: 'streamfit-up' }
  const deadline = Date.now() + startTimeoutMs
  while (((await kafkaAnswers(kafka, 1000)) ?? 0) < brokers) {
    if (!isOurProcess(pid, paths.properties)) {
      removePid(paths.pid)
      throw new Error(`the Kafka broker exited during start-up; last lines of ${paths.log}:\n${tail(paths.log, 15)}`)
    }
    if (Date.now() > deadline) {
      await stopProcess(pid, paths.properties, { graceMs: 5000 })
      removePid(paths.pid)
      throw new Error(`the Kafka broker did not answer at ${host}:${port} within ${startTimeoutMs / 1000} s; see ${paths.log}`)
    }
    await sleep(250)
  }
}

/** Which local service to stop, and how. */
export interface StopOptions {
  stateDir: string
  port?: number
  /** SIGTERM shuts down cleanly; SIGKILL is a crash (for failure tests). */
  signal?: NodeJS.Signals
  graceMs?: number
}

/** Stops the broker that startKafka started on this port; false when none of ours was running. */
export async function stopKafka ({ stateDir, port = DEFAULTS.port, signal = 'SIGTERM', graceMs = 30_000 }: StopOptions): Promise<boolean> {
  const paths = kafkaPaths(stateDir, port)
  const pid = readPid(paths.pid)
  if (pid === null) return false
  const stopped = await stopProcess(pid, paths.properties, { signal, graceMs })
  removePid(paths.pid)
  return stopped
}

function javaCommand (): string {
  const java = process.env.JAVA_HOME ? `${process.env.JAVA_HOME}/bin/java` : 'java'
  const probe = spawnSync(java, ['-version'], { encoding: 'utf8' })
  if (probe.error || probe.status !== 0) {
    throw new UsageError(`no Java found (${java}): the Kafka broker needs Java 17+: install it (Debian/Ubuntu: \`sudo apt-get install openjdk-17-jre-headless\`; macOS: \`brew install openjdk@17\`) or set JAVA_HOME, or run Kafka with Docker: \`docker compose up -d kafka\``)
  }
  const major = Number(/version "(\d+)/.exec(probe.stderr)?.[1] ?? 0)
  if (major > 0 && major < 17) throw new UsageError(`Kafka 4 needs Java 17+, found Java ${major} (${java}); install a newer one, or use \`docker compose up -d\``)
  return java
}

/** Whether a port is still taken after a few seconds (a broker that was just stopped lets go). */
export async function portStaysOpen (host: string, port: number, waitMs = 5000): Promise<boolean> {
  const deadline = Date.now() + waitMs
  while (await portOpen(host, port)) {
    if (Date.now() > deadline) return true
    await sleep(250)
  }
  return false
}

export function portOpen (host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise(resolve => {
    const socket = createConnection({ host, port })
    const done = (open: boolean): void => { socket.destroy(); resolve(open) }
    socket.setTimeout(timeoutMs, () => done(false))
    // A connect to a free port in the ephemeral range can land on itself (TCP simultaneous open).
    socket.once('connect', () => done(socket.localPort !== port || socket.localAddress !== socket.remoteAddress))
    socket.once('error', () => done(false))
  })
}

export function tail (path: string, lines: number): string {
  try {
    return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n')
  } catch {
    return '(no log)'
  }
}
