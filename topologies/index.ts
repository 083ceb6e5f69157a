// 'streamfit/topologies': the three apps the CLI runs, as functions, each with the topology
// that describes it (see src/runtime/topology.ts).
export { runScore, scoreDefaults, scoreTopology, defaultTransactionalId, type ScoreInput, type ScoreSettings, type ScoreOptions, type ScoreResult } from './score.js'
export { runOnline, onlineDefaults, onlineTopology, type OnlineInput, type OnlineSettings, type OnlineOptions, type OnlineResult, type BatchProgress } from './online.js'
export { runTrain, saveTraining, trainDefaults, trainTopology, type TrainInput, type TrainSettings, type TrainOptions, type TrainResult, type SavedTraining } from './train.js'
