/** Who may call at all: SigV4 as the SDKs sign it, and the AWS errors for everything else. */
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { Sha256 } from '@aws-crypto/sha256-js';
import { ListUsersCommand } from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/shared/clock.js';
import { BACKENDS, failure, startTestServer, type TestServer } from '../helpers/server.js';

describe.each(BACKENDS)('authentication on %s', (backend) => {
  let t: TestServer;
  const clock = new ManualClock(Date.now());
  beforeAll(async () => {
    t = await startTestServer(backend, { clock });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('accepts the root credentials', async () => {
    const identity = await t.stsAs(t.root).send(new GetCallerIdentityCommand({}));
    expect(identity.Arn).toBe(`arn:aws:iam::${t.accountId}:root`);
    expect(identity.UserId).toBe(t.accountId);
  });

  it('refuses a wrong secret with SignatureDoesNotMatch 403', async () => {
    const error = await failure(t.iamAs({ accessKeyId: t.admin.accessKeyId, secretAccessKey: 'x'.repeat(40) }).send(new ListUsersCommand({})));
    expect(error).toMatchObject({ name: 'SignatureDoesNotMatch', status: 403 });
  });

  it('refuses an unknown key with InvalidClientTokenId 403', async () => {
    const error = await failure(t.iamAs({ accessKeyId: 'AKIAUNKNOWNUNKNOWN12', secretAccessKey: t.admin.secretAccessKey }).send(new ListUsersCommand({})));
    expect(error).toMatchObject({ name: 'InvalidClientTokenId', status: 403 });
  });

  it('refuses a signature made 20 minutes ago with RequestExpired 400', async () => {
    clock.advance(20 * 60_000);
    try {
      const error = await failure(t.iam.send(new ListUsersCommand({})));
      expect(error).toMatchObject({ name: 'RequestExpired', status: 400 });
    } finally {
      clock.advance(-20 * 60_000);
    }
  });

  it('accepts a signature made 10 minutes ago', async () => {
    clock.advance(10 * 60_000);
    try {
      const listed = await t.iam.send(new ListUsersCommand({}));
      expect(listed.Users?.some((u) => u.UserName === 'admin')).toBe(true);
    } finally {
      clock.advance(-10 * 60_000);
    }
  });

  it('answers an unsigned request with MissingAuthenticationToken 403', async () => {
    const response = await fetch(t.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'Action=ListUsers&Version=2010-05-08',
    });
    expect(response.status).toBe(403);
    const text = await response.text();
    expect(text).toContain('<Code>MissingAuthenticationToken</Code>');
    expect(text).toMatch(/<RequestId>[0-9a-f-]{36}<\/RequestId>/);
  });

  it('answers a body over the limit with 413 in the AWS shape, not a 500', async () => {
    const response = await fetch(t.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'Action=ListUsers&Version=2010-05-08&X=' + 'a'.repeat(2 * 1024 * 1024),
    });
    expect(response.status).toBe(413);
    expect(await response.text()).toContain('<Code>RequestEntityTooLarge</Code>');
  });

  it('stops reading a body sent without a length once it passes the limit: 413, and the connection ends', async () => {
    const url = new URL(t.url);
    const answer = await new Promise<{ status: number; text: string; connection: string | undefined }>((resolve, reject) => {
      const request = httpRequest({ host: url.hostname, port: url.port, method: 'POST', path: '/', headers: { 'content-type': 'application/x-www-form-urlencoded', 'transfer-encoding': 'chunked' } }, (response) => {
        let text = '';
        response.setEncoding('utf8').on('data', (chunk: string) => (text += chunk)).on('end', () => resolve({ status: response.statusCode ?? 0, text, connection: response.headers.connection }));
      });
      request.on('error', reject);
      request.write('Action=ListUsers&Version=2010-05-08&X=');
      // Chunks keep coming, more than the limit in all, until the answer arrives.
      const chunk = 'a'.repeat(64 * 1024);
      let sent = 0;
      const more = () => {
        if (request.destroyed || sent > 4 * 1024 * 1024) return;
        sent += chunk.length;
        if (request.write(chunk)) setImmediate(more);
        else request.once('drain', more);
      };
      more();
    });
    expect(answer.status).toBe(413);
    expect(answer.text).toContain('<Code>RequestEntityTooLarge</Code>');
    expect(answer.connection).toBe('close');
  });

  it('answers pipelined requests on one connection each in its turn, in the order they came', async () => {
    const url = new URL(t.url);
    const signedRaw = async (service: string, body: string) => {
      const signer = new SignatureV4({ credentials: t.admin, region: 'us-east-1', service, sha256: Sha256 });
      const signed = await signer.sign(new HttpRequest({ method: 'POST', protocol: 'http:', hostname: url.hostname, port: Number(url.port), path: '/', headers: { host: url.host, 'content-type': 'application/x-www-form-urlencoded' }, body }), { signingDate: new Date(clock.now()) });
      const lines = Object.entries(signed.headers).map(([name, value]) => `${name}: ${value}`);
      return `POST / HTTP/1.1\r\n${lines.join('\r\n')}\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
    };
    const unsigned = 'POST / HTTP/1.1\r\nhost: x\r\ncontent-type: application/x-www-form-urlencoded\r\ncontent-length: 35\r\n\r\nAction=ListUsers&Version=2010-05-08';
    const requests = [await signedRaw('sts', 'Action=GetCallerIdentity&Version=2011-06-15'), unsigned, await signedRaw('iam', 'Action=ListUsers&Version=2010-05-08')];
    const socket = connect(Number(url.port), url.hostname);
    let received = '';
    socket.setEncoding('utf8').on('data', (chunk: string) => (received += chunk));
    // All three in one write: the server reads them from one packet.
    socket.write(requests.join(''));
    const deadline = Date.now() + 10_000;
    while ((received.match(/HTTP\/1\.1 /g) ?? []).length < 3 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    socket.destroy();
    const answers = received.split(/(?=HTTP\/1\.1 )/);
    expect(answers.map((a) => a.slice(9, 12))).toEqual(['200', '403', '200']);
    expect(answers[0]).toContain('<GetCallerIdentityResponse');
    expect(answers[1]).toContain('<Code>MissingAuthenticationToken</Code>');
    expect(answers[2]).toContain('<ListUsersResponse');
  });

  it('reads repeated header lines: an unsigned one is harmless, a second Authorization or date is refused', async () => {
    const body = 'Action=GetCallerIdentity&Version=2011-06-15';
    const url = new URL(t.url);
    const signer = new SignatureV4({ credentials: t.admin, region: 'us-east-1', service: 'sts', sha256: Sha256 });
    // The server's clock is the test's: sign at its time.
    const signed = await signer.sign(new HttpRequest({ method: 'POST', protocol: 'http:', hostname: url.hostname, port: Number(url.port), path: '/', headers: { host: url.host, 'content-type': 'application/x-www-form-urlencoded' }, body }), { signingDate: new Date(clock.now()) });
    const lines = Object.entries(signed.headers).flat();
    const send = (extra: string[]) =>
      new Promise<{ status: number; text: string }>((resolve, reject) => {
        const request = httpRequest({ host: url.hostname, port: url.port, method: 'POST', path: '/', headers: [...lines, ...extra] }, (response) => {
          let text = '';
          response.setEncoding('utf8').on('data', (chunk: string) => (text += chunk)).on('end', () => resolve({ status: response.statusCode ?? 0, text }));
        });
        request.on('error', reject);
        request.end(body);
      });
    expect((await send([])).status).toBe(200);
    expect((await send(['x-note', 'a', 'x-note', 'b'])).status).toBe(200);
    const twoAuthorizations = await send(['authorization', signed.headers['authorization']!]);
    expect(twoAuthorizations.status).toBe(400);
    expect(twoAuthorizations.text).toContain('<Code>IncompleteSignature</Code>');
    const twoDates = await send(['x-amz-date', signed.headers['x-amz-date']!]);
    expect(twoDates.status).toBe(400);
    expect(twoDates.text).toContain('<Code>IncompleteSignature</Code>');
  });

  it('answers garbage with a 4xx in the AWS shape', async () => {
    for (const body of ['%%%', 'Action=ListUsers&Action=CreateUser', '\u0000\u0001', 'a=' + '&b'.repeat(5000)]) {
      const response = await fetch(t.url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(response.status).toBeLessThan(500);
      expect(await response.text()).toMatch(/<ErrorResponse[^>]*><Error><Type>Sender<\/Type><Code>\w+<\/Code>/);
    }
  });
});
