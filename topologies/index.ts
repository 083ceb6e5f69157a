/**
 * 'streamfit/topologies': the three apps the CLI runs, as functions, each with the Topology that
 * describes it from its settings (see src/runtime/topology.ts).
 *
 * @module streamfit/topologies
 */
export { runScore, scoreDefaults, scoreTopology, defaultTransactionalId, type ScoreInput, type ScoreSettings, type ScoreOptions, type ScoreResult } from './score.js'
export { runOnline, onlineDefaults, onlineTopology, type OnlineInput, type OnlineSettings, type OnlineOptions, type OnlineResult, type BatchProgress } from './online.js'
export { runTrain, trainDefaults, trainTopology, type TrainInput, type TrainSettings, type TrainOptions, type TrainResult, type TrainEpoch } from './train.js'
export { saveTrained, plotTraining, type TrainRun } from './train-result.js'
