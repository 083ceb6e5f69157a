// CRC-32C (Castagnoli), which LevelDB-format tables and TensorFlow's tensor bundles store
// "masked" beside each block and tensor. Checked so that a truncated or damaged file fails in one
// line at import rather than becoming a model with wrong weights. Table-driven: a dozen lines,
// not worth a dependency; Node 20's zlib has only plain CRC-32.
const TABLE = new Uint32Array(256).map((_, n) => {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1
  return c >>> 0
})

export function crc32c (bytes: Uint8Array): number {
  let crc = 0xffffffff
  for (let i = 0; i < bytes.length; i++) crc = TABLE[(crc ^ bytes[i]) & 0xff] ^ (crc >>> 8)
  return (crc ^ 0xffffffff) >>> 0
}

/** LevelDB's mask (rotate right 15, add a constant): what the files store. */
export function maskedCrc32c (bytes: Uint8Array): number {
  const crc = crc32c(bytes)
  return ((((crc >>> 15) | (crc << 17)) >>> 0) + 0xa282ead8) >>> 0
}
