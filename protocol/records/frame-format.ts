import { CodecFailure } from './codec-failure.js'

/** Pieces the LZ4 and zstd frame formats share. */

/** Little-endian uint32 at `pos`, or a `CodecFailure` naming `format` when the input ends first. */
export function u32le (data: Buffer, pos: number, format: string): number {
  if (pos + 4 > data.length) throw new CodecFailure(`truncated ${format} frame at byte ${pos}`)
  return data.readUInt32LE(pos)
}

/**
 * Walks concatenated frames. Skippable frames (magic 0x184D2A50-0x184D2A5F, uint32 size,
 * data: the same in LZ4 and zstd streams) are stepped over; `frame` gets every other frame's
 * magic and start, checks the magic, and returns where the frame ends (or -1 to stop).
 * Returns where the walk ended, which is past the input when the last frame was cut short.
 */
export function walkFrames (data: Buffer, format: string, frame: (magic: number, pos: number) => number): number {
  let pos = 0
  while (pos >= 0 && pos < data.length) {
    const magic = u32le(data, pos, format)
    pos = (magic & 0xfffffff0) >>> 0 === 0x184d2a50 ? pos + 8 + u32le(data, pos + 4, format) : frame(magic, pos)
  }
  return pos
}
