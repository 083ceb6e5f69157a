// 'streamfit/topologies': the three apps the CLI runs, as functions (score's with the Topology
// that describes it, see src/runtime/topology.ts).
export { runScore, scoreDefaults, scoreTopology, defaultTransactionalId, type ScoreInput, type ScoreSettings, type ScoreOptions, type ScoreResult } from './score.js'
export { runOnline, onlineDefaults, type OnlineOptions, type OnlineResult, type BatchProgress } from './online.js'
export { runTrain, trainDefaults, type TrainOptions, type TrainResult } from './train.js'
