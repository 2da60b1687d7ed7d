/**
 * CRC32C (Castagnoli, reflected polynomial 0x82f63b78), the checksum of record batches v2.
 *
 * Slicing-by-16: sixteen 256-entry tables let the loop fold 16 input bytes per step with
 * table lookups only. Two kernels run it: a WebAssembly one (scripts/build-crc32c-wasm.ts,
 * shipped as bytes in crc32c-wasm.ts), which has no per-load bounds checks, for inputs of
 * `WASM_MIN_BYTES` and more; and this file's JS kernel for short inputs and wherever
 * WebAssembly is unavailable. WebAssembly cannot read a JS buffer, so the input is copied into
 * its memory in `CHUNK_BYTES` pieces that stay in the L1/L2 cache between copy and checksum.
 * There is no faster portable path: WebAssembly has no CRC or carry-less multiply instruction.
 */
import { CRC32C_WASM_BASE64 } from './crc32c-wasm.js'

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

const WASM_TABLE_BYTES = SLICES * 1024
const CHUNK_BYTES = 64 * 1024
/** Below this, copying into WebAssembly memory and the call cost more than they save. */
const WASM_MIN_BYTES = 512

interface WasmKernel { memory: Uint8Array, crc: (start: number, end: number, crc: number) => number }

/** The part of the WebAssembly JS API used here (lib ES2023 does not declare it). */
interface WebAssemblyApi {
  Module: new (bytes: Uint8Array) => object
  Instance: new (module: object) => { exports: { memory: { buffer: ArrayBuffer }, crc: WasmKernel['crc'] } }
}

function loadWasm (): WasmKernel | null {
  const api = (globalThis as { WebAssembly?: WebAssemblyApi }).WebAssembly
  if (api === undefined) return null
  try {
    const { exports } = new api.Instance(new api.Module(Buffer.from(CRC32C_WASM_BASE64, 'base64')))
    const memory = new Uint8Array(exports.memory.buffer)
    if (memory.length < WASM_TABLE_BYTES + CHUNK_BYTES) return null
    // The module reads little-endian words; TABLES is host-endian, so write it byte-exact.
    const view = new DataView(exports.memory.buffer)
    for (let n = 0; n < TABLES.length; n++) view.setInt32(n * 4, TABLES[n]!, true)
    return { memory, crc: exports.crc }
  } catch {
    return null // e.g. WebAssembly disabled (--jitless): the JS kernel still works
  }
}

const WASM = loadWasm()

/** Which kernel `crc32c` runs on inputs of `WASM_MIN_BYTES` and more. */
export const CRC32C_KERNEL: 'wasm' | 'js' = WASM === null ? 'js' : 'wasm'

/** The WebAssembly kernel, or null where it could not load: CRC32C of `data[start, end)`. */
export const crc32cWasm = WASM === null
  ? null
  : (data: Uint8Array, start = 0, end = data.length): number => {
      const { memory, crc: fold } = WASM
      let crc = -1
      for (let i = start; i < end; i += CHUNK_BYTES) {
        const n = Math.min(CHUNK_BYTES, end - i)
        memory.set(data.subarray(i, i + n), WASM_TABLE_BYTES)
        crc = fold(WASM_TABLE_BYTES, WASM_TABLE_BYTES + n, crc)
      }
      return (~crc) >>> 0
    }

/**
 * CRC32C of `data[start, end)`, as an unsigned 32-bit integer.
 * @param data bytes to checksum
 * @param start first byte (default 0)
 * @param end one past the last byte (default `data.length`)
 */
export function crc32c (data: Uint8Array, start = 0, end = data.length): number {
  return crc32cWasm !== null && end - start >= WASM_MIN_BYTES ? crc32cWasm(data, start, end) : crc32cPortable(data, start, end)
}
