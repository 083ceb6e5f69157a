// Model versions in Redis: atomic save with offsets, latest pointer, list/load/delete, announcements.
export * from './refs.js'
export * from './registry.js'
export * from './open-model.js'
