/**
 * The optional peer dependencies (prom-client, @opentelemetry/api), imported only when a
 * feature that needs them is used, so an App without them loads none of their code.
 */
import type * as OtelApi from '@opentelemetry/api'
import type * as PromClient from 'prom-client'
import { MissingDependencyError } from '../errors.js'

/** `prom-client`'s module. */
export type PromClientModule = typeof PromClient
/** `@opentelemetry/api`'s module. */
export type OtelApiModule = typeof OtelApi

/** Imports prom-client; throws {@link MissingDependencyError} naming the package when it is not installed. */
export async function importPromClient (feature: string): Promise<PromClientModule> {
  try {
    const m = await import('prom-client')
    // prom-client is CommonJS: Node puts its exports on the namespace and on `default`.
    return (m as PromClientModule & { default?: PromClientModule }).default ?? m
  } catch (err) {
    throw new MissingDependencyError('prom-client', feature, err)
  }
}

/** Imports @opentelemetry/api; `undefined` when it is not installed. */
export async function importOtelApi (): Promise<OtelApiModule | undefined> {
  try {
    return await import('@opentelemetry/api')
  } catch {
    return undefined
  }
}
