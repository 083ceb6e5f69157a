// Public API: the pieces users compose into their own topologies.
export * from './config.js'
export * from './record.js'
