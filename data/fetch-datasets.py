#!/usr/bin/env python3
"""Regenerates data/seattle-weather.csv, data/segment.csv, data/cars.jsonl and
data/phishing.csv.gz byte for byte
from the PyPI wheels that bundle them (these machines reach PyPI, not the data sets' own sites).

Usage: python3 data/fetch-datasets.py [--check]
  --check   write nothing; fail unless the committed files equal what the wheels give.

Standard library only, plus pip (run as `python3 -m pip download --no-deps`). Each wheel is pinned
by version, platform and SHA-256, and each file written is checked against its SHA-256, so a
changed wheel or a changed conversion fails here instead of silently changing the data.
"""
import hashlib
import io
import json
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent

# pip arguments pin one exact wheel: river has compiled parts, so its wheel differs per platform;
# asking for one platform and Python gives the same file (and hash) on any machine.
WHEELS = {
    'vega_datasets': {
        'pip': ['vega_datasets==0.9.0'],
        'file': 'vega_datasets-0.9.0-py3-none-any.whl',
        'sha256': '3d7c63917be6ca9b154b565f4779a31fedce57b01b5b9d99d8a34a7608062a1d',
    },
    'river': {
        'pip': ['river==0.26.1', '--only-binary=:all:', '--platform', 'manylinux_2_28_x86_64',
                '--python-version', '3.11', '--implementation', 'cp', '--abi', 'cp311'],
        'file': 'river-0.26.1-cp311-cp311-manylinux_2_28_x86_64.whl',
        'sha256': '6a11e1a9749beec3ea138efeb0205b2c5cea8d424e9deee306c8980faec01bef',
    },
}


def copy(data: bytes) -> bytes:
    """The file exactly as the wheel has it."""
    return data


def unzip_only(data: bytes) -> bytes:
    """The one file inside a zip archive (River zips segment.csv), unchanged."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        [name] = z.namelist()
        return z.read(name)


def json_array_to_lines(data: bytes) -> bytes:
    """A JSON array of objects as JSON lines: one compact object per line, fields in their
    original order, values (nulls included) unchanged."""
    rows = json.loads(data)
    out = []
    for row in rows:
        line = json.dumps(row, ensure_ascii=False, separators=(',', ':'))
        # Python's float repr could in principle spell a number differently from the source
        # (e.g. 15.0 vs 15); refuse rather than change a value's text.
        if json.loads(line) != row or any(isinstance(v, float) and v.is_integer() for v in row.values()):
            raise SystemExit(f'cars: a value would change its spelling: {row}')
        out.append(line)
    return ('\n'.join(out) + '\n').encode('utf-8')


# target file -> (wheel, path inside the wheel, conversion, SHA-256 of the target file)
OUTPUTS = {
    'seattle-weather.csv': ('vega_datasets', 'vega_datasets/_data/seattle-weather.csv', copy,
                            '62f0609f787158128aa2bd102967173a4953122dd4f872bf1d502cae1037df0b'),
    'cars.jsonl': ('vega_datasets', 'vega_datasets/_data/cars.json', json_array_to_lines,
                   'f7bc7ce67da380c0066d82f0bcb51d94d63ec6fab4f74fe90c98bbb93cbd952d'),
    'segment.csv': ('river', 'river/datasets/segment.csv.zip', unzip_only,
                    'd8845cf5ab6738e136069b37d4587d41553739088639c50ac97672d4aa04f366'),
    'phishing.csv.gz': ('river', 'river/datasets/phishing.csv.gz', copy,
                        'd8a6d44bd9672e852b8a53ad2c64229f81972158a77d981073a98b17c27af7a9'),
}


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def download(name: str, into: Path) -> Path:
    spec = WHEELS[name]
    subprocess.run([sys.executable, '-m', 'pip', 'download', '--quiet', '--no-deps',
                    '--disable-pip-version-check', '--dest', str(into), *spec['pip']], check=True)
    wheel = into / spec['file']
    got = sha256(wheel.read_bytes())
    if got != spec['sha256']:
        raise SystemExit(f'{wheel.name}: SHA-256 {got}, expected {spec["sha256"]}')
    return wheel


def main() -> None:
    check = '--check' in sys.argv[1:]
    with tempfile.TemporaryDirectory() as tmp:
        wheels = {name: download(name, Path(tmp)) for name in WHEELS}
        failed = False
        for target, (wheel, inner, convert, want) in OUTPUTS.items():
            with zipfile.ZipFile(wheels[wheel]) as z:
                data = convert(z.read(inner))
            got = sha256(data)
            if want is not None and got != want:
                raise SystemExit(f'{target}: SHA-256 {got}, expected {want}')
            path = HERE / target
            if check:
                same = path.exists() and path.read_bytes() == data
                failed |= not same
                print(f'{target}: {"same" if same else "DIFFERS"} ({got})')
            else:
                path.write_bytes(data)
                print(f'{target}: {len(data)} bytes, sha256 {got} (from {WHEELS[wheel]["file"]}:{inner})')
        if failed:
            raise SystemExit(1)


if __name__ == '__main__':
    main()
