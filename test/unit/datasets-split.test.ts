// The public data sets under data/ and bench/datasets/split-file.ts, which cuts them into the rows
// the scikit-learn baseline sees: those must be exactly streamfit's train/test rows, or the
// baseline is compared on other data. No broker needed.
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { readRows, splitFile } from '../../bench/datasets/split-file.js'
import { shuffledSplit } from '../../src/data/split.js'

const DATA = fileURLToPath(new URL('../../../data/', import.meta.url))

// What data/README.md states; data/fetch-datasets.py rebuilds these bytes from the PyPI wheels.
const FILES = [
  { file: 'segment.csv', rows: 2310, sha256: 'd8845cf5ab6738e136069b37d4587d41553739088639c50ac97672d4aa04f366' },
  { file: 'seattle-weather.csv', rows: 1461, sha256: '62f0609f787158128aa2bd102967173a4953122dd4f872bf1d502cae1037df0b' },
  { file: 'cars.jsonl', rows: 406, sha256: 'f7bc7ce67da380c0066d82f0bcb51d94d63ec6fab4f74fe90c98bbb93cbd952d' },
  { file: 'phishing.csv.gz', rows: 1250, sha256: 'd8a6d44bd9672e852b8a53ad2c64229f81972158a77d981073a98b17c27af7a9' }
]

test('the data files are the bytes fetch-datasets.py writes, with the row counts the README states', () => {
  for (const { file, rows, sha256 } of FILES) {
    const path = join(DATA, file)
    assert.is(createHash('sha256').update(readFileSync(path)).digest('hex'), sha256, file)
    assert.is(readRows(path).rows.length, rows, file)
  }
})

test('split-file cuts each file into shuffledSplit\'s test and train rows, in its order, header apart', () => {
  for (const { file } of FILES) {
    const path = join(DATA, file)
    const { header, rows } = readRows(path)
    const split = shuffledSplit(rows.length, 0.25, 42)
    const parts = splitFile(path, 0.25, 42)
    assert.is(parts.header, header, file)
    assert.ok(header === null ? file.endsWith('.jsonl') : !rows.includes(header), file)
    assert.equal(parts.test, Array.from(split.test, i => rows[i]), file)
    assert.equal(parts.train, Array.from(split.train, i => rows[i]), file)
    assert.is(parts.test.length, Math.ceil(rows.length * 0.25), file)
  }
})

test('cars.jsonl: the 8 rows without a label stay in the file; --skip-missing drops them before the split', () => {
  const path = join(DATA, 'cars.jsonl')
  const unlabelled = (rows: string[]): number => rows.filter(r => (JSON.parse(r) as { Miles_per_Gallon: unknown }).Miles_per_Gallon === null).length
  const all = splitFile(path, 0.25, 42)
  assert.is(unlabelled(all.train) + unlabelled(all.test), 8)
  const labelled = splitFile(path, 0.25, 42, 'Miles_per_Gallon')
  assert.is(labelled.skipped, 8)
  assert.is(unlabelled(labelled.train) + unlabelled(labelled.test), 0)
  assert.is(labelled.train.length + labelled.test.length, 398)
})

test('split-file refuses a label column the CSV header lacks', () => {
  assert.throws(() => splitFile(join(DATA, 'segment.csv'), 0.25, 42, 'no-such-column'), /no column no-such-column/)
})

test.run()
