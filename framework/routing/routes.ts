import { RoutingError } from '../errors.js'
import type { BaseGroup } from './base-group.js'
import { ShareGroupBuilder, type ShareGroup, type ShareGroupDefaults } from './share-group.js'
import type { ShareTopic } from './share-topic.js'

/** What `app.routes.draw(r => ...)` hands you. */
export class RoutesBuilder {
  /** @internal the groups declared so far */
  readonly declared: ShareGroupBuilder[] = []

  /** Declares a share group (KIP-932): its name is the group id; its topics are shared among all its members. */
  shareGroup (name: string, declare: (g: ShareGroupBuilder) => void): this {
    const builder = new ShareGroupBuilder(name)
    declare(builder)
    this.declared.push(builder)
    return this
  }
}

/**
 * The App's routes: which groups consume which topics with which consumers. `draw` may be
 * called more than once (each call adds groups) until the App runs; an invalid declaration is
 * refused as a whole with a {@link RoutingError} listing every problem.
 */
export class Routes {
  readonly #groups: ShareGroup[] = []
  #locked = false

  /** @param defaults the App's share group defaults */
  constructor (private readonly defaults: ShareGroupDefaults) {}

  /** Declares routes; throws {@link RoutingError} (and adds nothing) when any is invalid. */
  draw (declare: (r: RoutesBuilder) => void): void {
    if (this.#locked) throw new RoutingError(['routes cannot change once the App runs'])
    const builder = new RoutesBuilder()
    declare(builder)
    const problems: string[] = []
    const names = [...this.#groups.map((g) => g.name), ...builder.declared.map((g) => g.name)]
    for (const dup of new Set(names.filter((n, i) => names.indexOf(n) !== i))) problems.push(`share group ${dup} is declared twice`)
    const groups = builder.declared.map((g) => g.resolve(this.defaults, problems))
    if (problems.length > 0) throw new RoutingError(problems)
    this.#groups.push(...groups.filter((g): g is ShareGroup => g !== undefined))
  }

  /** Every group, in declaration order. */
  get groups (): readonly BaseGroup[] {
    return this.#groups
  }

  /** The share groups. */
  get shareGroups (): readonly ShareGroup[] {
    return this.#groups
  }

  /** Every routed topic of every share group. */
  get shareTopics (): readonly ShareTopic[] {
    return this.#groups.flatMap((g) => g.topics)
  }

  /** Freezes the routes (the App calls this when it starts). */
  lock (): void {
    this.#locked = true
  }
}
