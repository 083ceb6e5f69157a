"""Extracts from wheels only what @tensorflow/tfjs-node's binding needs, into DEST/lib and DEST/include.
  extract_wheel.py tensorflow WHEEL DEST ROOT_HEADER...  the two TensorFlow shared libraries and the
      headers the binding includes, followed transitively (a dozen of the wheel's ~10,000 headers)
  extract_wheel.py cuda WHEEL DEST  the shared libraries of an NVIDIA CUDA wheel (nvidia/*/lib/*.so*),
      beside libtensorflow, whose runpath includes $ORIGIN
Prints one JSON line: {"libs": [...], "headers": N}."""
import json
import os
import re
import sys
import zipfile

LIBS = ('tensorflow/libtensorflow_cc.so.2', 'tensorflow/libtensorflow_framework.so.2')
INCLUDE = 'tensorflow/include/'
CUDA_LIB = re.compile(r'^nvidia/[^/]+/lib/[^/]+\.so(\.[0-9.]+)?$')
QUOTED = re.compile(rb'^\s*#\s*include\s*"([^"]+)"', re.M)


def copy_entry(z, entry, target):
    with z.open(entry) as src, open(target + '.partial', 'wb') as out:
        while True:
            chunk = src.read(1 << 20)
            if not chunk:
                break
            out.write(chunk)
    os.replace(target + '.partial', target)


def cuda(wheel, dest):
    lib_dir = os.path.join(dest, 'lib')
    os.makedirs(lib_dir, exist_ok=True)
    libs = []
    with zipfile.ZipFile(wheel) as z:
        for entry in z.namelist():
            if CUDA_LIB.match(entry):
                copy_entry(z, entry, os.path.join(lib_dir, os.path.basename(entry)))
                libs.append(os.path.basename(entry))
    print(json.dumps({'libs': libs, 'headers': 0}))


def tensorflow(wheel, dest, roots):
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
        missing = [lib for lib in LIBS if lib not in names]
        if missing:
            sys.exit(f'{wheel} has no {", ".join(missing)}: not a TensorFlow wheel with the C API')
        lib_dir = os.path.join(dest, 'lib')
        os.makedirs(lib_dir, exist_ok=True)
        for lib in LIBS:
            copy_entry(z, lib, os.path.join(lib_dir, os.path.basename(lib)))
        # Headers: walk quoted includes from the roots; those not in the wheel are the compiler's.
        seen, todo = set(), list(roots)
        while todo:
            header = todo.pop()
            entry = INCLUDE + header
            if header in seen or entry not in names:
                continue
            seen.add(header)
            data = z.read(entry)
            target = os.path.join(dest, 'include', header)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with open(target, 'wb') as out:
                out.write(data)
            todo.extend(m.decode() for m in QUOTED.findall(data))
        unresolved = [r for r in roots if r not in seen]
        if unresolved:
            sys.exit(f'{wheel} has no headers {", ".join(unresolved)}')
    print(json.dumps({'libs': [os.path.basename(lib) for lib in LIBS], 'headers': len(seen)}))


if __name__ == '__main__':
    if len(sys.argv) >= 5 and sys.argv[1] == 'tensorflow':
        tensorflow(sys.argv[2], sys.argv[3], sys.argv[4:])
    elif len(sys.argv) == 4 and sys.argv[1] == 'cuda':
        cuda(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)
