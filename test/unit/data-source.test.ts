// Opening SUSY data: plain, gzip, zip (holding .csv or .csv.gz, as UCI serves it), from a path,
// a file:// URL or an http:// URL (a local server), and the messages when it cannot be read.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { deflateRawSync, gzipSync } from 'node:zlib'
import { rejects } from 'node:assert/strict'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { BadRowError, UsageError } from '../../src/errors.js'
import { readRows } from '../../src/data/load-susy.js'
import { openSusyData } from '../../src/data/open-data.js'
import { susyText } from '../support/paths.js'

const dir = mkdtempSync(join(tmpdir(), 'streamfit-data-'))
const csv = Buffer.from(susyText()).subarray(0, 200_000) // about 600 whole rows and a partial one
const text = csv.subarray(0, csv.lastIndexOf(0x0a) + 1)
const rowCount = text.toString().split('\n').filter(Boolean).length

/** A minimal zip (local headers, central directory, end record) with deflated entries. */
function zip (entries: Array<[string, Buffer]>, { stored = false } = {}): Buffer {
  const locals: Buffer[] = []
  const centrals: Buffer[] = []
  let offset = 0
  for (const [name, data] of entries) {
    const body = stored ? data : deflateRawSync(data)
    const nameBytes = Buffer.from(name)
    const local = Buffer.alloc(30)
    local.writeUInt32LE(0x04034b50, 0)
    local.writeUInt16LE(20, 4)
    local.writeUInt16LE(stored ? 0 : 8, 8)
    local.writeUInt32LE(body.length, 18)
    local.writeUInt32LE(data.length, 22)
    local.writeUInt16LE(nameBytes.length, 26)
    const central = Buffer.alloc(46)
    central.writeUInt32LE(0x02014b50, 0)
    central.writeUInt16LE(20, 6)
    central.writeUInt16LE(stored ? 0 : 8, 10)
    central.writeUInt32LE(body.length, 20)
    central.writeUInt32LE(data.length, 24)
    central.writeUInt16LE(nameBytes.length, 28)
    central.writeUInt32LE(offset, 42)
    locals.push(local, nameBytes, body)
    centrals.push(central, nameBytes)
    offset += 30 + nameBytes.length + body.length
  }
  const cd = Buffer.concat(centrals)
  const end = Buffer.alloc(22)
  end.writeUInt32LE(0x06054b50, 0)
  end.writeUInt16LE(entries.length, 8)
  end.writeUInt16LE(entries.length, 10)
  end.writeUInt32LE(cd.length, 12)
  end.writeUInt32LE(offset, 16)
  return Buffer.concat([...locals, cd, end])
}

async function readAll (source: string): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of await openSusyData(source)) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}

const files = {
  csv: join(dir, 'susy.csv'),
  gz: join(dir, 'SUSY.csv.gz'),
  zip: join(dir, 'susy.zip'),
  zipStored: join(dir, 'stored.zip'),
  noCsv: join(dir, 'other.zip')
}
writeFileSync(files.csv, text)
writeFileSync(files.gz, gzipSync(text))
// Like UCI's susy.zip: a readme first, then SUSY.csv.gz (itself gzip) inside the zip.
writeFileSync(files.zip, zip([['readme.txt', Buffer.from('SUSY data set')], ['SUSY.csv.gz', gzipSync(text)]]))
writeFileSync(files.zipStored, zip([['SUSY.csv', text]], { stored: true }))
writeFileSync(files.noCsv, zip([['readme.txt', Buffer.from('nothing here')]]))

let server: Server
let base = ''

test.before(async () => {
  server = createServer((req, res) => {
    if (req.url === '/susy.zip') { res.end(readFileSync(files.zip)); return }
    if (req.url === '/SUSY.csv.gz') { res.end(readFileSync(files.gz)); return }
    res.statusCode = 404
    res.end('not found')
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  base = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`
})

test.after(() => {
  server.close()
  rmSync(dir, { recursive: true, force: true })
})

test('plain, gzip, zip-of-gzip and stored zip files all read back as the same CSV text', async () => {
  for (const path of [files.csv, files.gz, files.zip, files.zipStored]) {
    assert.ok((await readAll(path)).equals(text), path)
  }
  assert.ok((await readAll(pathToFileURL(files.gz).href)).equals(text), 'file:// URL')
})

test('http URLs stream, a zip as UCI serves it included', async () => {
  assert.ok((await readAll(`${base}/susy.zip`)).equals(text))
  assert.ok((await readAll(`${base}/SUSY.csv.gz`)).equals(text))
})

test('readRows takes the first N rows and stops reading', async () => {
  const read = await readRows(`${base}/susy.zip`, { rows: 100 })
  assert.is(read.values.length, 100)
  const firstLine = text.toString().split('\n')[0]
  assert.is(read.values[0].toString(), firstLine.slice(firstLine.indexOf(',') + 1))
  assert.is(read.labels[0], Number(firstLine.split(',')[0]))
  const all = await readRows(files.gz, {})
  assert.is(all.values.length, rowCount)
})

test('what cannot be read gives a one-line UsageError naming it', async () => {
  await rejects(() => readAll(join(dir, 'missing.csv')), (e: Error) => e instanceof UsageError && e.message.includes('missing.csv'))
  await rejects(() => readAll(`${base}/gone.csv.gz`), (e: Error) => e instanceof UsageError && /HTTP 404/.test(e.message))
  await rejects(() => readAll('http://127.0.0.1:1/susy.zip'), (e: Error) => e instanceof UsageError && /cannot reach http:\/\/127\.0\.0\.1:1\/susy\.zip/.test(e.message))
  await rejects(() => readRows(files.noCsv, {}), (e: Error) => e instanceof UsageError && /no \.csv or \.csv\.gz entry/.test(e.message))
  const truncated = join(dir, 'truncated.csv.gz')
  writeFileSync(truncated, gzipSync(text).subarray(0, 3000))
  await rejects(() => readRows(truncated, {}), (e: Error) => e instanceof UsageError && /cannot read .*truncated/.test(e.message))
})

test('a malformed row stops the read with its line number, or is skipped and reported', async () => {
  const lines = text.toString().split('\n').filter(Boolean).slice(0, 10)
  lines[4] = lines[4].replace(/,[^,]*$/, ',oops')
  lines[7] = `2${lines[7].slice(lines[7].indexOf(','))}`
  const bad = join(dir, 'bad.csv')
  writeFileSync(bad, `class,${'f,'.repeat(17)}f\n${lines.join('\n')}\n`)
  await rejects(() => readRows(bad, {}), (e: Error) => e instanceof BadRowError && /line 6: column 19 "oops" is not a number/.test(e.message) && /--skip-bad/.test(e.message))
  const skipped: number[] = []
  const notes: string[] = []
  const read = await readRows(bad, { skipBad: true, onSkip: r => skipped.push(r.line), onNote: n => notes.push(n) })
  assert.equal(skipped, [6, 9], 'every skipped row is reported, by line number (the header is line 1)')
  assert.is(read.values.length, 8)
  assert.equal(read.skipped.map(r => r.line), [6, 9])
  assert.match(notes[0], /header/)
  // --rows counts rows of the file, bad ones included: the same slice whatever --skip-bad says.
  assert.is((await readRows(bad, { skipBad: true, rows: 6 })).values.length, 5)
})

test.run()
