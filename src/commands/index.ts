// Every subcommand of the CLI, in the order `streamfit --help` lists them.
import type { Command } from 'commander'
import { register as up } from './up.js'
import { register as down } from './down.js'
import { register as load } from './load.js'
import { register as train } from './train.js'
import { register as evaluate } from './evaluate.js'
import { register as models } from './models.js'
import { register as describe } from './describe.js'
import { register as demo } from './demo.js'
import { register as online } from './online.js'
import { register as score } from './score.js'
import { register as lag } from './lag.js'
import { register as reset } from './reset.js'

export type RegisterCommand = (program: Command) => void

export const commands: RegisterCommand[] = [up, down, load, train, evaluate, models, describe, online, score, lag, reset, demo]
