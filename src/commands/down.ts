// `streamfit down`: stops what `streamfit up` started (by its recorded pids), nothing else;
// with --purge, also removes what `up` fetched (Kafka's jars, Debian's redis-server).
import type { Command } from 'commander'
import { loadConfig } from '../config.js'

export function register (program: Command): void {
  program.command('down')
    .description('stop the Kafka broker and Redis that `streamfit up` started; services it did not start are left alone')
    .option('--all', 'stop every service `up` started from this state dir, whatever its port')
    .option('--purge', 'stop every service `up` started from this state dir, then remove what `up` fetched (see `streamfit up --help`)')
    .action(async (opts: { all?: boolean, purge?: boolean }) => {
      const { down, purgeFetched } = await import('../infra/services.js')
      const config = loadConfig()
      const result = await down(config, { all: opts.all === true || opts.purge === true })
      for (const s of result.stopped) process.stdout.write(`stopped ${s}\n`)
      for (const s of result.notOurs) process.stdout.write(`${s}: not started by streamfit up (or already stopped), left alone\n`)
      if (opts.purge === true) {
        const removed = purgeFetched(config.stateDir)
        for (const dir of removed) process.stdout.write(`removed ${dir}\n`)
        if (removed.length === 0) process.stdout.write('nothing fetched to remove\n')
      }
    })
}
