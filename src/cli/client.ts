/**
 * The CLI's transport: the AWS SDK's IAM and STS clients, signed with the active profile, plus one
 * middleware that checks every request against the server's own operation model before it leaves
 * (same names, lengths and patterns as the server) and, with `--debug`, logs it without secrets.
 */
import * as iamSdk from '@aws-sdk/client-iam';
import * as stsSdk from '@aws-sdk/client-sts';
import { IAMClient } from '@aws-sdk/client-iam';
import { STSClient } from '@aws-sdk/client-sts';
import { InvalidParameterValue, ValidationError, decodeRequest, parseQueryParams, serviceModel } from '../protocol/index.js';
import { UsageError, type CallTarget } from './errors.js';
import type { ResolvedProfile } from './profiles.js';

/** The services the CLI calls. */
export type Service = 'iam' | 'sts';

/** An operation name the SDK of a service has a command for, checked at compile time. */
export type OperationOf<M> = { [K in keyof M]: K extends `${infer Op}Command` ? Op : never }[keyof M];
/** IAM operations (`CreateUser`…). */
export type IamOperation = OperationOf<typeof iamSdk>;
/** STS operations (`AssumeRole`…). */
export type StsOperation = OperationOf<typeof stsSdk>;

/** Clients for one profile, and where they point (for error hints). */
export interface Session {
  readonly profile: ResolvedProfile;
  readonly target: CallTarget;
  readonly iam: IAMClient;
  readonly sts: STSClient;
}

// Parameter names whose values never reach a log line.
const SECRET_PARAMS = /password|secret|token|assertion|authenticationcode/i;

/** Opens clients for a profile; a profile without keys is a usage error naming the fix. */
export function openSession(profile: ResolvedProfile, options: { debug?: (line: string) => void } = {}): Session {
  const accessKeyId = profile.accessKeyId.value;
  const secretAccessKey = profile.secretAccessKey.value;
  if (!accessKeyId || !secretAccessKey) {
    throw new UsageError(
      `profile "${profile.name}" has no credentials: run "deployport configure${profile.name === 'default' ? '' : ` --profile ${profile.name}`}" or set DEPLOYPORT_ACCESS_KEY_ID and DEPLOYPORT_SECRET_ACCESS_KEY`,
    );
  }
  const endpoint = profile.endpoint.value ?? '';
  const target = { profile: profile.name, endpoint };
  if (!/^https?:\/\/[^/]+/.test(endpoint)) throw new UsageError(`profile "${profile.name}" has an invalid endpoint "${endpoint}": use http(s)://host:port`);
  const config = {
    endpoint,
    region: profile.region.value ?? 'us-east-1',
    credentials: { accessKeyId, secretAccessKey, ...(profile.sessionToken.value ? { sessionToken: profile.sessionToken.value } : {}) },
    maxAttempts: 2,
    requestHandler: { connectionTimeout: 5_000, requestTimeout: 60_000 },
  };
  options.debug?.(`profile "${profile.name}" (${profile.nameSource}), endpoint ${endpoint} (${profile.endpoint.source}), region ${config.region}, access key ${accessKeyId}${profile.sessionToken.value ? ' with a session token' : ''}`);
  const iam = new IAMClient(config);
  const sts = new STSClient(config);
  guard(iam, 'iam', options.debug);
  guard(sts, 'sts', options.debug);
  return { profile, target, iam, sts };
}

/** The request as the build step sees it (a @smithy/protocol-http HttpRequest). */
interface BuiltRequest {
  method?: string;
  protocol?: string;
  hostname?: string;
  port?: number;
  path?: string;
  body?: unknown;
}

/** The build step's arguments and result, as far as the guard reads them. */
interface BuildArgs {
  request: unknown;
}
type Next = (args: BuildArgs) => Promise<{ response: unknown }>;

function guard(client: IAMClient | STSClient, service: Service, debug: ((line: string) => void) | undefined): void {
  const middleware = (next: Next) => async (args: BuildArgs) => {
      const request = args.request as BuiltRequest;
      if (typeof request.body === 'string') {
        const params = parseQueryParams(request.body);
        check(service, params);
        if (debug) {
          const shown = [...params].map(([k, v]) => `${k}=${SECRET_PARAMS.test(k) ? '***' : encodeURIComponent(v)}`).join('&');
          debug(`→ ${request.method ?? 'POST'} ${request.protocol ?? 'http:'}//${request.hostname ?? ''}${request.port ? `:${request.port}` : ''}${request.path ?? '/'} ${shown}`);
        }
      }
      try {
        const result = await next(args);
        const status = (result.response as { statusCode?: number }).statusCode;
        debug?.(`← ${status ?? '?'}`);
        return result;
      } catch (error) {
        const e = error as { name?: string; $metadata?: { httpStatusCode?: number; requestId?: string } };
        debug?.(`← ${e.$metadata?.httpStatusCode ?? 'no response'} ${e.name ?? ''}${e.$metadata?.requestId ? ` (request ${e.$metadata.requestId})` : ''}`);
        throw error;
      }
    };
  // The two clients' stacks differ only in their input and output unions, which the guard ignores.
  (client.middlewareStack as { add(m: unknown, o: { step: 'build'; name: string }): void }).add(middleware, { step: 'build', name: 'deployportGuard' });
}

/**
 * Validates a serialized request with the server's decoder, so a bad name fails here, with the
 * server's message, before any network traffic. Operations the model lacks go through unchecked:
 * the server answers them.
 */
function check(service: Service, params: ReadonlyMap<string, string>): void {
  try {
    decodeRequest(serviceModel(service), params);
  } catch (error) {
    if (error instanceof ValidationError || error instanceof InvalidParameterValue) throw new UsageError(error.message);
  }
}

/** Sends one operation by name with a plain input object and answers the plain output. */
export async function call(session: Session, service: Service, operation: string, input: Record<string, unknown>): Promise<Record<string, unknown>> {
  const sdk: Record<string, unknown> = service === 'iam' ? iamSdk : stsSdk;
  const Command = sdk[`${operation}Command`];
  if (typeof Command !== 'function') throw new Error(`the SDK has no ${service} operation ${operation}`);
  const command = new (Command as new (input: Record<string, unknown>) => object)(input);
  // One generic path for every operation: the SDK's per-command typing is not needed here.
  const output = service === 'iam' ? await session.iam.send(command as never) : await session.sts.send(command as never);
  return output as unknown as Record<string, unknown>;
}
