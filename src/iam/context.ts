/** What every operation receives besides its input: who calls, and the server's parts. */
import type { Clock } from '../shared/clock.js';
import type { Store } from '../store/store.js';
import type { Sealer } from '../shared/seal.js';

/** The kinds of caller an operation may have. */
export type CallerType = 'root' | 'user' | 'assumed-role';

/** An authenticated caller. */
export interface Caller {
  readonly type: CallerType;
  readonly accountId: string;
  /** The caller's ARN: the root, the user, or the assumed-role session. */
  readonly arn: string;
  /** aws:userid: the account id for the root, the user's unique id, or ROLEID:session. */
  readonly userId: string;
  /** The user's name (aws:username), for IAM users only. */
  readonly userName: string | undefined;
  /** The id of the user or role behind the caller; the account id for the root. */
  readonly entityId: string;
  /** The access key the request was signed with. */
  readonly accessKeyId: string;
}

/** The server's settings that operations read. */
export interface ServiceConfig {
  /** The ARN partition, `aws` by default. */
  readonly partition: string;
  /** The region the server reports. */
  readonly region: string;
}

/** The context of one call. */
export interface OperationContext {
  readonly caller: Caller;
  readonly store: Store;
  readonly clock: Clock;
  readonly config: ServiceConfig;
  readonly sealer: Sealer;
  readonly requestId: string;
}

/**
 * An operation's implementation: typed input in, a plain output object out (wire member names, as
 * in the model); the protocol layer decodes, validates and serializes.
 */
export type Handler<I = never, O = unknown> = (input: I, context: OperationContext) => Promise<O>;

type RequiredKeys<T> = { [K in keyof T]-?: object extends Pick<T, K> ? never : K }[keyof T];

/**
 * An operation's input as the protocol layer hands it over: the SDK's request type, with the
 * members the model requires known to be present (the SDK types them `X | undefined`), all the way
 * down through lists and nested structures.
 */
export type Input<T> = T extends Date | Uint8Array | string | number | boolean
  ? T
  : T extends readonly (infer U)[]
    ? Input<U>[]
    : T extends object
      ? { [K in RequiredKeys<T>]: Input<Exclude<T[K], undefined>> } & { [K in Exclude<keyof T, RequiredKeys<T>>]?: Input<Exclude<T[K], undefined>> }
      : T;
