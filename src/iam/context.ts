/** What every operation receives besides its input: who calls, and the server's parts. */
import type { Clock } from '../shared/clock.js';
import type { Store } from '../store/store.js';
import type { Sealer } from '../shared/seal.js';
import type { Authorizer } from '../authz/authorizer.js';
import type { ContextValue } from '../policy/index.js';

/** The kinds of caller an operation may have. */
export type CallerType = 'root' | 'user' | 'assumed-role' | 'federated-user' | 'anonymous';

/** What a caller using temporary credentials carries from the session. */
export interface SessionInfo {
  readonly kind: 'assumed-role' | 'session-token' | 'federated-user' | 'root';
  /** SHA-256 of the session token, hex. */
  readonly tokenHash: string;
  readonly issuedAt: number;
  readonly expiresAt: number;
  /** Session policies, each as JSON text: they narrow the session's permissions. */
  readonly policies: readonly { readonly name: string; readonly document: string }[];
  /** Session tags: they override the role's tags as aws:PrincipalTag. */
  readonly tags: Readonly<Record<string, string>>;
  readonly transitiveTagKeys: readonly string[];
  readonly sourceIdentity: string | undefined;
  /** Obtained with another role session's credentials: chained sessions last an hour at most. */
  readonly chained: boolean;
  readonly mfa: boolean;
  /** The role's name, for an assumed-role session. */
  readonly roleName: string | undefined;
  /** The session (or federated user) name. */
  readonly name: string;
}

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
  /** aws:PrincipalArn: the role's ARN for an assumed-role session, otherwise `arn`. */
  readonly principalArn: string;
  /** Present when the caller signed with temporary credentials. */
  readonly session?: SessionInfo;
}

/** The caller of an operation AWS serves unsigned (AssumeRoleWithWebIdentity, AssumeRoleWithSAML). */
export const ANONYMOUS: Caller = Object.freeze({ type: 'anonymous', accountId: '', arn: '', principalArn: '', userId: 'anonymous', userName: undefined, entityId: '', accessKeyId: '' });

/** The server's settings that operations read. */
export interface ServiceConfig {
  /** The ARN partition, `aws` by default. */
  readonly partition: string;
  /** The region the server reports. */
  readonly region: string;
  /** Service principals workloads may act as (besides AWS's `*.amazonaws.com`); see config.ts. */
  readonly servicePrincipals?: readonly string[];
}

/** The context of one call. */
export interface OperationContext {
  readonly caller: Caller;
  readonly store: Store;
  readonly clock: Clock;
  readonly config: ServiceConfig;
  readonly sealer: Sealer;
  readonly requestId: string;
  /** The one authorization point, for operations that decide more than their own call (AssumeRole). */
  readonly authorizer: Authorizer;
  /** The condition keys of the request itself (aws:SourceIp, aws:CurrentTime, aws:RequestedRegion…). */
  readonly requestContext: Readonly<Record<string, ContextValue>>;
  /** The URL the request reached the server at (scheme, host and port), where the server knows it. */
  readonly endpoint?: string;
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
