/**
 * Requests signed by the real AWS SDK clients, captured by a loopback server exactly as they arrive,
 * verify with ours: the body is checked byte for byte as received.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CreateUserCommand, IAMClient } from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/shared/clock.js';
import { verifyRequest, type SignedRequest } from '../../src/sigv4/index.js';

const credentials = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const lookup = async (id: string) => (id === credentials.accessKeyId ? { secretAccessKey: credentials.secretAccessKey, key: 'alice' } : undefined);

const CALLER_IDENTITY = `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/alice</Arn><UserId>AIDAEXAMPLEUSERID0001</UserId><Account>123456789012</Account></GetCallerIdentityResult>
  <ResponseMetadata><RequestId>01234567-89ab-cdef-0123-456789abcdef</RequestId></ResponseMetadata>
</GetCallerIdentityResponse>`;
const ERROR = `<ErrorResponse><Error><Type>Sender</Type><Code>Captured</Code><Message>captured</Message></Error><RequestId>1</RequestId></ErrorResponse>`;

let server: Server;
let endpoint = '';
const captured: SignedRequest[] = [];

// What the server author does with Node's request: split the raw URL, keep repeated header lines
// (headersDistinct), and hand over the body bytes before any form parsing.
async function toSignedRequest(req: IncomingMessage): Promise<SignedRequest> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  return {
    method: req.method ?? 'GET',
    path: q === -1 ? url : url.slice(0, q),
    query: q === -1 ? '' : url.slice(q + 1),
    headers: req.headersDistinct,
    body: Buffer.concat(chunks),
  };
}

beforeAll(async () => {
  server = createServer((req, res) => {
    void toSignedRequest(req).then((request) => {
      captured.push(request);
      const sts = String(request.body).includes('GetCallerIdentity');
      res.writeHead(sts ? 200 : 400, { 'content-type': 'text/xml' }).end(sts ? CALLER_IDENTITY : ERROR);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('requests signed by the AWS SDK', () => {
  it('sts GetCallerIdentity verifies as received', async () => {
    captured.length = 0;
    const sts = new STSClient({ endpoint, region: 'us-east-1', credentials, maxAttempts: 1 });
    const identity = await sts.send(new GetCallerIdentityCommand({}));
    expect(identity.Account).toBe('123456789012');
    const [request] = captured;
    if (request === undefined) throw new Error('nothing captured');
    const verified = await verifyRequest(request, lookup, { clock: new ManualClock(Date.now()), services: ['iam', 'sts'] });
    expect(verified).toMatchObject({ key: 'alice', service: 'sts', region: 'us-east-1', presigned: false, securityToken: undefined });
    expect(Buffer.from(request.body).toString()).toContain('Action=GetCallerIdentity');

    // The SDK sends x-amz-content-sha256, so a changed body is caught by its hash; with the hash
    // header changed to match, by the signature.
    const body = Buffer.from(Buffer.from(request.body).toString().replace('GetCallerIdentity', 'GetSessionToken'));
    const clock = new ManualClock(Date.now());
    await expect(verifyRequest({ ...request, body }, lookup, { clock })).rejects.toMatchObject({
      code: request.headers['x-amz-content-sha256'] === undefined ? 'SignatureDoesNotMatch' : 'XAmzContentSHA256Mismatch',
    });
    const headers = { ...request.headers, 'x-amz-content-sha256': createHash('sha256').update(body).digest('hex') };
    await expect(verifyRequest({ ...request, body, headers }, lookup, { clock })).rejects.toMatchObject({ code: 'SignatureDoesNotMatch' });
  });

  it('iam CreateUser with a session token and reserved characters verifies as received', async () => {
    captured.length = 0;
    const iam = new IAMClient({ endpoint, region: 'us-nyc', credentials: { ...credentials, sessionToken: 'FwoGZXIvYXdzE+/token==' }, maxAttempts: 1 });
    await expect(iam.send(new CreateUserCommand({ UserName: 'john+dev=x,y.z@example-1', Path: '/division_abc/subdivision_xyz/' }))).rejects.toThrow();
    const [request] = captured;
    if (request === undefined) throw new Error('nothing captured');
    const verified = await verifyRequest(request, lookup, { clock: new ManualClock(Date.now()), services: ['iam', 'sts'] });
    expect(verified).toMatchObject({ service: 'iam', region: 'us-nyc', securityToken: 'FwoGZXIvYXdzE+/token==' });
  });
});
