/**
 * The credentials endpoint for workloads, in the shape the AWS SDKs already read: a workload run
 * with AWS_CONTAINER_CREDENTIALS_FULL_URI=<server>/v1/workload-credentials and
 * AWS_CONTAINER_AUTHORIZATION_TOKEN=<workload token> gets role credentials with no code of ours
 * (AWS SDK for JavaScript, @aws-sdk/credential-provider-http: `GET`, the token as the
 * Authorization header, JSON `{ AccessKeyId, SecretAccessKey, Token, Expiration }` back, and
 * `{ Code, Message }` with a 4xx status on refusal).
 */
import type { FastifyInstance } from 'fastify';
import type { OperationContext } from '../iam/context.js';
import { isoTime } from '../shared/clock.js';
import { ServiceError } from '../shared/service-error.js';
import { MissingAuthenticationToken } from '../sigv4/index.js';
import { exchangeWorkloadToken } from '../sts/workload-tokens.js';

/** Where workloads fetch their credentials. */
export const WORKLOAD_CREDENTIALS_PATH = '/v1/workload-credentials';

/** What the endpoint needs from the app: its parts, and how it turns an unexpected failure into an answer. */
export interface WorkloadCredentialsOptions extends Pick<OperationContext, 'store' | 'clock' | 'sealer' | 'config'> {
  readonly internalFailure: (error: unknown) => ServiceError;
}

/** Mounts the credentials endpoint on the app. */
export function registerWorkloadCredentials(app: FastifyInstance, options: WorkloadCredentialsOptions): void {
  app.get(WORKLOAD_CREDENTIALS_PATH, async (request, reply) => {
    let status = 200;
    let body: object;
    try {
      const token = request.headers.authorization;
      if (token === undefined || token === '') throw new MissingAuthenticationToken('The request is missing the workload token in its Authorization header.');
      const now = options.clock.now();
      const requestContext = {
        'aws:SourceIp': request.ip,
        'aws:CurrentTime': isoTime(now),
        'aws:EpochTime': String(Math.floor(now / 1000)),
        'aws:SecureTransport': request.protocol === 'https' ? 'true' : 'false',
        'aws:RequestedRegion': options.config.region,
      };
      body = await exchangeWorkloadToken({ ...options, requestContext }, token);
    } catch (error) {
      const failure = error instanceof ServiceError ? error : options.internalFailure(error);
      status = failure.status;
      body = { Code: failure.code, Message: failure.message };
    }
    // Credentials must never sit in a cache between the workload and the server.
    return reply.code(status).header('content-type', 'application/json').header('cache-control', 'no-store').send(JSON.stringify(body));
  });
}
