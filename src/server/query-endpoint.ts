/**
 * The Query endpoint's requests as Node's HTTP server hands them over. Every IAM and STS call is a
 * GET or POST of `/`, and it is the service's hot path: it is served straight from Node's server,
 * ahead of Fastify's router and body parsers (a quarter of a bare endpoint's cost), while Fastify
 * keeps every other route. The rules Fastify would have applied are applied here: the body limit,
 * and 503 once the server is closing.
 */
import type { IncomingMessage } from 'node:http';
import { RequestEntityTooLarge } from '../protocol/index.js';
import { ServiceError } from '../shared/service-error.js';

/** What the protocol layer reads of a request. */
export interface QueryRequest {
  readonly method: string;
  /** The raw URL: path and query as received. */
  readonly url: string;
  readonly raw: IncomingMessage;
  /** The body exactly as its bytes arrived: the signature covers them. */
  readonly body: Buffer;
  readonly ip: string;
  readonly protocol: 'http' | 'https';
  readonly host: string;
}

/** Whether a request is for the Query endpoint: GET or POST of `/`, with or without a query. */
export function isQueryEndpoint(request: IncomingMessage): boolean {
  const { method, url = '' } = request;
  return (method === 'POST' || method === 'GET') && (url === '/' || url.startsWith('/?'));
}

/**
 * Reads the whole body of a Query request, refusing one over `limit` bytes — by its declared length
 * before reading anything, else as soon as the bytes received pass it.
 */
export function readQueryRequest(request: IncomingMessage, limit: number): Promise<QueryRequest> {
  return new Promise((resolve, reject) => {
    const tooLarge = () => new RequestEntityTooLarge('Request body is too large.');
    if (Number(request.headers['content-length']) > limit) return reject(tooLarge());
    const chunks: Buffer[] = [];
    let received = 0;
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      if (received > limit) {
        request.off('data', onData);
        reject(tooLarge());
      } else chunks.push(chunk);
    };
    request.on('data', onData);
    request.once('error', () => reject(new ServiceError('InvalidRequest', 'The request body could not be read.', 400)));
    request.once('end', () => {
      const socket = request.socket as IncomingMessage['socket'] & { encrypted?: boolean };
      resolve({
        method: request.method ?? 'GET',
        url: request.url ?? '/',
        raw: request,
        body: chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, received),
        ip: socket.remoteAddress ?? '',
        protocol: socket.encrypted === true ? 'https' : 'http',
        host: request.headers.host ?? '',
      });
    });
  });
}
