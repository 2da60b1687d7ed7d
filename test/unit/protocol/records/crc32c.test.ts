import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import t from 'tap'
import { crc32c } from '../../../../protocol/records/index.js'
import { CRC32C_KERNEL, crc32cCombine, crc32cPortable, crc32cSimd, crc32cWasm } from '../../../../protocol/records/crc32c.js'
import { crc32cWasmSource, crc32cWasmSourcePath } from '../../../../scripts/build-crc32c-wasm.js'
import { Prng } from '../../../helpers/random-message.js'

/** Bit-at-a-time CRC32C straight from the definition: the reference for the table-driven code. */
function reference (data: Uint8Array): number {
  let crc = 0xffffffff
  for (const byte of data) {
    crc ^= byte
    for (let k = 0; k < 8; k++) crc = (crc & 1) !== 0 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1
  }
  return (crc ^ 0xffffffff) >>> 0
}

t.test('known CRC32C vectors (RFC 3720 appendix B.4, and the "check" value)', async t => {
  t.equal(crc32c(Buffer.from('123456789')), 0xe3069283, 'check value')
  t.equal(crc32c(Buffer.alloc(32, 0)), 0x8a9136aa, '32 zero bytes')
  t.equal(crc32c(Buffer.alloc(32, 0xff)), 0x62a8ab43, '32 0xff bytes')
  t.equal(crc32c(Buffer.from(Array.from({ length: 32 }, (_, i) => i))), 0x46dd794e, '32 ascending bytes')
  t.equal(crc32c(Buffer.from(Array.from({ length: 32 }, (_, i) => 31 - i))), 0x113fdb5c, '32 descending bytes')
  t.equal(crc32c(Buffer.alloc(0)), 0, 'empty input')
})

t.test('the word-at-a-time path matches the definition at every length and alignment', async t => {
  const rng = new Prng(7)
  const data = rng.bytes(4096 + 64)
  let mismatches = 0
  for (let length = 0; length <= 300; length++) {
    for (let start = 0; start < 8; start++) {
      if (crc32c(data, start, start + length) !== reference(data.subarray(start, start + length))) mismatches++
    }
  }
  t.equal(mismatches, 0, 'lengths 0..300 at offsets 0..7')
  for (let i = 0; i < 50; i++) {
    const start = rng.int(0, 63)
    const end = rng.int(start, data.length)
    // A view with an odd byteOffset exercises the unaligned head.
    const view = data.subarray(1)
    t.equal(crc32c(view, start, end), reference(view.subarray(start, end)), `view [${start}, ${end})`)
  }
})

t.test('all kernels match the definition at all lengths 0..1024 and unaligned offsets', async t => {
  t.ok(CRC32C_KERNEL === 'wasm-simd' || CRC32C_KERNEL === 'wasm-relaxed-simd', `Node 20 loads a WebAssembly module with SIMD (${CRC32C_KERNEL})`)
  const kernels = { js: crc32cPortable, wasm: crc32cWasm!, simd: crc32cSimd! }
  const rng = new Prng(14)
  const data = rng.bytes(1024 + 16)
  for (const [name, kernel] of Object.entries(kernels)) {
    let mismatches = 0
    for (let length = 0; length <= 1024; length++) {
      for (let start = 0; start < 8; start++) {
        if (kernel(data, start, start + length) !== reference(data.subarray(start, start + length))) mismatches++
      }
    }
    t.equal(mismatches, 0, `${name}: lengths 0..1024 at offsets 0..7`)
  }
})

t.test('the kernels agree on random inputs larger than the WebAssembly chunk', async t => {
  const rng = new Prng(1414)
  const big = rng.bytes(300_000)
  t.equal(crc32cWasm!(big), reference(big), '300,000 bytes: wasm kernel = definition')
  t.equal(crc32cPortable(big), reference(big), '300,000 bytes: JS kernel = definition')
  for (let i = 0; i < 40; i++) {
    const start = rng.int(0, 4096)
    const end = rng.int(start, big.length)
    const view = big.subarray(rng.int(0, 3))
    t.equal(crc32c(view, start, end), crc32cPortable(view, start, end), `crc32c = JS kernel on [${start}, ${end})`)
  }
})

t.test('the SIMD kernel = the JS kernel at every length 0..4096, random offsets into a larger buffer', async t => {
  const rng = new Prng(3232)
  const data = rng.bytes(8192)
  let mismatches = 0
  for (let length = 0; length <= 4096; length++) {
    const start = rng.int(0, data.length - length)
    if (crc32cSimd!(data, start, start + length) !== crc32cPortable(data, start, start + length)) mismatches++
  }
  t.equal(mismatches, 0, '4097 lengths')
})

t.test('the SIMD kernel = the JS kernel around its block sizes (1, 4, 16 KiB) and the 64 KiB copy', async t => {
  const rng = new Prng(1616)
  const data = rng.bytes((1 << 20) + 64)
  const sizes = [1024, 4096, 16384, 65536].flatMap(n => [n - 1, n, n + 1, n + 15, 3 * n + 17])
  sizes.push(16384 + 4096 + 1024 + 1023, 200 * 1024, 209_715, 1 << 20)
  for (const size of sizes) {
    const start = rng.int(0, 63)
    t.equal(crc32cSimd!(data, start, start + size), crc32cPortable(data, start, start + size), `${size} bytes at ${start}`)
  }
  t.equal(crc32cSimd!(data, 0, 300_000), reference(data.subarray(0, 300_000)), '300,000 bytes: SIMD kernel = definition')
})

t.test('the SIMD kernel on uniform inputs (all zeros, all ones) of whole blocks', async t => {
  // Nibble indices 0 and 15 in every lane of the first step: the ends of the swizzle tables.
  for (const fill of [0, 0xff]) {
    const data = Buffer.alloc(16384 * 3, fill)
    t.equal(crc32cSimd!(data), reference(data), `48 KiB of 0x${fill.toString(16)}`)
  }
})

t.test('crc32cCombine(crc(A), crc(B), |B|) = crc(A + B)', async t => {
  const rng = new Prng(777)
  const data = rng.bytes(70_000)
  for (let i = 0; i < 60; i++) {
    const end = rng.int(0, data.length)
    const split = rng.int(0, end)
    t.equal(crc32cCombine(crc32cPortable(data, 0, split), crc32cPortable(data, split, end), end - split), crc32cPortable(data, 0, end), `split ${split} of ${end}`)
  }
  t.equal(crc32cCombine(0x12345678, 0, 0), 0x12345678, 'an empty B changes nothing')
  // A long B, checked against computing it: 3 MiB of zeros after "123456789".
  const zeros = Buffer.alloc(3 << 20)
  t.equal(crc32cCombine(0xe3069283, crc32cPortable(zeros), zeros.length), crc32cPortable(Buffer.concat([Buffer.from('123456789'), zeros])), '9 bytes + 3 MiB')
})

t.test('without WebAssembly (--jitless) crc32c runs the JS kernel and agrees', async t => {
  const module = new URL('../../../../protocol/records/crc32c.js', import.meta.url).href
  const script = `const m = await import(${JSON.stringify(module)})
    const data = new Uint8Array(300_000).map((_, i) => (i * 2654435761) >>> 13)
    console.log(JSON.stringify({ kernel: m.CRC32C_KERNEL, wasm: m.crc32cWasm, crc: m.crc32c(data, 3) }))`
  const run = spawnSync(process.execPath, ['--jitless', '--input-type=module', '-e', script], { encoding: 'utf8' })
  t.equal(run.status, 0, run.stderr)
  const data = new Uint8Array(300_000).map((_, i) => (i * 2654435761) >>> 13)
  t.same(JSON.parse(run.stdout), { kernel: 'js', wasm: null, crc: crc32c(data, 3) }, 'JS kernel, same CRC as the SIMD kernel here')
})

t.test('the relaxed-SIMD module (i8x16.relaxed_swizzle) loads where the engine has it and = the JS kernel', async t => {
  // Node 20 has relaxed SIMD behind a flag; later engines have it on, and then this process runs it already.
  const flags = CRC32C_KERNEL === 'wasm-relaxed-simd' ? [] : ['--experimental-wasm-relaxed-simd']
  const module = new URL('../../../../protocol/records/crc32c.js', import.meta.url).href
  const script = `const m = await import(${JSON.stringify(module)})
    const data = new Uint8Array((1 << 20) + 64).map((_, i) => (i * 2654435761) >>> 13)
    let mismatches = 0
    const sizes = [...Array(4097).keys(), 16383, 16384, 16385, 20479, 65537, 209715, 1 << 20]
    for (const size of sizes) {
      const start = (size * 7) % 61
      if (m.crc32cSimd(data, start, start + size) !== m.crc32cPortable(data, start, start + size)) mismatches++
    }
    console.log(JSON.stringify({ kernel: m.CRC32C_KERNEL, sizes: sizes.length, mismatches }))`
  const run = spawnSync(process.execPath, [...flags, '--input-type=module', '-e', script], { encoding: 'utf8' })
  t.equal(run.status, 0, run.stderr)
  t.same(JSON.parse(run.stdout), { kernel: 'wasm-relaxed-simd', sizes: 4104, mismatches: 0 }, 'lengths 0..4096 and large sizes')
})

t.test('the shipped WebAssembly bytes are what scripts/build-crc32c-wasm.ts builds', async t => {
  t.equal(readFileSync(crc32cWasmSourcePath(), 'utf8'), crc32cWasmSource(), 'run npm run build:crc32c-wasm after changing the kernel')
})
