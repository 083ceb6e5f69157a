"""Writes the drift benchmark's streams as files, one row per line in stream order, and a manifest.

Every learner (River's and `streamfit online`, which reads them from Kafka after produce.ts wrote
them there in this order) sees exactly these rows in exactly this order.

  susy-stationary  the 8,000 real rows of data/susy-8k.csv.gz in file order
  susy-abrupt      the same rows, label inverted (0 <-> 1) from row 4,000 on
  susy-gradual     the same rows, row i's label inverted with probability (i - 3000) / 2000 over
                   rows 3,000-4,999 (seeded draw), and always from row 5,000 on: the inverted rule
                   takes over linearly across 2,000 rows
  sea              River's SEA generator (noise 0.1), concept 0 (x1 + x2 <= 8) to concept 3
                   (<= 9.5) at row 3,000 and to concept 2 (<= 7) at row 6,000, 9,000 rows, each
                   switch over about 100 rows (ConceptDriftStream, width 50: River's sigmoid overflows for width 1 this far from the position)
  phishing         the 1,250 real rows of data/phishing.csv.gz in file order (specs/phishing.yaml)
  susy-continue-*  for continuing a trained version: rows 0-1,999 to train it, 2,000-5,999 as the
                   stream, 6,000-7,999 held out

SUSY streams are label-first CSV without a header (the topic's key is the label); the others are CSV
lines in their spec's column order (label in a column), with a header line.
Usage: python streams.py OUT_DIR
"""
import csv
import gzip
import json
import random
import sys
from pathlib import Path

from river.datasets import synth

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
SEED = 24


def susy_rows():
    with gzip.open(ROOT / 'data/susy-8k.csv.gz', 'rt') as f:
        return [line.rstrip('\n') for line in f if line.strip()]


def invert(line):
    label, rest = line.split(',', 1)
    return ('0' if float(label) == 1 else '1') + ',' + rest


def write_lines(path, lines, header=None):
    with open(path, 'w') as f:
        if header is not None:
            f.write(header + '\n')
        for line in lines:
            f.write(line + '\n')


def main(out):
    out.mkdir(parents=True, exist_ok=True)
    rows = susy_rows()
    assert len(rows) == 8000, len(rows)
    streams = []

    def add(name, lines, drifts, spec=None, header=None, note=''):
        path = out / f'{name}.csv'
        write_lines(path, lines, header)
        streams.append({'name': name, 'file': str(path), 'rows': len(lines), 'drifts': drifts,
                        'spec': spec, 'header': header is not None, 'note': note})

    add('susy-stationary', rows, [], note='SUSY, 8,000 real rows in file order')
    add('susy-abrupt', [invert(r) if i >= 4000 else r for i, r in enumerate(rows)],
        [{'start': 4000, 'end': 4000}], note='SUSY, label rule inverted at row 4,000')
    rng = random.Random(SEED)
    gradual = []
    for i, r in enumerate(rows):
        p = min(max((i - 3000) / 2000, 0.0), 1.0)
        gradual.append(invert(r) if rng.random() < p else r)
    add('susy-gradual', gradual, [{'start': 3000, 'end': 5000}],
        note='SUSY, P(label inverted) rising linearly over rows 3,000-5,000')

    # River's SEA: nested ConceptDriftStream (a nested stream counts only the rows drawn from it).
    sea = synth.ConceptDriftStream(
        stream=synth.SEA(variant=0, noise=0.1, seed=SEED),
        drift_stream=synth.ConceptDriftStream(
            stream=synth.SEA(variant=3, noise=0.1, seed=SEED + 1),
            drift_stream=synth.SEA(variant=2, noise=0.1, seed=SEED + 2),
            position=3000, width=50, seed=SEED + 3),
        position=3000, width=50, seed=SEED + 4)
    sea_lines = [f'{x[0]!r},{x[1]!r},{x[2]!r},{int(y)}' for x, y in sea.take(9000)]
    add('sea', sea_lines, [{'start': 3000, 'end': 3000}, {'start': 6000, 'end': 6000}],
        spec=str(HERE / 'sea.yaml'), header='x1,x2,x3,y',
        note="River's SEA (noise 0.1): threshold 8 -> 9.5 at row 3,000 -> 7 at row 6,000 (width 50)")

    with gzip.open(ROOT / 'data/phishing.csv.gz', 'rt') as f:
        phishing = [line.rstrip('\n') for line in f if line.strip()]
    add('phishing', phishing[1:], [], spec=str(ROOT / 'specs/phishing.yaml'), header=phishing[0],
        note='Phishing (River), 1,250 real rows in file order')

    cont = {}
    for part, (a, b) in {'train': (0, 2000), 'stream': (2000, 6000), 'heldout': (6000, 8000)}.items():
        path = out / f'susy-continue-{part}.csv'
        write_lines(path, rows[a:b])
        cont[part] = {'file': str(path), 'rows': b - a, 'from': a}
    json.dump({'streams': streams, 'continue': cont}, open(out / 'manifest.json', 'w'), indent=1)
    for s in streams:
        print(f"{s['name']}: {s['rows']} rows, drifts {s['drifts']}", file=sys.stderr)


if __name__ == '__main__':
    main(Path(sys.argv[1]))
