/**
 * CRC32C (Castagnoli, reflected polynomial 0x82f63b78), the checksum of record batches v2.
 *
 * Three kernels, one answer. From `CRC32C_WASM_MIN_BYTES` on, a WebAssembly module
 * (scripts/build-crc32c-wasm.ts, shipped as bytes in crc32c-wasm.ts) runs 16 streams in
 * parallel in 128-bit vectors on whole blocks of 1 KiB and more, then slicing-by-16 on the
 * rest; it comes in two builds, with relaxed SIMD (faster, where the engine has it) and
 * without. Below, and wherever WebAssembly or its SIMD is unavailable, this file's JS
 * slicing-by-16 kernel. Slicing-by-16: sixteen 256-entry tables fold 16 input bytes per step
 * with table lookups only. WebAssembly cannot read a JS buffer, so the input is copied into its
 * memory in pieces that stay in the L1/L2 cache between copy and checksum. WebAssembly has no
 * CRC or carry-less multiply instruction: table lookups are all there is.
 */
import { CRC32C_WASM_BASE64, CRC32C_WASM_LAYOUT, CRC32C_WASM_RELAXED_BASE64 } from './crc32c-wasm.js'

const POLYNOMIAL = 0x82f63b78
const SLICES = 16

function buildTables (): Int32Array {
  const all = new Int32Array(256 * SLICES)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = (c & 1) !== 0 ? (c >>> 1) ^ POLYNOMIAL : c >>> 1
    all[n] = c
  }
  // Table s maps a byte to its CRC contribution when followed by s zero bytes.
  for (let s = 1; s < SLICES; s++) {
    for (let n = 0; n < 256; n++) {
      const prev = all[(s - 1) * 256 + n]!
      all[s * 256 + n] = (prev >>> 8) ^ all[prev & 0xff]!
    }
  }
  return all
}

const TABLES = buildTables()
const table = (s: number): Int32Array => TABLES.subarray(s * 256, (s + 1) * 256)
const [T0, T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14, T15] =
  Array.from({ length: SLICES }, (_, s) => table(s)) as
  [Int32Array, Int32Array, Int32Array, Int32Array, Int32Array, Int32Array, Int32Array, Int32Array,
    Int32Array, Int32Array, Int32Array, Int32Array, Int32Array, Int32Array, Int32Array, Int32Array]

// Word loads through Int32Array are host-endian; the table layout assumes little-endian words.
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1

/** Folds `data[i, end)` into `crc` a byte at a time. */
function crcBytes (crc: number, data: Uint8Array, i: number, end: number): number {
  for (; i < end; i++) crc = T0[(crc ^ data[i]!) & 0xff]! ^ (crc >>> 8)
  return crc
}

/**
 * Folds `words` (a multiple of 4 little-endian words) into `crc`, 16 bytes per step. The
 * lookups of the three words that do not depend on `crc` come first and the four of the word
 * that does come last, so each step waits on four lookups, not sixteen.
 */
function crcWords (crc: number, words: Int32Array): number {
  for (let j = 0; j < words.length; j += 4) {
    const b = words[j + 1]!
    const c = words[j + 2]!
    const d = words[j + 3]!
    const a = words[j]! ^ crc
    crc = T3[d & 0xff]! ^ T2[(d >>> 8) & 0xff]! ^ T1[(d >>> 16) & 0xff]! ^ T0[d >>> 24]! ^
      T7[c & 0xff]! ^ T6[(c >>> 8) & 0xff]! ^ T5[(c >>> 16) & 0xff]! ^ T4[c >>> 24]! ^
      T11[b & 0xff]! ^ T10[(b >>> 8) & 0xff]! ^ T9[(b >>> 16) & 0xff]! ^ T8[b >>> 24]! ^
      T15[a & 0xff]! ^ T14[(a >>> 8) & 0xff]! ^ T13[(a >>> 16) & 0xff]! ^ T12[a >>> 24]!
  }
  return crc
}

/**
 * The JS kernel: CRC32C of `data[start, end)`. The loops live in their own small functions so
 * that every call runs all three with type feedback; one function holding head, bulk and tail
 * was deoptimised over and over on the tail it had never run (the "2x slower in decode").
 */
export function crc32cPortable (data: Uint8Array, start = 0, end = data.length): number {
  let crc = -1
  let i = start
  if (LITTLE_ENDIAN && end - start >= 32) {
    const headEnd = i + ((4 - ((data.byteOffset + i) & 3)) & 3)
    crc = crcBytes(crc, data, i, headEnd)
    const words = (end - headEnd) >>> 4 << 2
    crc = crcWords(crc, new Int32Array(data.buffer, data.byteOffset + headEnd, words))
    i = headEnd + (words << 2)
  }
  return (~crcBytes(crc, data, i, end)) >>> 0
}

/** x^0 in the reflected representation: the top bit is the lowest power. */
const ONE = 0x80000000

/** a * b mod P over GF(2), both reflected: one pass over the bits of `a` (as zlib's multmodp). */
function multiplyModP (a: number, b: number): number {
  let product = 0
  for (let bit = ONE; a !== 0; bit >>>= 1) {
    if ((a & bit) !== 0) {
      product ^= b
      a ^= bit
    }
    b = (b & 1) !== 0 ? (b >>> 1) ^ POLYNOMIAL : b >>> 1
  }
  return product >>> 0
}

/** x^(2^k) mod P for k = 0..63 (any byte length a JS number holds), by repeated squaring from x^1. */
const X_POW_2K = ((): number[] => {
  const out = [ONE >>> 1]
  for (let k = 1; k < 64; k++) out.push(multiplyModP(out[k - 1]!, out[k - 1]!))
  return out
})()

/** x^(8 * bytes) mod P: the operator that moves a CRC register past `bytes` zero bytes. */
function zeroBytesOperator (bytes: number): number {
  let op = ONE
  for (let k = 3; bytes !== 0; k++, bytes = Math.floor(bytes / 2)) {
    if (bytes % 2 === 1) op = multiplyModP(X_POW_2K[k]!, op)
  }
  return op
}

/**
 * CRC32C of the concatenation A + B from the CRCs of A and B and the length of B, without
 * reading either (zlib's crc32_combine): A's CRC is moved past B's length in zero bytes.
 * @param crcA CRC32C of the first part
 * @param crcB CRC32C of the second part
 * @param lengthB byte length of the second part
 */
export function crc32cCombine (crcA: number, crcB: number, lengthB: number): number {
  return (multiplyModP(zeroBytesOperator(lengthB), crcA) ^ crcB) >>> 0
}

/**
 * Four 256-entry tables moving a CRC register past `bytes` zero bytes one register byte at a
 * time (table k for byte k). The operator is linear, so each entry is the xor of the images of
 * its bits: eight multiplications per table, the rest xors.
 */
function zeroBytesTables (bytes: number): Int32Array {
  const op = zeroBytesOperator(bytes)
  const tables = new Int32Array(1024)
  for (let k = 0; k < 4; k++) {
    const table = tables.subarray(k * 256, (k + 1) * 256)
    for (let bit = 1; bit < 256; bit <<= 1) table[bit] = multiplyModP(op, bit << (8 * k))
    for (let n = 1; n < 256; n++) table[n] = table[n & (n - 1)]! ^ table[n & -n]!
  }
  return tables
}

/**
 * The byte table T0 as nibble tables for `i8x16.swizzle`: T0[x] = T0[x & 15] ^ T0[x & 0xf0] (T0
 * is linear), so for each CRC byte j, 16 bytes of T0[n] and 16 of T0[n << 4].
 */
function nibbleTables (): Uint8Array {
  const out = new Uint8Array(128)
  for (let j = 0; j < 4; j++) {
    for (let n = 0; n < 16; n++) {
      out[32 * j + n] = T0[n]! >>> (8 * j)
      out[32 * j + 16 + n] = T0[n << 4]! >>> (8 * j)
    }
  }
  return out
}

type Fold = (start: number, end: number, crc: number) => number
interface WasmKernels { memory: Uint8Array, crc: Fold, crcSimd: Fold }

/** The part of the WebAssembly JS API used here (lib ES2023 does not declare it). */
interface WebAssemblyApi {
  Module: new (bytes: Uint8Array) => object
  Instance: new (module: object) => { exports: { memory: { buffer: ArrayBuffer }, crc: Fold, crcSimd: Fold } }
}

/** Writes `words` as little-endian int32 at `at`: the module reads little-endian, TABLES is host-endian. */
function writeWords (memory: ArrayBuffer, at: number, words: Int32Array): void {
  const view = new DataView(memory)
  for (let n = 0; n < words.length; n++) view.setInt32(at + 4 * n, words[n]!, true)
}

/** Compiles and instantiates the module in `base64`, writes its tables; null where the engine rejects it. */
function instantiate (api: WebAssemblyApi, base64: string): WasmKernels | null {
  try {
    const { exports } = new api.Instance(new api.Module(Buffer.from(base64, 'base64')))
    const memory = new Uint8Array(exports.memory.buffer)
    const { slicing, nibbles, shifts, input, inputBytes } = CRC32C_WASM_LAYOUT
    if (memory.length < input + inputBytes) return null
    writeWords(exports.memory.buffer, slicing, TABLES)
    memory.set(nibbleTables(), nibbles)
    for (const { chunkBytes, at } of shifts) writeWords(exports.memory.buffer, at, zeroBytesTables(chunkBytes))
    return { memory, crc: exports.crc, crcSimd: exports.crcSimd }
  } catch {
    return null // no relaxed SIMD, no SIMD
  }
}

/** The module with relaxed SIMD (faster), else the one without, else null (--jitless, no SIMD): the JS kernel still works. */
function loadWasm (): { kernels: WasmKernels, relaxed: boolean } | null {
  const api = (globalThis as { WebAssembly?: WebAssemblyApi }).WebAssembly
  if (api === undefined) return null
  const relaxed = instantiate(api, CRC32C_WASM_RELAXED_BASE64)
  if (relaxed !== null) return { kernels: relaxed, relaxed: true }
  const kernels = instantiate(api, CRC32C_WASM_BASE64)
  return kernels === null ? null : { kernels, relaxed: false }
}

const LOADED = loadWasm()
const WASM = LOADED?.kernels ?? null

/** Which kernel `crc32c` runs on inputs of `CRC32C_WASM_MIN_BYTES` and more. */
export const CRC32C_KERNEL: 'wasm-relaxed-simd' | 'wasm-simd' | 'js' = LOADED === null ? 'js' : LOADED.relaxed ? 'wasm-relaxed-simd' : 'wasm-simd'

/**
 * A JS entry to a WebAssembly fold: WebAssembly cannot read a JS buffer, so the input is
 * copied into its memory in pieces that stay in the L1/L2 cache between copy and checksum.
 */
function wasmEntry (memory: Uint8Array, fold: Fold): (data: Uint8Array, start?: number, end?: number) => number {
  const { input, inputBytes } = CRC32C_WASM_LAYOUT
  return (data, start = 0, end = data.length) => {
    let crc = -1
    for (let i = start; i < end; i += inputBytes) {
      const n = Math.min(inputBytes, end - i)
      memory.set(data.subarray(i, i + n), input)
      crc = fold(input, input + n, crc)
    }
    return (~crc) >>> 0
  }
}

/** The scalar (slicing-by-16) WebAssembly kernel, or null where it could not load: CRC32C of `data[start, end)`. */
export const crc32cWasm = WASM === null ? null : wasmEntry(WASM.memory, WASM.crc)

/**
 * The 16-stream SIMD WebAssembly kernel, or null where it could not load: CRC32C of
 * `data[start, end)`. Inputs shorter than a 1 KiB block run the scalar kernel inside it.
 */
export const crc32cSimd = WASM === null ? null : wasmEntry(WASM.memory, WASM.crcSimd)

/**
 * Below this the JS byte loop beats copying into WebAssembly memory and the call. Measured
 * alone (2026-12-05): 31 bytes JS 0.43 GB/s, wasm 0.31; 48 bytes JS 0.43, wasm 0.56; 256
 * bytes JS 1.15, wasm 1.62 (from 32 bytes the JS kernel pays for an Int32Array view per call).
 */
export const CRC32C_WASM_MIN_BYTES = 64

/**
 * CRC32C of `data[start, end)`, as an unsigned 32-bit integer.
 * @param data bytes to checksum
 * @param start first byte (default 0)
 * @param end one past the last byte (default `data.length`)
 */
export function crc32c (data: Uint8Array, start = 0, end = data.length): number {
  return crc32cSimd !== null && end - start >= CRC32C_WASM_MIN_BYTES ? crc32cSimd(data, start, end) : crc32cPortable(data, start, end)
}
