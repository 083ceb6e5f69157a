// Where `up` keeps things: jars, broker data, logs and pid files, all under the state dir.
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The package's root (where package.json and infra/ are); this file runs from dist/src/infra/. */
export const PACKAGE_ROOT = resolve(fileURLToPath(new URL('../../../', import.meta.url)))

/** The pinned Apache Kafka release; infra/pom.xml fetches the same version. */
export const KAFKA_VERSION = '4.1.1'
export const SCALA_VERSION = '2.13'

export interface KafkaPaths {
  dir: string
  properties: string
  data: string
  log: string
  pid: string
}

export interface RedisPaths {
  dir: string
  log: string
  pid: string
}

/** Jars of the pinned release, shared by every broker started from this state dir. */
export function kafkaLibsDir (stateDir: string): string {
  return resolve(stateDir, `kafka_${SCALA_VERSION}-${KAFKA_VERSION}`, 'libs')
}

/** One directory per broker port, so that a test broker never touches the default one. */
export function kafkaPaths (stateDir: string, port: number): KafkaPaths {
  const dir = resolve(stateDir, `kafka-${port}`)
  return { dir, properties: resolve(dir, 'server.properties'), data: resolve(dir, 'data'), log: resolve(dir, 'broker.log'), pid: resolve(dir, 'pid') }
}

export function redisPaths (stateDir: string, port: number): RedisPaths {
  const dir = resolve(stateDir, `redis-${port}`)
  return { dir, log: resolve(dir, 'redis.log'), pid: resolve(dir, 'pid') }
}

/** Debian's redis-server packages, unpacked here by `up` when no redis-server is on the PATH. */
export function redisPackageDir (stateDir: string): string {
  return resolve(stateDir, 'redis-debian')
}

/** log4j2 configuration shipped in infra/: the broker logs to stdout, which goes to broker.log. */
export const LOG4J2_CONFIG = resolve(PACKAGE_ROOT, 'infra', 'log4j2.properties')
export const KAFKA_POM = resolve(PACKAGE_ROOT, 'infra', 'pom.xml')

/**
 * What `up` may fetch into the state dir, and from where (for `up --help` and `down --purge`).
 * Data and logs of started services (kafka-<port>/, redis-<port>/) are not in this list.
 */
export function fetchedSoftware (stateDir: string): Array<{ what: string, from: string, dir: string }> {
  return [
    { what: 'Apache Kafka broker jars', from: 'Maven Central (mvn, infra/pom.xml), or without Maven the Apache release archive (archive.apache.org)', dir: dirname(kafkaLibsDir(stateDir)) },
    { what: 'redis-server, only when none is on the PATH', from: 'Debian/Ubuntu packages (apt-get download: redis-server, redis-tools and the libraries the system lacks), unpacked without root', dir: redisPackageDir(stateDir) }
  ]
}
