/**
 * A Kafka version range as written in the message JSON: `"0+"`, `"3-5"`, `"2"` or `"none"`.
 * Parsed once into [min, max] (inclusive) and checked with `inRange`.
 */
export type VersionRange = readonly [min: number, max: number]

const NONE: VersionRange = [1, 0]

/** Parses `"0+"`, `"3-5"`, `"2"`, `"none"`. */
export function parseVersions (text: string): VersionRange {
  if (text === 'none') return NONE
  let m = /^(\d+)\+$/.exec(text)
  if (m !== null) return [Number(m[1]), Number.MAX_SAFE_INTEGER]
  m = /^(\d+)-(\d+)$/.exec(text)
  if (m !== null) return [Number(m[1]), Number(m[2])]
  m = /^(\d+)$/.exec(text)
  if (m !== null) return [Number(m[1]), Number(m[1])]
  throw new TypeError(`invalid version range ${JSON.stringify(text)}`)
}

/** True when `version` lies in `range`. */
export function inRange (range: VersionRange, version: number): boolean {
  return version >= range[0] && version <= range[1]
}
