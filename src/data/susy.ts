// The shape of the UCI SUSY data set (data set 279): the class, then 18 features.

/** Where UCI serves the data today: a zip holding SUSY.csv.gz (922 MB). The loader streams it. */
export const SUSY_URL = 'https://archive.ics.uci.edu/static/public/279/susy.zip'

/** The 18 SUSY feature names, in column order. */
export const FEATURE_NAMES = [
  'lepton_1_pT', 'lepton_1_eta', 'lepton_1_phi', 'lepton_2_pT', 'lepton_2_eta', 'lepton_2_phi',
  'missing_energy_magnitude', 'missing_energy_phi',
  'MET_rel', 'axial_MET', 'M_R', 'M_TR_2', 'R', 'MT2', 'S_R', 'M_Delta_R', 'dPhi_r_b', 'cos(theta_r1)'
] as const

/** Features per SUSY row. */
export const FEATURE_COUNT = 18

/** The record key of each class, the label as "0" or "1" whatever its spelling in the file. */
export const LABEL_KEYS: readonly [Buffer, Buffer] = [Buffer.from('0'), Buffer.from('1')]
