/**
 * Builds the WebAssembly CRC32C kernels that protocol/records/crc32c.ts runs, and writes them
 * as base64, with the memory layout they expect, into protocol/records/crc32c-wasm.ts (the
 * package ships the bytes, not this script).
 *
 *   npm run build:crc32c-wasm      (builds, then node dist/scripts/build-crc32c-wasm.js [--check])
 *
 * No toolchain: the module is small enough to assemble here, so the kernels below are its
 * source. `--check` exits 1 when the shipped bytes differ from what this script builds (the
 * unit test runs the same comparison).
 *
 * The module exports `memory` (2 pages) and two functions that fold the bytes
 * `memory[start, end)` into the running (pre-inverted) `crc` and return it. The caller writes
 * the tables of `LAYOUT` (shipped beside the bytes) and copies input to `LAYOUT.input`.
 *
 * `crc(start, end, crc)`, scalar slicing-by-16 on four i32 loads: each table index is computed
 * already scaled by 4 (`(w >>> (8k - 2)) & 0x3fc`), so a lookup is shift, and, load, xor. The
 * twelve lookups that do not depend on the running CRC are xor-ed first and the four that do
 * come last: the loop-carried chain is then one word's lookups, not all sixteen (measured
 * 2.2 -> 3.2 GB/s in place). wasm memory needs no per-load bounds checks on 64-bit hosts
 * (guard pages), which is what the JS kernel cannot avoid.
 *
 * `crcSimd(start, end, crc)`, 16 streams in the byte lanes of 128-bit vectors: WebAssembly
 * has no CRC or carry-less multiply, but it has `i8x16.swizzle` (pshufb), a 16-entry byte
 * table lookup in every lane at once. A block of 16 * L bytes is cut into 16 chunks of L; lane
 * c runs the byte-at-a-time CRC of chunk c. Its 32-bit state is spread over four vectors, one
 * per state byte ("planes"). The byte table is linear, T[x] = T[x & 15] ^ T[x & 0xf0], so each
 * output byte of a lookup is two swizzles of 16-entry nibble tables. Sixteen loads (one per
 * chunk) and a 16x16 byte transpose give sixteen vectors holding one byte of every chunk each.
 * At the end of the block the lane CRCs are combined in order: moving a CRC past L zero bytes
 * is linear, so it is four lookups in the `shifts` table of that L. Blocks of 16 KiB, then
 * 4 KiB, then 1 KiB; what is left goes to `crc`.
 *
 * Per 16 input bytes that is 8 swizzles, 8 xors, 2 ands, a shift and a quarter of the
 * transpose, against the scalar kernel's 16 loads and ~48 ALU ops. V8 (Node 20) makes each
 * swizzle three instructions: a load of a constant's address, a saturating add of 0x70 (so
 * that indices past 15 select 0; ours never are, but only constant indices skip it) and
 * pshufb. The loop comes to ~48 instructions per 16 bytes (--print-wasm-code) and runs at
 * ~4.5 GB/s where the scalar kernel runs ~3.2 (bench:decode); breaking the loop-carried chain
 * does not make it faster, so it is bound by instruction throughput. `i8x16.relaxed_swizzle`
 * (relaxed SIMD) leaves indices past 15 to the engine and is a bare pshufb: the module is also
 * built with it, and crc32c.ts loads that one where the engine has relaxed SIMD (Node 20 only
 * with --experimental-wasm-relaxed-simd, where it runs ~5.8 GB/s). Engines without WebAssembly
 * SIMD reject both modules and crc32c.ts falls back to its JS kernel.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

const OP = {
  block: 0x02, loop: 0x03, br: 0x0c, brIf: 0x0d, end: 0x0b, call: 0x10, localGet: 0x20, localSet: 0x21, localTee: 0x22,
  i32Load: 0x28, i32Load8U: 0x2d, i32Const: 0x41, i32LtU: 0x49, i32GeU: 0x4f, i32Add: 0x6a, i32Sub: 0x6b,
  i32And: 0x71, i32Xor: 0x73, i32Shl: 0x74, i32ShrU: 0x76, simd: 0xfd
} as const
/** Vector opcodes, after the 0xfd prefix (WebAssembly 2.0 binary format, 5.4.8; relaxedSwizzle: the relaxed SIMD proposal). */
const SIMD = {
  load: 0, store: 11, const: 12, shuffle: 13, swizzle: 14, i8x16ReplaceLane: 23, i32x4ExtractLane: 27,
  and: 78, xor: 81, i16x8ShrU: 141, relaxedSwizzle: 256
} as const
const VOID = 0x40
const I32 = 0x7f
const V128 = 0x7b

function uleb (n: number): number[] {
  const out: number[] = []
  do {
    let byte = n & 0x7f
    n >>>= 7
    if (n !== 0) byte |= 0x80
    out.push(byte)
  } while (n !== 0)
  return out
}

function sleb (n: number): number[] {
  const out: number[] = []
  for (;;) {
    const byte = n & 0x7f
    n >>= 7
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) return [...out, byte]
    out.push(byte | 0x80)
  }
}

const get = (local: number): number[] => [OP.localGet, ...uleb(local)]
const set = (local: number): number[] => [OP.localSet, ...uleb(local)]
const i32 = (n: number): number[] => [OP.i32Const, ...sleb(n | 0)]
/** i32.load, 4-byte aligned, at the address on the stack plus `offset`. */
const load = (offset: number): number[] => [OP.i32Load, 2, ...uleb(offset)]
const simd = (op: number, ...immediates: number[]): number[] => [OP.simd, ...uleb(op), ...immediates]
/** v128.load at the address on the stack plus `offset` (alignment hint 1 byte: chunks are not aligned). */
const vload = (offset: number): number[] => simd(SIMD.load, 0, ...uleb(offset))

const SLICES = 16
const TABLE_BYTES = 1024
/** Bytes per lane per block of `crcSimd`, largest first; each has its own shift table. */
const SIMD_CHUNK_BYTES = [1024, 256, 64] as const
const LANES = 16

/** Where the caller puts tables and input in memory. */
export const LAYOUT = {
  /** The 16 slicing tables, table k at k * 1024, 256 little-endian int32 each. */
  slicing: 0,
  /** Nibble tables, 16 bytes each: for state byte j, T[n] byte j at 32j, T[n << 4] byte j at 32j + 16. */
  nibbles: SLICES * TABLE_BYTES,
  /** 256 bytes where `crcSimd` leaves each transposed 16x16 block. */
  scratch: SLICES * TABLE_BYTES + 128,
  /** Per `chunkBytes`: 4 tables of 256 int32, table k maps state byte k to the state after that many zero bytes. */
  shifts: SIMD_CHUNK_BYTES.map((chunkBytes, i) => ({ chunkBytes, at: SLICES * TABLE_BYTES + 1024 + i * 4 * TABLE_BYTES })),
  /** Where the caller copies the input, `inputBytes` at most per call. */
  input: 32 * 1024,
  inputBytes: 64 * 1024
} as const
const PAGES = 2

// Locals of `crc`: the three parameters, then the bulk loop's stop address and its four words.
const START = 0
const END = 1
const CRC = 2
const STOP = 3
const WORD = 4

/** `table[byte k of local word]`: the index comes out of the word already multiplied by 4. */
function lookup (word: number, k: number, table: number): number[] {
  const index = k === 0 ? [...get(word), ...i32(2), OP.i32Shl] : [...get(word), ...i32(8 * k - 2), OP.i32ShrU]
  return [...index, ...i32(0x3fc), OP.i32And, ...load(table * TABLE_BYTES)]
}

/** The body of `crc(start, end, crc)`. */
function scalarKernel (): number[] {
  const step: number[] = []
  for (let w = 0; w < 4; w++) step.push(...get(START), ...load(4 * w), ...(w === 0 ? [...get(CRC), OP.i32Xor] : []), ...set(WORD + w))
  // Byte k of word w is input byte 4w + k, looked up in table 15 - (4w + k); word 0 holds the CRC.
  const terms: number[][] = []
  for (let w = 3; w >= 0; w--) for (let k = 0; k < 4; k++) terms.push(lookup(WORD + w, k, SLICES - 1 - (4 * w + k)))
  step.push(...terms[0]!)
  for (const term of terms.slice(1)) step.push(...term, OP.i32Xor)
  step.push(...set(CRC))
  return [
    ...get(START), ...get(END), ...get(START), OP.i32Sub, ...i32(-SLICES), OP.i32And, OP.i32Add, ...set(STOP),
    OP.block, VOID, OP.loop, VOID,
    ...get(START), ...get(STOP), OP.i32GeU, OP.brIf, 1,
    ...step,
    ...get(START), ...i32(SLICES), OP.i32Add, ...set(START),
    OP.br, 0, OP.end, OP.end,
    // The tail, byte by byte: crc = T0[(crc ^ byte) & 0xff] ^ (crc >>> 8).
    OP.block, VOID, OP.loop, VOID,
    ...get(START), ...get(END), OP.i32GeU, OP.brIf, 1,
    ...get(CRC), ...get(START), OP.i32Load8U, 0, 0, OP.i32Xor, ...i32(2), OP.i32Shl, ...i32(0x3fc), OP.i32And, ...load(0),
    ...get(CRC), ...i32(8), OP.i32ShrU, OP.i32Xor, ...set(CRC),
    ...get(START), ...i32(1), OP.i32Add, ...set(START),
    OP.br, 0, OP.end, OP.end,
    ...get(CRC)
  ]
}

// Locals of a block function `(start, crc) -> crc`: i32 parameters and locals, then v128 locals.
const B_PTR = 0
const B_CRC = 1
const B_STOP = 2
const B_I32_LOCALS = 1
const V_NIBBLE = 3 // 8: low-nibble table of state byte j at V_NIBBLE + 2j, high at + 2j + 1
const V_MASK = V_NIBBLE + 8
const V_PLANE = V_MASK + 1 // 4; inside a block, plane 0 holds x = plane 0 ^ input (see simdStep)
const V_LO = V_PLANE + 4
const V_HI = V_LO + 1
const V_ROW = V_HI + 1 // 16, and 16 more for the transpose's other half
const V_LOCALS = V_ROW + 32 - V_NIBBLE

/** i8x16.shuffle immediates interleaving `width`-byte units of the low (or high) halves of a and b. */
function unpack (width: number, high: boolean): number[] {
  const lanes: number[] = []
  const units = 16 / width
  for (let u = high ? units / 2 : 0; u < (high ? units : units / 2); u++) {
    for (let k = 0; k < width; k++) lanes.push(u * width + k)
    for (let k = 0; k < width; k++) lanes.push(16 + u * width + k)
  }
  return lanes
}

const bitReverse4 = (n: number): number => ((n & 1) << 3) | ((n & 2) << 1) | ((n & 4) >> 1) | ((n & 8) >> 3)

/**
 * Loads 16 bytes of every chunk at `ptr`, transposes them and stores the result in `scratch`,
 * vector s (byte s of every chunk) at scratch + 16s. Four rounds of unpacking rows i and i + 8
 * at widths 1, 2, 4 and 8 put byte s of row r in vector s, lane bitReverse4(r): loading chunk
 * bitReverse4(r) into row r puts chunk c in lane c. Each shuffle is one unpack instruction in
 * V8. Going through memory, not 16 more live locals, leaves registers to the steps' tables
 * (V8 spilled and reloaded them: 3.7 -> 4.1 GB/s).
 */
function loadTransposed (chunkBytes: number): number[] {
  const code: number[] = []
  for (let r = 0; r < LANES; r++) code.push(...get(B_PTR), ...vload(bitReverse4(r) * chunkBytes), ...set(V_ROW + r))
  let from = V_ROW
  let to = V_ROW + 16
  for (const width of [1, 2, 4, 8]) {
    for (let i = 0; i < 8; i++) {
      for (const high of [false, true]) {
        code.push(...get(from + i), ...get(from + i + 8), ...simd(SIMD.shuffle, ...unpack(width, high)), ...set(to + 2 * i + (high ? 1 : 0)))
      }
    }
    [from, to] = [to, from]
  }
  for (let s = 0; s < LANES; s++) code.push(...i32(0), ...get(from + s), ...simd(SIMD.store, 0, ...uleb(LAYOUT.scratch + 16 * s)))
  return code
}

/**
 * One byte of every lane: plane j = plane j+1 ^ TL_j[x & 15] ^ TH_j[x >> 4], x = plane 0 ^ input.
 * Plane 0's local holds x: the step xors the next input into plane 1 before the lookups
 * come back, and xors the low-nibble lookup in before the high one (which waits on the shift),
 * so the chain from x to the next x is shift, and, add, shuffle, xor: 5 cycles, not 7
 * (4.1 -> 4.5 GB/s).
 * `next` is the next input vector, or none after the last step of a block (it is plane 0).
 */
function simdStep (next: number[] | null, swizzle: number): number[] {
  const code = [
    ...get(V_PLANE), ...get(V_MASK), ...simd(SIMD.and), ...set(V_LO),
    // No u8 shift on x64: a 16-bit shift and the mask cost two instructions, V8's i8x16.shr_u five.
    ...get(V_PLANE), ...i32(4), ...simd(SIMD.i16x8ShrU), ...get(V_MASK), ...simd(SIMD.and), ...set(V_HI)
  ]
  for (let j = 0; j < 4; j++) {
    const above = j === 0 && next !== null ? [...get(V_PLANE + 1), ...next, ...simd(SIMD.xor)] : j < 3 ? get(V_PLANE + j + 1) : null
    code.push(...get(V_NIBBLE + 2 * j), ...get(V_LO), ...simd(swizzle))
    if (above !== null) code.push(...above, ...simd(SIMD.xor))
    code.push(...get(V_NIBBLE + 2 * j + 1), ...get(V_HI), ...simd(swizzle), ...simd(SIMD.xor), ...set(V_PLANE + j))
  }
  return code
}

/** The lane CRCs in chunk order, combined: crc = shift(crc) ^ lane c, with the shift tables at `shifts`. */
function combineLanes (shifts: number): number[] {
  const lo8 = unpack(1, false)
  const hi8 = unpack(1, true)
  const [a, b, c, d] = [V_ROW, V_ROW + 1, V_ROW + 2, V_ROW + 3]
  const code = [
    // Interleave the planes into 32-bit lanes: a, b = bytes 0-1 of lanes 0-7, 8-15; c, d = bytes 2-3.
    ...get(V_PLANE), ...get(V_PLANE + 1), ...simd(SIMD.shuffle, ...lo8), ...set(a),
    ...get(V_PLANE), ...get(V_PLANE + 1), ...simd(SIMD.shuffle, ...hi8), ...set(b),
    ...get(V_PLANE + 2), ...get(V_PLANE + 3), ...simd(SIMD.shuffle, ...lo8), ...set(c),
    ...get(V_PLANE + 2), ...get(V_PLANE + 3), ...simd(SIMD.shuffle, ...hi8), ...set(d)
  ]
  const words = [[a, c, false], [a, c, true], [b, d, false], [b, d, true]] as const
  words.forEach(([low, high, upper], w) => code.push(...get(low), ...get(high), ...simd(SIMD.shuffle, ...unpack(2, upper)), ...set(V_ROW + 4 + w)))
  code.push(...get(V_ROW + 4), ...simd(SIMD.i32x4ExtractLane, 0), ...set(B_CRC))
  for (let lane = 1; lane < LANES; lane++) {
    const shifted = [
      ...get(B_CRC), ...i32(2), OP.i32Shl, ...i32(0x3fc), OP.i32And, ...load(shifts),
      ...get(B_CRC), ...i32(6), OP.i32ShrU, ...i32(0x3fc), OP.i32And, ...load(shifts + TABLE_BYTES), OP.i32Xor,
      ...get(B_CRC), ...i32(14), OP.i32ShrU, ...i32(0x3fc), OP.i32And, ...load(shifts + 2 * TABLE_BYTES), OP.i32Xor,
      ...get(B_CRC), ...i32(22), OP.i32ShrU, ...i32(0x3fc), OP.i32And, ...load(shifts + 3 * TABLE_BYTES), OP.i32Xor
    ]
    code.push(...shifted, ...get(V_ROW + 4 + (lane >> 2)), ...simd(SIMD.i32x4ExtractLane, lane & 3), OP.i32Xor, ...set(B_CRC))
  }
  return [...code, ...get(B_CRC)]
}

/** The body of a block function `(start, crc) -> crc` over 16 chunks of `chunkBytes`. */
function simdBlock (chunkBytes: number, shifts: number, swizzle: number): number[] {
  const setup: number[] = []
  for (let t = 0; t < 8; t++) setup.push(...i32(0), ...vload(LAYOUT.nibbles + 16 * t), ...set(V_NIBBLE + t))
  setup.push(...simd(SIMD.const, ...new Array<number>(16).fill(0x0f)), ...set(V_MASK))
  // Lane 0 starts from the running CRC, the others from 0: their chunks are combined in later.
  for (let j = 0; j < 4; j++) {
    setup.push(...simd(SIMD.const, ...new Array<number>(16).fill(0)), ...get(B_CRC), ...i32(8 * j), OP.i32ShrU, ...simd(SIMD.i8x16ReplaceLane, 0), ...set(V_PLANE + j))
  }
  setup.push(...get(B_PTR), ...i32(chunkBytes), OP.i32Add, ...set(B_STOP))
  const input = (s: number): number[] => [...i32(0), ...vload(LAYOUT.scratch + 16 * s)]
  const steps = [...get(V_PLANE), ...input(0), ...simd(SIMD.xor), ...set(V_PLANE)]
  for (let s = 0; s < LANES; s++) steps.push(...simdStep(s + 1 < LANES ? input(s + 1) : null, swizzle))
  return [
    ...setup,
    OP.loop, VOID,
    ...loadTransposed(chunkBytes), ...steps,
    ...get(B_PTR), ...i32(LANES), OP.i32Add, OP.localTee, ...uleb(B_PTR), ...get(B_STOP), OP.i32LtU, OP.brIf, 0,
    OP.end,
    ...combineLanes(shifts)
  ]
}

// Function indices: `crc`, `crcSimd`, then a block function per SIMD_CHUNK_BYTES.
const F_CRC = 0
const F_SIMD = 1
const F_BLOCK = 2

/** The body of `crcSimd(start, end, crc)`: whole blocks of each size, largest first, then `crc`. */
function simdKernel (): number[] {
  const code: number[] = []
  SIMD_CHUNK_BYTES.forEach((chunkBytes, i) => {
    const blockBytes = LANES * chunkBytes
    code.push(
      OP.block, VOID, OP.loop, VOID,
      ...get(END), ...get(START), OP.i32Sub, ...i32(blockBytes), OP.i32LtU, OP.brIf, 1,
      ...get(START), ...get(CRC), OP.call, ...uleb(F_BLOCK + i), ...set(CRC),
      ...get(START), ...i32(blockBytes), OP.i32Add, ...set(START),
      OP.br, 0, OP.end, OP.end
    )
  })
  return [...code, ...get(START), ...get(END), ...get(CRC), OP.call, ...uleb(F_CRC)]
}

const section = (id: number, bytes: number[]): number[] => [id, ...uleb(bytes.length), ...bytes]
const name = (s: string): number[] => [...uleb(s.length), ...Buffer.from(s, 'utf8')]
const vector = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()]
/** A function body: local groups as [count, type], then the code. */
function body (locals: Array<[number, number]>, code: number[]): number[] {
  const bytes = [...vector(locals.map(([n, type]) => [...uleb(n), type])), ...code, OP.end]
  return [...uleb(bytes.length), ...bytes]
}

/**
 * The complete module: type, function, memory, export and code sections.
 * @param relaxed use `i8x16.relaxed_swizzle` (same results: our indices are all below 16)
 */
export function crc32cWasmModule (relaxed = false): Uint8Array {
  const swizzle = relaxed ? SIMD.relaxedSwizzle : SIMD.swizzle
  const TYPE_3 = 0 // (i32, i32, i32) -> i32
  const TYPE_2 = 1 // (i32, i32) -> i32
  const bodies = [
    body([[5, I32]], scalarKernel()),
    body([], simdKernel()),
    ...LAYOUT.shifts.map(({ chunkBytes, at }) => body([[B_I32_LOCALS, I32], [V_LOCALS, V128]], simdBlock(chunkBytes, at, swizzle)))
  ]
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vector([[0x60, 3, I32, I32, I32, 1, I32], [0x60, 2, I32, I32, 1, I32]])),
    ...section(3, vector([[TYPE_3], [TYPE_3], ...SIMD_CHUNK_BYTES.map(() => [TYPE_2])])),
    ...section(5, [1, 0x00, PAGES]),
    ...section(7, vector([[...name('memory'), 0x02, 0], [...name('crc'), 0x00, F_CRC], [...name('crcSimd'), 0x00, F_SIMD]])),
    ...section(10, [...uleb(bodies.length), ...bodies.flat()])
  ])
}

/** The TypeScript module that ships the bytes. */
export function crc32cWasmSource (): string {
  const base64 = (relaxed: boolean): string => Buffer.from(crc32cWasmModule(relaxed)).toString('base64')
  return `// Generated by scripts/build-crc32c-wasm.ts (npm run build:crc32c-wasm); do not edit.

/** The CRC32C WebAssembly module (scalar slicing-by-16 and 16-stream SIMD), base64: see scripts/build-crc32c-wasm.ts. */
export const CRC32C_WASM_BASE64: string =
  '${base64(false)}'

/** The same module with \`i8x16.relaxed_swizzle\`, for engines with relaxed SIMD. */
export const CRC32C_WASM_RELAXED_BASE64: string =
  '${base64(true)}'

/** Where the module expects its tables and input in memory (byte addresses). */
export const CRC32C_WASM_LAYOUT = ${JSON.stringify(LAYOUT)} as const
`
}

/** Where the generated module lives, from dist/scripts or scripts. */
export function crc32cWasmSourcePath (): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  if (dir.endsWith(join('dist', 'scripts'))) dir = dirname(dir)
  return join(dirname(dir), 'protocol', 'records', 'crc32c-wasm.ts')
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { check: { type: 'boolean', default: false } } })
  const path = crc32cWasmSourcePath()
  const source = crc32cWasmSource()
  if (values.check) {
    const same = readFileSync(path, 'utf8') === source
    console.log(same ? `${path} is up to date` : `${path} differs from what scripts/build-crc32c-wasm.ts builds`)
    process.exitCode = same ? 0 : 1
  } else {
    writeFileSync(path, source)
    console.log(`wrote ${path} (${crc32cWasmModule().length} bytes of WebAssembly, ${crc32cWasmModule(true).length} relaxed)`)
  }
}
