// The tutorial's data set as a spec: 18 numbers as a CSV value, the label (0 or 1) as the key.
// It is the default of every command, with the topic names of the configuration
// (STREAMFIT_*_TOPIC), so a run without --spec is exactly what it always was.
import type { Config } from '../config.js'
import type { ResolvedSpec } from './types.js'

/** The SUSY columns, in the order of the UCI file (after the label). */
export const SUSY_COLUMNS = [
  'lepton_1_pT', 'lepton_1_eta', 'lepton_1_phi', 'lepton_2_pT', 'lepton_2_eta', 'lepton_2_phi',
  'missing_energy_magnitude', 'missing_energy_phi', 'MET_rel', 'axial_MET', 'M_R', 'M_TR_2', 'R',
  'MT2', 'S_R', 'M_Delta_R', 'dPhi_r_b', 'cos_theta_r1'
]

/** The SUSY spec, its topics named by `config` (susy-train, susy-test, susy-predictions, susy-dlq by default). */
export function susySpec (config: Pick<Config, 'topics'>): ResolvedSpec {
  return {
    name: 'susy',
    topics: {
      train: { name: config.topics.train, partitions: 1 },
      test: { name: config.topics.test, partitions: 2 },
      predictions: { name: config.topics.predictions, partitions: 2 },
      deadLetters: { name: config.topics.dlq, partitions: 1 }
    },
    format: { type: 'csv', delimiter: ',', quote: '"', columns: SUSY_COLUMNS },
    label: { key: true },
    features: SUSY_COLUMNS.map((name, i) => ({ name, type: 'numeric' as const, from: { column: i }, onMissing: 'dead-letter' as const })),
    task: { type: 'binary', classes: ['0', '1'] },
    model: { type: 'mlp' }
  }
}
