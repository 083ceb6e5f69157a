// The 8,000 real SUSY rows beside the project (../shared/data), found from the package root.
import { resolve } from 'node:path'
import { PACKAGE_ROOT } from '../../src/infra/paths.js'

export const SUSY_SAMPLE = resolve(PACKAGE_ROOT, '..', 'shared', 'data', 'susy-8k.csv')
