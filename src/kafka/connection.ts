// Connection options shared by every client: brokers, client id, TLS and SASL from the config.
import { readFileSync } from 'node:fs'
import type { ConnectionOptions } from '@platformatic/kafka'
import type { KafkaConfig } from '../config.js'

export interface ClientBaseOptions extends ConnectionOptions {
  clientId: string
  bootstrapBrokers: string[]
}

export function connectionOptions (kafka: KafkaConfig, clientSuffix = ''): ClientBaseOptions {
  const options: ClientBaseOptions = {
    clientId: clientSuffix ? `${kafka.clientId}-${clientSuffix}` : kafka.clientId,
    bootstrapBrokers: kafka.brokers
  }
  if (kafka.tls) {
    options.tls = {
      rejectUnauthorized: kafka.tls.rejectUnauthorized,
      ...(kafka.tls.ca ? { ca: readFileSync(kafka.tls.ca) } : {})
    }
  }
  if (kafka.sasl) options.sasl = { ...kafka.sasl }
  return options
}
