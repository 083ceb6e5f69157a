// RxJS sources over Kafka, one file each; helpers they share are exported for sinks and tests.
export * from './flow-control.js'
export * from './group-consumer.js'
export * from './partition.js'
export * from './group.js'
export * from './group-batches.js'
