// Types for snappyjs (a pure-JS Snappy codec that ships no declarations). Only what we call.
declare module 'snappyjs' {
  /** Compresses to raw Snappy. */
  export function compress (uncompressed: Buffer): Buffer
}
