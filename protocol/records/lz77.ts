/**
 * Copies an LZ77 back-reference (LZ4 and Snappy matches): `length` bytes starting `distance`
 * bytes back, to `buf[op]`. When the match overlaps what it writes (distance < length) it
 * repeats the last `distance` bytes, so it is copied byte by byte. The caller has checked
 * that 0 < distance <= op and that op + length fits in `buf`.
 */
export function copyMatch (buf: Buffer, op: number, distance: number, length: number): void {
  const from = op - distance
  if (distance >= length) {
    buf.copyWithin(op, from, from + length)
  } else {
    for (let i = 0; i < length; i++) buf[op + i] = buf[from + i]!
  }
}
