// The fallback for users without Maven: Apache's release archive (kafka_2.13-<v>.tgz), whose
// libs/ folder holds the same jars the pom fetches.
import { spawnSync } from 'node:child_process'
import { createWriteStream, mkdtempSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { openUrl } from '../data/open-url.js'

/** Downloads the release archive and moves the jars of its libs/ folder into `outputDir`. */
export async function downloadKafkaArchive (url: string, outputDir: string): Promise<number> {
  const work = mkdtempSync(join(tmpdir(), 'streamfit-kafka-'))
  try {
    const archive = join(work, 'kafka.tgz')
    await pipeline(await openUrl(url), createWriteStream(archive))
    const untar = spawnSync('tar', ['-xzf', archive, '-C', work], { encoding: 'utf8' })
    if (untar.error) throw new Error(`tar: ${untar.error.message}`)
    if (untar.status !== 0) throw new Error(`not a .tgz release archive (tar: ${untar.stderr.trim().split('\n')[0]})`)
    let moved = 0
    for (const top of readdirSync(work)) {
      const libs = join(work, top, 'libs')
      if (!statSync(join(work, top)).isDirectory()) continue
      let jars: string[]
      try { jars = readdirSync(libs).filter(f => f.endsWith('.jar')) } catch { continue }
      for (const jar of jars) { renameSync(join(libs, jar), join(outputDir, jar)); moved++ }
    }
    if (moved === 0) throw new Error('the archive has no libs/*.jar')
    return moved
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}
