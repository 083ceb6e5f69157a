// Public API: the pieces users compose into their own topologies.
export * from './config.js'
export * from './record.js'
export * from './runtime/logger.js'
export * from './runtime/shutdown.js'
export * from './runtime/metrics.js'
export * from './ml/predictor.js'
