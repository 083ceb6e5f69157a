/**
 * 'streamfit/services': starts and stops a local Kafka broker (KRaft, the Apache jars from Maven
 * Central) and Redis for development and tests, as `streamfit up` / `down` do. Not part of the
 * library: nothing under src/ but the CLI uses it.
 *
 * @module streamfit/services
 */
export { up, down, type UpOptions, type UpResult, type DownResult } from './services.js'
export { startKafka, stopKafka, kafkaServerProperties, type KafkaBrokerOptions, type ServiceInfo, type StopOptions } from './kafka-broker.js'
export { startRedis, stopRedis, type RedisServerOptions } from './redis-server.js'
