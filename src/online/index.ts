// Online learning pieces: prequential metrics, the save policy, the lineage of versions with the
// offsets they consumed, and resuming a group from the registry.
export * from './prequential.js'
export * from './task-prequential.js'
export * from './save-policy.js'
export * from './consumed.js'
export * from './lineage.js'
export * from './store.js'
export * from './position-group.js'
export * from './learner.js'
export * from './drift.js'
export * from './page-hinkley.js'
export * from './prequential-windows.js'
