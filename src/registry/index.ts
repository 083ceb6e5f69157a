// Model versions in Redis: atomic save with offsets, latest pointer, list/load/delete,
// announcements, and the hot-swapping predictor that follows them for scorers.
export * from './refs.js'
export * from './registry.js'
export * from './version.js'
export * from './open-model.js'
export * from './hot-swap.js'
