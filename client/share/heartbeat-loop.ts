import { ShareGroupHeartbeat } from '../../protocol/messages/share-group-heartbeat.js'
import { backoffDelay, type BackoffOptions } from '../backoff.js'
import type { Cluster } from '../cluster.js'
import { KafkaError, UnsupportedApiVersionError } from '../errors.js'
import type { Logger } from './logger.js'
import { assertShareGroups } from './share-groups-available.js'
import { ShareGroupsUnavailableError } from './share-errors.js'
import type { ShareMembership } from './share-membership.js'

/** Options of a {@link HeartbeatLoop}. */
export interface HeartbeatLoopOptions {
  /** Where the coordinator is found. */
  cluster: Cluster
  /** The membership state machine. */
  membership: ShareMembership
  /** Timeout of one heartbeat. */
  requestTimeoutMs: number
  /** Backoff after a failed heartbeat. */
  retryBackoff: BackoffOptions
  /** Logger. */
  logger: Logger
  /** The assignment changed (or was dropped). */
  onAssignment: () => void
  /** An error the application should hear about; `fatal` when membership is over. */
  onError: (error: KafkaError, fatal: boolean) => void
}

/**
 * Sends ShareGroupHeartbeat to the group coordinator on the pool's `coordinator` connection:
 * at once when the membership needs it (join, changed subscription, leave), otherwise every
 * `heartbeatIntervalMs` the broker asked for. One heartbeat at a time.
 */
export class HeartbeatLoop {
  private timer: NodeJS.Timeout | undefined
  private inFlight: Promise<void> | undefined
  private failures = 0
  private stopped = false

  /** @param options see {@link HeartbeatLoopOptions} */
  constructor (private readonly options: HeartbeatLoopOptions) {}

  /** Heartbeats now if one is due (after subscribe/unsubscribe), else keeps the schedule. */
  wake (): void {
    if (!this.stopped && this.inFlight === undefined && this.options.membership.heartbeatDue) this.schedule(0)
  }

  /**
   * Leaves the group (epoch -1) if the member is in it, then stops. Resolves when the leave
   * was answered or failed; every wait is bounded by the request timeout.
   */
  async leave (): Promise<void> {
    const { membership } = this.options
    this.clearTimer()
    if (this.inFlight !== undefined) await this.inFlight
    membership.unsubscribe()
    if (membership.state === 'leaving') await this.beat()
    this.stop()
  }

  /** Stops heartbeating (no leave). */
  stop (): void {
    this.stopped = true
    this.clearTimer()
  }

  private schedule (delayMs: number): void {
    if (this.stopped) return
    this.clearTimer()
    this.timer = setTimeout(() => {
      this.timer = undefined
      void this.beat()
    }, delayMs)
  }

  private clearTimer (): void {
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timer = undefined
  }

  private beat (): Promise<void> {
    this.inFlight ??= this.beat0().finally(() => { this.inFlight = undefined })
    return this.inFlight
  }

  private async beat0 (): Promise<void> {
    const { cluster, membership, logger } = this.options
    const body = membership.nextHeartbeat()
    if (body === null) return
    let brokerId: number | undefined
    try {
      const conn = await cluster.coordinatorConnection(membership.groupId)
      brokerId = conn.nodeId
      assertShareGroups(conn)
      const response = await conn.send(ShareGroupHeartbeat, body, { timeoutMs: this.options.requestTimeoutMs })
      const outcome = membership.onResponse(response, brokerId)
      switch (outcome.kind) {
        case 'ok':
          this.failures = 0
          if (outcome.assignmentChanged) this.options.onAssignment()
          this.schedule(membership.heartbeatDue ? 0 : membership.heartbeatIntervalMs)
          return
        case 'rejoin':
          logger.info(`share group ${membership.groupId}: ${outcome.error.message}; rejoining as ${membership.memberId}`)
          this.options.onAssignment()
          this.schedule(0)
          return
        case 'find-coordinator':
          cluster.invalidateCoordinator(membership.groupId)
          break
        case 'retry':
          break
        case 'report':
          this.options.onError(outcome.error, false)
          this.schedule(membership.heartbeatIntervalMs)
          return
        case 'fatal':
          this.options.onAssignment()
          this.options.onError(outcome.error, true)
          return
      }
      logger.debug(`share group ${membership.groupId}: heartbeat: ${outcome.error.message}`)
    } catch (err) {
      membership.onRequestFailed()
      if (err instanceof ShareGroupsUnavailableError || err instanceof UnsupportedApiVersionError) {
        const error = err instanceof ShareGroupsUnavailableError ? err : new ShareGroupsUnavailableError(err.message, { brokerId, api: 'ShareGroupHeartbeat', cause: err })
        membership.fail(error)
        this.options.onAssignment()
        this.options.onError(error, true)
        return
      }
      if (err instanceof KafkaError && !err.retriable) {
        // Authentication, authorization, configuration: retrying cannot help.
        membership.fail(err)
        this.options.onAssignment()
        this.options.onError(err, true)
        return
      }
      // A lost coordinator connection or a timeout: the coordinator may have moved.
      cluster.invalidateCoordinator(membership.groupId)
      logger.debug(`share group ${membership.groupId}: heartbeat failed: ${err instanceof Error ? err.message : String(err)}`)
    }
    this.failures++
    this.schedule(backoffDelay(this.failures - 1, this.options.retryBackoff))
  }
}
