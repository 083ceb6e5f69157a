// `streamfit down`: stops what `streamfit up` started (by its recorded pids), nothing else.
import type { Command } from 'commander'
import { loadConfig } from '../config.js'

export function register (program: Command): void {
  program.command('down')
    .description('stop the Kafka broker and Redis that `streamfit up` started; services it did not start are left alone')
    .option('--all', 'stop every service `up` started from this state dir, whatever its port')
    .action(async (opts: { all?: boolean }) => {
      const { down } = await import('../infra/services.js')
      const result = await down(loadConfig(), { all: opts.all === true })
      for (const s of result.stopped) process.stdout.write(`stopped ${s}\n`)
      for (const s of result.notOurs) process.stdout.write(`${s}: not started by streamfit up (or already stopped), left alone\n`)
    })
}
