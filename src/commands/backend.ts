// `streamfit backend`: which TensorFlow.js backend `--backend auto` picks here, and
// `streamfit backend install [--gpu]` to add the native one (see src/native/install.ts).
import type { Command } from 'commander'
import { loadConfig } from '../config.js'
import { UsageError } from '../errors.js'
import { loadBackend } from '../ml/backend.js'
import { installBackend, type Source } from '../native/install.js'

export function register (program: Command): void {
  const backend = program
    .command('backend')
    .description('show the compute backend `--backend auto` picks; `backend install` adds the native one')
    .argument('[extra...]')
    .action(async (extra: string[]) => {
      if (extra.length > 0) throw new UsageError(`unknown backend subcommand "${extra[0]}": use \`streamfit backend\` or \`streamfit backend install [--gpu]\``)
      const b = await loadBackend('auto')
      process.stdout.write(`backend: ${b.name}${b.skipped.length > 0 ? ` (${b.skipped.join('; ')})` : ''}\n`)
    })
  backend
    .command('install')
    .description('install @tensorflow/tfjs-node (or -gpu) into this project; built from the TensorFlow wheel on PyPI where its usual download is blocked')
    .option('--gpu', 'the CUDA backend (@tensorflow/tfjs-node-gpu, the tensorflow wheel and its CUDA wheels; needs an NVIDIA GPU and driver)')
    .option('--from <source>', 'auto (the package\'s download when Google\'s storage is reachable, else the wheel), download or wheel', 'auto')
    .option('--force', 'reinstall even when the backend already loads')
    .action(async (flags: { gpu?: boolean, from: string, force?: boolean }) => {
      if (!['auto', 'download', 'wheel'].includes(flags.from)) throw new UsageError(`--from expects auto, download or wheel, got "${flags.from}"`)
      const result = await installBackend({
        variant: flags.gpu === true ? 'gpu' : 'cpu',
        source: flags.from as Source,
        force: flags.force === true,
        stateDir: loadConfig().stateDir,
        onProgress: line => { process.stderr.write(`streamfit backend install: ${line}\n`) }
      })
      process.stdout.write(`backend ${result.backend} ready: ${result.npmPackage} (${result.route}, ${result.seconds.toFixed(0)} s); --backend auto now picks it\n`)
    })
}
