// `streamfit models`: the registry's versions (list, the default), their removal (delete, prune),
// and models to and from elsewhere (import, export: TensorFlow.js LayersModels).
import type { Command } from 'commander'
import { loadConfig, parseNumber } from '../config.js'
import { UsageError } from '../errors.js'
import { ModelRegistry } from '../registry/registry.js'
import { parentOf, type VersionInfo } from '../registry/version.js'
import { formatModelRef, parseModelRef } from '../registry/refs.js'
import { specFor } from '../spec/load-spec.js'
import { specFlag } from './flags.js'
import { registerTransfer } from './models-transfer.js'

export function register (program: Command): void {
  const models = program.command('models').description('list, delete, import or export model versions in the registry (Redis)')
  specFlag(models.command('list', { isDefault: true })
    .description('versions of a model, oldest first, with their metrics and the offsets they consumed'))
    .option('--name <model>', 'model name (default: susy, or the --spec\'s name)')
    .option('--json', 'one JSON line per version')
    .argument('[extra...]')
    .action(async (extra: string[], flags: { name?: string; spec?: string; json?: boolean }) => {
      // `models` with an unknown word lands here (list is the default): say so instead of listing.
      if (extra.length > 0) throw new UsageError(`unknown models subcommand "${extra[0]}": use \`streamfit models list\`, \`models delete NAME@N\` or \`models prune --keep N\``)
      const name = parseModelRef(await modelName(flags)).name
      await withRegistry(async registry => {
        const [versions, latest] = await Promise.all([registry.list(name), registry.latestVersion(name)])
        if (flags.json === true) {
          for (const v of versions) process.stdout.write(JSON.stringify({ ...v, parent: parentOf(v), offsets: offsetsText(v), latest: v.version === latest }) + '\n')
          return
        }
        if (versions.length === 0) { process.stdout.write(`no versions of "${name}" (train one: streamfit train)\n`); return }
        process.stdout.write('VERSION        PARENT         CREATED                   BACKEND  ROWS      EPOCHS  LOSS    ACCURACY  OFFSETS\n')
        for (const v of versions) {
          const m = v.metrics
          process.stdout.write(`${(v.ref + (v.version === latest ? '*' : '')).padEnd(14)} ${(parentOf(v) ?? '-').padEnd(14)} ${v.createdAt.padEnd(25)} ${v.backend.padEnd(8)} ${String(v.rows).padEnd(9)} ${String(v.epochs).padEnd(7)} ` +
            `${fixed(m.loss ?? m.prequentialLoss).padEnd(7)} ${fixed(m.accuracy ?? m.prequentialAccuracy).padEnd(9)} ${Object.entries(offsetsText(v)).map(([t, ps]) => `${t}:${Object.entries(ps).map(([p, o]) => `${p}@${o}`).join(',')}`).join(' ')}\n`)
        }
        process.stdout.write('* latest\n')
      })
    })
  models.command('delete <ref>')
    .description('delete one version (susy@N); if it was the latest, the previous version becomes latest')
    .action(async (ref: string) => {
      const parsed = parseModelRef(ref)
      if (parsed.version === 'latest' && !ref.includes('@')) throw new UsageError(`give the version to delete, e.g. ${parsed.name}@3 (or ${parsed.name}@latest)`)
      await withRegistry(async registry => {
        // @latest is resolved first, so that the message names the version that went.
        const version = parsed.version === 'latest' ? await registry.latestVersion(parsed.name) : parsed.version
        const target = version === null ? ref : formatModelRef(parsed.name, version)
        if (version === null || !(await registry.delete(target))) throw new UsageError(`no version ${ref} in the registry (\`streamfit models list --name ${parsed.name}\` shows them)`)
        const latest = await registry.latestVersion(parsed.name)
        process.stdout.write(`deleted ${target}${target !== ref ? ` (was ${ref})` : ''}; latest is now ${latest === null ? 'none' : formatModelRef(parsed.name, latest)}\n`)
      })
    })
  registerPrune(models)
  registerTransfer(models, withRegistry)
}

function registerPrune (models: Command): void {
  specFlag(models.command('prune')
    .description('delete all but the newest versions of a model (the latest always stays)'))
    .requiredOption('--keep <n>', 'versions to keep')
    .option('--name <model>', 'model name (default: susy, or the --spec\'s name)')
    .action(async (flags: { keep: string; name?: string; spec?: string }) => {
      const keep = parseNumber('--keep', flags.keep, { min: 1 })
      const name = parseModelRef(await modelName(flags)).name
      await withRegistry(async registry => {
        const deleted = await registry.prune(name, keep)
        process.stdout.write(deleted.length === 0 ? 'nothing to delete\n' : `deleted ${deleted.join(', ')}\n`)
      })
    })
}

/** --name, else the --spec's name, else susy (the SUSY spec's name: the configuration never renames models). */
async function modelName (flags: { name?: string, spec?: string }): Promise<string> {
  if (flags.name !== undefined) return flags.name
  return flags.spec === undefined ? 'susy' : (await specFor(flags.spec, loadConfig())).name
}

export async function withRegistry (fn: (registry: ModelRegistry) => Promise<void>): Promise<void> {
  const config = loadConfig()
  const registry = await ModelRegistry.connect({ url: config.redisUrl, prefix: config.registryPrefix })
  try {
    await fn(registry)
  } finally {
    await registry.close()
  }
}

function offsetsText (v: VersionInfo): Record<string, Record<string, string>> {
  return Object.fromEntries(Object.entries(v.offsets).map(([t, ps]) => [t, Object.fromEntries(Object.entries(ps).map(([p, o]) => [p, String(o)]))]))
}

function fixed (n: number | undefined): string {
  return n === undefined || !Number.isFinite(n) ? '-' : n.toFixed(4)
}
