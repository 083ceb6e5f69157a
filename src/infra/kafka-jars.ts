// Apache Kafka's own broker jars, fetched once into the state dir: with Maven from infra/pom.xml,
// or, for users without Maven, from the official release archive.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { UsageError } from '../errors.js'
import { downloadKafkaArchive } from './kafka-archive.js'
import { KAFKA_POM, KAFKA_VERSION, SCALA_VERSION, kafkaLibsDir } from './paths.js'

/** The release archive on Apache's archive server, which keeps every release (downloads.apache.org keeps only current ones). */
export const KAFKA_ARCHIVE_URL = `https://archive.apache.org/dist/kafka/${KAFKA_VERSION}/kafka_${SCALA_VERSION}-${KAFKA_VERSION}.tgz`

export interface JarOptions {
  /** The Maven executable; `false` skips Maven (as if it were not installed). */
  mvn?: string | false
  /** Where the release archive comes from when Maven is missing or fails (http(s):// or file://). */
  archiveUrl?: string
  /** Told what is happening, since a first fetch takes a while. */
  onProgress?: (line: string) => void
}

/** Whether the jars are already cached (a complete fetch leaves kafka_2.13-<version>.jar). */
export function kafkaJarsPresent (stateDir: string): boolean {
  const libs = kafkaLibsDir(stateDir)
  return existsSync(libs) && readdirSync(libs).includes(`kafka_${SCALA_VERSION}-${KAFKA_VERSION}.jar`)
}

/** Makes sure the broker jars are in the state dir and returns that directory. */
export async function ensureKafkaJars (stateDir: string, options: JarOptions = {}): Promise<string> {
  const libs = kafkaLibsDir(stateDir)
  if (kafkaJarsPresent(stateDir)) return libs
  const { mvn = process.env.STREAMFIT_MVN ?? 'mvn', archiveUrl = process.env.STREAMFIT_KAFKA_ARCHIVE_URL ?? KAFKA_ARCHIVE_URL, onProgress = () => {} } = options
  // Fetch into a scratch directory and rename it into place, so a half fetch never looks complete.
  const scratch = resolve(stateDir, `.kafka-jars-partial-${process.pid}`)
  rmSync(scratch, { recursive: true, force: true })
  mkdirSync(scratch, { recursive: true })
  const failures: string[] = []
  try {
    if (mvn !== false) {
      onProgress(`fetching Apache Kafka ${KAFKA_VERSION} jars with Maven (once) into ${libs}`)
      const failure = fetchWithMaven(mvn, scratch)
      if (failure === null) return install(scratch, libs)
      failures.push(failure)
    } else {
      failures.push('Maven: not used')
    }
    onProgress(`downloading the Apache Kafka ${KAFKA_VERSION} release archive from ${archiveUrl}`)
    try {
      await downloadKafkaArchive(archiveUrl, scratch)
      return install(scratch, libs)
    } catch (error) {
      failures.push(`release archive ${archiveUrl}: ${(error as Error).message}`)
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true })
  }
  throw new UsageError(`cannot get the Apache Kafka ${KAFKA_VERSION} jars (${failures.join('; ')}): install Maven (and Java 17+) and run \`streamfit up\` again, or run Kafka with Docker: \`docker compose up -d\``)
}

function fetchWithMaven (mvn: string, outputDir: string): string | null {
  const result = spawnSync(mvn, ['-q', '-B', '-f', KAFKA_POM, 'dependency:copy-dependencies', '-DincludeScope=runtime', `-DoutputDirectory=${outputDir}`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
  if (result.error) return `Maven (${mvn}): ${(result.error as NodeJS.ErrnoException).code === 'ENOENT' ? 'not installed' : result.error.message}`
  if (result.status !== 0) {
    const lastLines = `${result.stdout}\n${result.stderr}`.trim().split('\n').slice(-3).join(' | ')
    return `Maven exited with ${result.status}: ${lastLines}`
  }
  if (!existsSync(`${outputDir}/kafka_${SCALA_VERSION}-${KAFKA_VERSION}.jar`)) return 'Maven ran but fetched no kafka jar'
  return null
}

function install (scratch: string, libs: string): string {
  if (!existsSync(`${scratch}/kafka_${SCALA_VERSION}-${KAFKA_VERSION}.jar`)) {
    throw new Error(`kafka_${SCALA_VERSION}-${KAFKA_VERSION}.jar missing after the fetch`)
  }
  mkdirSync(dirname(libs), { recursive: true })
  rmSync(libs, { recursive: true, force: true })
  renameSync(scratch, libs)
  return libs
}
