import { compileStruct, type Codec } from './codec.js'
import { KafkaProtocolError } from './protocol-error.js'
import type { Infer, InferInput, StructDef } from './schema.js'
import { inRange, parseVersions, type VersionRange } from './versions.js'

/** What `defineApi` takes: one API, both directions, every version we speak. */
export interface ApiSpec<RQ extends StructDef, RS extends StructDef> {
  /** Kafka's name for the API, e.g. `ShareFetch`. */
  name: string
  /** API key, e.g. 78. */
  apiKey: number
  /** Versions kshare speaks, e.g. `"1-2"`. */
  versions: string
  /** Versions that use compact encodings and tagged fields. */
  flexibleVersions: string
  /** Request fields. */
  request: RQ
  /** Response fields. */
  response: RS
  /** ApiVersions answers with response header v0 in every version, so an old client can read it. */
  responseHeaderAlwaysV0?: boolean
}

/**
 * One Kafka API, declared once: request and response fields for every version we speak.
 * Codecs per version are compiled on first use and cached.
 */
export class ApiDefinition<RQ extends StructDef = StructDef, RS extends StructDef = StructDef> {
  /** Kafka's name for the API. */
  readonly name: string
  /** API key. */
  readonly apiKey: number
  /** Lowest version we speak. */
  readonly minVersion: number
  /** Highest version we speak. */
  readonly maxVersion: number
  /** The declaration, for the pretty-printer and tests. */
  readonly spec: ApiSpec<RQ, RS>
  private readonly flexible: VersionRange
  private readonly requestCodecs: Array<Codec<Infer<RQ>, InferInput<RQ>>> = []
  private readonly responseCodecs: Array<Codec<Infer<RS>, InferInput<RS>>> = []

  /** @param spec the declaration */
  constructor (spec: ApiSpec<RQ, RS>) {
    this.spec = spec
    this.name = spec.name
    this.apiKey = spec.apiKey
    ;[this.minVersion, this.maxVersion] = parseVersions(spec.versions)
    this.flexible = parseVersions(spec.flexibleVersions)
  }

  /** True when `version` uses compact encodings and tagged fields. */
  isFlexible (version: number): boolean {
    return inRange(this.flexible, version)
  }

  /** Request header version: 2 for flexible versions, else 1. */
  requestHeaderVersion (version: number): 1 | 2 {
    return this.isFlexible(version) ? 2 : 1
  }

  /** Response header version: 1 for flexible versions, else 0 (always 0 for ApiVersions). */
  responseHeaderVersion (version: number): 0 | 1 {
    return this.isFlexible(version) && this.spec.responseHeaderAlwaysV0 !== true ? 1 : 0
  }

  /** Throws unless we speak `version` of this API. */
  checkVersion (version: number): void {
    if (!Number.isInteger(version) || version < this.minVersion || version > this.maxVersion) {
      throw new KafkaProtocolError(
        `${this.name} v${version} is not supported (kshare speaks v${this.minVersion}-v${this.maxVersion})`, 0, '', this.name, version)
    }
  }

  /** The request codec of `version`. */
  request (version: number): Codec<Infer<RQ>, InferInput<RQ>> {
    this.checkVersion(version)
    return (this.requestCodecs[version] ??= compileStruct(this.spec.request, version, this.isFlexible(version)) as unknown as Codec<Infer<RQ>, InferInput<RQ>>)
  }

  /** The response codec of `version`. */
  response (version: number): Codec<Infer<RS>, InferInput<RS>> {
    this.checkVersion(version)
    return (this.responseCodecs[version] ??= compileStruct(this.spec.response, version, this.isFlexible(version)) as unknown as Codec<Infer<RS>, InferInput<RS>>)
  }
}

/** Declares an API. */
export function defineApi<const RQ extends StructDef, const RS extends StructDef> (spec: ApiSpec<RQ, RS>): ApiDefinition<RQ, RS> {
  return new ApiDefinition(spec)
}

/** Decoded request of an API. */
export type RequestOf<A> = A extends ApiDefinition<infer RQ, StructDef> ? Infer<RQ> : never
/** What the encoder accepts as a request of an API. */
export type RequestInput<A> = A extends ApiDefinition<infer RQ, StructDef> ? InferInput<RQ> : never
/** Decoded response of an API. */
export type ResponseOf<A> = A extends ApiDefinition<StructDef, infer RS> ? Infer<RS> : never
/** What the encoder accepts as a response of an API. */
export type ResponseInput<A> = A extends ApiDefinition<StructDef, infer RS> ? InferInput<RS> : never
