/**
 * How the application settles a delivered record. Wire ids (KIP-932, KIP-1222):
 * 0 gap (wire only: an acquired offset without a record), 1 accept, 2 release, 3 reject, 4 renew.
 */
export type AcknowledgeType = 'accept' | 'release' | 'reject' | 'renew'

/** Wire id of a gap: an acquired offset with no record (control record, compacted away). */
export const GAP = 0
/** Wire id of ACCEPT: processed; the broker marks it acknowledged. */
export const ACCEPT = 1
/** Wire id of RELEASE: give it back; it is delivered again (delivery count + 1). */
export const RELEASE = 2
/** Wire id of REJECT: never deliver again (archived). */
export const REJECT = 3
/** Wire id of RENEW: still working on it; restart the acquisition lock (ShareFetch/ShareAcknowledge v2). */
export const RENEW = 4

const IDS: Readonly<Record<AcknowledgeType, number>> = { accept: ACCEPT, release: RELEASE, reject: REJECT, renew: RENEW }

/** The wire id of `type`, or `undefined` when `type` is not one of the four names. */
export function acknowledgeTypeId (type: string): number | undefined {
  return Object.hasOwn(IDS, type) ? IDS[type as AcknowledgeType] : undefined
}

const NAMES: Readonly<Record<number, string>> = { [GAP]: 'gap', [ACCEPT]: 'accept', [RELEASE]: 'release', [REJECT]: 'reject', [RENEW]: 'renew' }

/** The name of wire id `typeId` (`gap`, `accept`, ...), or `type<n>` for an id Kafka does not define. */
export function acknowledgeTypeName (typeId: number): string {
  return NAMES[typeId] ?? `type${typeId}`
}

/** True for the types that end the member's hold on a record (everything but RENEW). */
export function isTerminal (typeId: number): boolean {
  return typeId !== RENEW
}
