// What `streamfit backend install` installs: the tfjs-node package matching @tensorflow/tfjs, and
// the PyPI wheel whose TensorFlow C API its binding builds against when Google's storage (where
// the package's own install script downloads libtensorflow) cannot be reached.
import { arch, platform } from 'node:os'
import { UsageError } from '../errors.js'

export type Variant = 'cpu' | 'gpu'

export interface VariantSpec {
  variant: Variant
  /** The npm package and the backend name it registers with tfjs. */
  npmPackage: string
  backend: 'node' | 'gpu'
  /** Pip requirement of the wheel carrying libtensorflow_cc.so.2 and the C headers. */
  wheel: string
  /** Extra of that wheel listing the CUDA packages (GPU only): their libraries go beside libtensorflow. */
  cudaExtra?: string
}

/** tfjs-node's version follows @tensorflow/tfjs (4.22.0 here); TensorFlow 2.16.2's C API serves its binding. */
export const TFJS_NODE_VERSION = '4.22.0'
export const TENSORFLOW_VERSION = '2.16.2'

export function variantSpec (variant: Variant): VariantSpec {
  return variant === 'gpu'
    ? { variant, npmPackage: '@tensorflow/tfjs-node-gpu', backend: 'gpu', wheel: `tensorflow==${TENSORFLOW_VERSION}`, cudaExtra: 'and-cuda' }
    : { variant, npmPackage: '@tensorflow/tfjs-node', backend: 'node', wheel: `tensorflow-cpu==${TENSORFLOW_VERSION}` }
}

/**
 * The wheel tags pip should select: the shared libraries do not depend on the Python interpreter,
 * so one fixed Python version keeps the choice the same whatever python3 is installed.
 */
export function wheelTarget (os = platform(), cpu = arch()): { pythonVersion: string, platform: string } {
  if (os === 'linux' && cpu === 'x64') return { pythonVersion: '3.11', platform: 'manylinux2014_x86_64' }
  throw new UsageError(`building the native backend from the TensorFlow wheel supports Linux x86-64 only (this is ${os} ${cpu}); ` +
    'elsewhere install the package the usual way: npm install @tensorflow/tfjs-node')
}
