// Model compute: backend choice, the SUSY model, the worker-backed ModelRunner, metrics.
export * from './backend.js'
export * from './model.js'
export * from './scaler.js'
export * from './evaluation.js'
export * from './protocol.js'
export * from './runner.js'
export * from './train-batches.js'
export * from './epoch-meter.js'
