/** Each way a request fails verification answers with the AWS code, status and message a client expects. */
import { describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../../src/shared/clock.js';
import type { ServiceError } from '../../src/shared/service-error.js';
import { canonicalRequest, credentialScope, parseQuery, sha256Hex, stringToSign } from '../../src/sigv4/canonical.js';
import { verifyRequest, type KeyLookup, type SignedRequest } from '../../src/sigv4/index.js';
import { signingKey } from '../../src/sigv4/signing-key.js';
import { ACCESS_KEY_ID, SECRET, sign } from './sign.js';

const T0 = Date.UTC(2012, 2, 25, 12, 0, 0); // 20120325T120000Z
const MIN = 60_000;
const lookup: KeyLookup<string> = async (id) => (id === ACCESS_KEY_ID ? { secretAccessKey: SECRET, key: 'alice' } : undefined);
const SIGNATURE_MISMATCH =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';

async function failure(request: SignedRequest, now = T0, options: { services?: string[]; maxSkewMs?: number; lookup?: KeyLookup<string> } = {}): Promise<ServiceError> {
  try {
    await verifyRequest(request, options.lookup ?? lookup, { clock: new ManualClock(now), ...options });
  } catch (error) {
    return error as ServiceError;
  }
  throw new Error('the request verified');
}

function withAuthorization(request: SignedRequest, edit: (header: string) => string): SignedRequest {
  return { ...request, headers: { ...request.headers, authorization: edit(String(request.headers['authorization'])) } };
}

function withQuery(request: SignedRequest, edit: (query: string) => string): SignedRequest {
  return { ...request, query: edit(request.query) };
}

describe('a request without credentials', () => {
  it('is MissingAuthenticationToken 403', async () => {
    const error = await failure({ method: 'POST', path: '/', query: '', headers: { host: 'localhost' }, body: 'Action=ListUsers' });
    expect(error).toMatchObject({ code: 'MissingAuthenticationToken', status: 403, message: 'Request is missing Authentication Token' });
  });
});

describe('a malformed Authorization header', () => {
  it.each(['Credential', 'SignedHeaders', 'Signature'])('without %s is IncompleteSignature 400 naming it', async (part) => {
    const request = withAuthorization(await sign({ date: T0 }), (h) => h.replace(new RegExp(`${part}=[^,]*,? ?`), ''));
    const error = await failure(request);
    expect(error).toMatchObject({ code: 'IncompleteSignature', status: 400, message: `Authorization header requires '${part}' parameter.` });
  });

  it('without X-Amz-Date or Date is IncompleteSignature', async () => {
    const request = await sign({ date: T0 });
    const { 'x-amz-date': _, ...headers } = request.headers;
    expect(await failure({ ...request, headers })).toMatchObject({
      code: 'IncompleteSignature',
      message: "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
    });
  });

  it('with a part missing its equal sign is IncompleteSignature', async () => {
    const request = withAuthorization(await sign({ date: T0 }), (h) => h.replace('Signature=', 'Signature '));
    expect(await failure(request)).toMatchObject({ code: 'IncompleteSignature', message: 'Invalid key=value pair (missing equal-sign) in Authorization header.' });
  });

  it('with another algorithm is IncompleteSignature, echoing only a plain algorithm name', async () => {
    const v4a = withAuthorization(await sign({ date: T0 }), (h) => h.replace('AWS4-HMAC-SHA256', 'AWS4-ECDSA-P256-SHA256'));
    expect(await failure(v4a)).toMatchObject({ code: 'IncompleteSignature', message: "Unsupported AWS 'algorithm': 'AWS4-ECDSA-P256-SHA256'." });
    const odd = withAuthorization(await sign({ date: T0 }), (h) => h.replace('AWS4-HMAC-SHA256', '<script>'));
    expect((await failure(odd)).message).not.toContain('<script>');
  });

  it('with a Credential of four parts is IncompleteSignature', async () => {
    const request = withAuthorization(await sign({ date: T0 }), (h) => h.replace('/aws4_request', ''));
    expect(await failure(request)).toMatchObject({
      code: 'IncompleteSignature',
      message: 'Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term.',
    });
  });

  it('with another terminator is SignatureDoesNotMatch', async () => {
    const request = withAuthorization(await sign({ date: T0 }), (h) => h.replace('/aws4_request', '/aws5_request'));
    expect(await failure(request)).toMatchObject({
      code: 'SignatureDoesNotMatch',
      message: "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws5_request'.",
    });
  });

  it('sent twice is IncompleteSignature', async () => {
    const request = await sign({ date: T0 });
    const twice = { ...request, headers: { ...request.headers, authorization: [String(request.headers['authorization']), String(request.headers['authorization'])] } };
    expect(await failure(twice)).toMatchObject({ code: 'IncompleteSignature', status: 400 });
  });

  it('together with query-string authentication is IncompleteSignature', async () => {
    const presigned = await sign({ date: T0, expiresIn: 60 });
    const both = { ...presigned, headers: { ...presigned.headers, authorization: String((await sign({ date: T0 })).headers['authorization']) } };
    expect(await failure(both)).toMatchObject({ code: 'IncompleteSignature' });
  });

  it('without host among the signed headers is IncompleteSignature', async () => {
    const request = withAuthorization(await sign({ date: T0 }), (h) => h.replace('SignedHeaders=content-type;host;', 'SignedHeaders=content-type;'));
    expect(await failure(request)).toMatchObject({ code: 'IncompleteSignature', message: "'Host' must be a 'SignedHeader' in the AWS Authorization." });
  });

  it('without x-amz-date among the signed headers is IncompleteSignature', async () => {
    const request = withAuthorization(await sign({ date: T0 }), (h) => h.replace(';x-amz-date', ''));
    expect(await failure(request)).toMatchObject({ code: 'IncompleteSignature', message: "'X-Amz-Date' must be a 'SignedHeader' in the AWS Authorization." });
  });

  it('listing a header twice or in upper case is IncompleteSignature', async () => {
    for (const list of ['host;host;x-amz-date', 'Host;x-amz-date', 'host;;x-amz-date']) {
      const request = withAuthorization(await sign({ date: T0 }), (h) => h.replace(/SignedHeaders=[^,]+/, `SignedHeaders=${list}`));
      expect(await failure(request)).toMatchObject({ code: 'IncompleteSignature' });
    }
  });

  it('with an X-Amz-Date not in ISO 8601 basic format is IncompleteSignature', async () => {
    const request = await sign({ date: T0 });
    for (const date of ['2012-03-25T12:00:00Z', '20120231T120000Z', '20120325T120000']) {
      expect(await failure({ ...request, headers: { ...request.headers, 'x-amz-date': date } })).toMatchObject({ code: 'IncompleteSignature' });
    }
  });
});

describe('an Authorization header whose Credential and SignedHeaders were seen before', () => {
  it('is judged as a new one: another signature, none, or its parts in another order', async () => {
    const request = await sign({ date: T0 });
    await expect(verifyRequest(request, lookup, { clock: new ManualClock(T0) })).resolves.toMatchObject({ key: 'alice' });
    const tampered = withAuthorization(request, (h) => h.replace(/Signature=([0-9a-f])/, (_, c: string) => `Signature=${c === '0' ? '1' : '0'}`));
    expect(await failure(tampered)).toMatchObject({ code: 'SignatureDoesNotMatch', message: SIGNATURE_MISMATCH });
    const empty = withAuthorization(request, (h) => h.replace(/Signature=[0-9a-f]+/, 'Signature='));
    expect(await failure(empty)).toMatchObject({ code: 'IncompleteSignature', message: "Authorization header requires 'Signature' parameter." });
    const reordered = withAuthorization(request, (h) => {
      const signature = /Signature=[0-9a-f]+/.exec(h)![0];
      return h.replace(`, ${signature}`, '').replace('Credential=', `${signature}, Credential=`);
    });
    await expect(verifyRequest(reordered, lookup, { clock: new ManualClock(T0) })).resolves.toMatchObject({ key: 'alice' });
    const { 'x-amz-date': _, ...withoutDate } = request.headers;
    expect(await failure({ ...request, headers: withoutDate })).toMatchObject({ code: 'IncompleteSignature', message: "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header." });
  });
});

describe('absurd inputs', () => {
  it('an Authorization header over 8 KB is IncompleteSignature before any key lookup', async () => {
    const spy = vi.fn(lookup);
    const request = withAuthorization(await sign({ date: T0 }), (h) => h + ', Padding=' + 'x'.repeat(8192));
    expect(await failure(request, T0, { lookup: spy })).toMatchObject({ code: 'IncompleteSignature', message: 'Authorization header is too long.' });
    expect(spy).not.toHaveBeenCalled();
  });

  it('more than 64 signed headers is IncompleteSignature before any key lookup', async () => {
    const spy = vi.fn(lookup);
    const names = Array.from({ length: 64 }, (_, i) => `h${String(i).padStart(2, '0')}`).concat(['host', 'x-amz-date']).sort();
    const request = withAuthorization(await sign({ date: T0 }), (h) => h.replace(/SignedHeaders=[^,]+/, `SignedHeaders=${names.join(';')}`));
    expect(await failure(request, T0, { lookup: spy })).toMatchObject({ code: 'IncompleteSignature', message: 'SignedHeaders may list at most 64 headers.' });
    expect(spy).not.toHaveBeenCalled();
  });

  it('a signed header with a non-ASCII or control character is IncompleteSignature', async () => {
    for (const value of ['caf\u00e9', 'a\u0000b', 'a\nb']) {
      const request = await sign({ date: T0 }, { headers: { 'x-custom': 'plain' } });
      const edited = { ...request, headers: { ...request.headers, 'x-custom': value } };
      expect(await failure(edited)).toMatchObject({ code: 'IncompleteSignature', message: 'Signed header values must be printable ASCII.' });
    }
  });
});

describe('keys and secrets', () => {
  it('an unknown access key id is InvalidClientTokenId 403', async () => {
    const request = withAuthorization(await sign({ date: T0 }), (h) => h.replace(ACCESS_KEY_ID, 'AKIAUNKNOWNKEY000000'));
    expect(await failure(request)).toMatchObject({ code: 'InvalidClientTokenId', status: 403, message: 'The security token included in the request is invalid.' });
  });

  it('a wrong secret is SignatureDoesNotMatch 403, and the message holds neither secret nor expected signature', async () => {
    const request = await sign({ date: T0, secret: 'not-the-secret-of-this-key-0123456789abc' });
    const error = await failure(request);
    expect(error).toMatchObject({ code: 'SignatureDoesNotMatch', status: 403, message: SIGNATURE_MISMATCH });
    const expected = signingKey(SECRET, '20120325', 'us-east-1', 'sts').sign(stringToSign('20120325T120000Z', credentialScope('20120325', 'us-east-1', 'sts'), canonicalFor(request)));
    expect(JSON.stringify(error.detail)).not.toContain(expected.toString('hex'));
    expect(JSON.stringify(error.detail)).not.toContain(SECRET);
  });

  it('a signature that is not 64 lower-case hex digits is SignatureDoesNotMatch', async () => {
    const request = await sign({ date: T0 });
    const upper = withAuthorization(request, (h) => h.replace(/Signature=([0-9a-f]+)/, (_, s: string) => `Signature=${s.toUpperCase()}`));
    expect(await failure(upper)).toMatchObject({ code: 'SignatureDoesNotMatch' });
    // Each wrong length, and a wrong last digit.
    for (const edit of [(s: string) => s.slice(0, -1), (s: string) => s + '0', (s: string) => s.slice(0, -1) + (s.endsWith('0') ? '1' : '0')]) {
      const request2 = withAuthorization(request, (h) => h.replace(/Signature=([0-9a-f]+)/, (_, s: string) => `Signature=${edit(s)}`));
      expect(await failure(request2)).toMatchObject({ code: 'SignatureDoesNotMatch' });
    }
  });

  it('a presigned signature with a character past ASCII whose low bits name a right digit is SignatureDoesNotMatch', async () => {
    const request = await sign({ date: T0, expiresIn: 60 });
    // '°' is U+00B0: its low seven bits are those of '0'; 'ı' is U+0131, whose low seven bits are '1'.
    const swapped = withQuery(request, (q) =>
      q.replace(/X-Amz-Signature=([0-9a-f]+)/, (_, s: string) => `X-Amz-Signature=${s.replace(/[01]/, (d) => (d === '0' ? '%C2%B0' : '%C4%B1'))}`),
    );
    expect(swapped.query).not.toBe(request.query);
    expect(await failure(swapped)).toMatchObject({ code: 'SignatureDoesNotMatch' });
  });
});

function canonicalFor(request: SignedRequest): string {
  return canonicalRequest({
    method: request.method,
    path: request.path,
    query: parseQuery(request.query),
    headers: request.headers,
    signedHeaders: ['content-type', 'host', 'x-amz-date'],
    payloadHash: sha256Hex(request.body),
  });
}

describe('the credential scope', () => {
  it('with a day other than the X-Amz-Date day is SignatureDoesNotMatch', async () => {
    const request = withAuthorization(await sign({ date: T0 }), (h) => h.replace('/20120325/', '/20120324/'));
    expect(await failure(request)).toMatchObject({
      code: 'SignatureDoesNotMatch',
      status: 403,
      message: "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20120324' != '20120325', from '20120325T120000Z'.",
    });
  });

  it('for a service not accepted is SignatureDoesNotMatch', async () => {
    const request = await sign({ date: T0, service: 's3' });
    expect(await failure(request, T0, { services: ['iam', 'sts'] })).toMatchObject({
      code: 'SignatureDoesNotMatch',
      message: "Credential should be scoped to correct service: 'iam' or 'sts'.",
    });
  });

  it('for another region than the one signed is SignatureDoesNotMatch', async () => {
    const request = withAuthorization(await sign({ date: T0 }), (h) => h.replace('/us-east-1/', '/us-nyc/'));
    expect(await failure(request)).toMatchObject({ code: 'SignatureDoesNotMatch', message: SIGNATURE_MISMATCH });
  });
});

describe('the signing time', () => {
  it('15 minutes and 1 second old is RequestExpired, in the words of AWS', async () => {
    const request = await sign({ date: T0 });
    expect(await failure(request, T0 + 15 * MIN + 1000)).toMatchObject({
      code: 'RequestExpired',
      status: 400,
      message: 'Signature expired: 20120325T120000Z is now earlier than 20120325T120001Z (20120325T121501Z - 15 min.)',
    });
  });

  it('15 minutes old, or 1 second less, still verifies', async () => {
    const request = await sign({ date: T0 });
    for (const age of [15 * MIN - 1000, 15 * MIN]) {
      await expect(verifyRequest(request, lookup, { clock: new ManualClock(T0 + age) })).resolves.toMatchObject({ key: 'alice', signedAt: T0 });
    }
  });

  it('15 minutes ahead verifies, 15 minutes and 1 second ahead is RequestExpired', async () => {
    const request = await sign({ date: T0 });
    await expect(verifyRequest(request, lookup, { clock: new ManualClock(T0 - 15 * MIN) })).resolves.toMatchObject({ key: 'alice' });
    expect(await failure(request, T0 - 15 * MIN - 1000)).toMatchObject({
      code: 'RequestExpired',
      message: 'Signature not yet current: 20120325T120000Z is still later than 20120325T115959Z (20120325T114459Z + 15 min.)',
    });
  });

  it('follows a configured skew', async () => {
    const request = await sign({ date: T0 });
    expect(await failure(request, T0 + 5 * MIN + 1000, { maxSkewMs: 5 * MIN })).toMatchObject({ code: 'RequestExpired' });
  });

  it('may come from a signed Date header in ISO 8601 basic format', async () => {
    const headers = { host: 'localhost:8080', date: '20120325T120000Z' };
    const canonical = canonicalRequest({ method: 'GET', path: '/', query: [], headers, signedHeaders: ['date', 'host'], payloadHash: sha256Hex('') });
    const signature = signingKey(SECRET, '20120325', 'us-east-1', 'iam').sign(stringToSign('20120325T120000Z', credentialScope('20120325', 'us-east-1', 'iam'), canonical)).toString('hex');
    const authorization = `AWS4-HMAC-SHA256 Credential=${ACCESS_KEY_ID}/20120325/us-east-1/iam/aws4_request,SignedHeaders=date;host,Signature=${signature}`;
    const request: SignedRequest = { method: 'GET', path: '/', query: '', headers: { ...headers, authorization }, body: '' };
    await expect(verifyRequest(request, lookup, { clock: new ManualClock(T0) })).resolves.toMatchObject({ service: 'iam', signedAt: T0 });
  });
});

describe('presigned URLs', () => {
  it('verify until X-Amz-Expires has passed, then are RequestExpired', async () => {
    const request = await sign({ date: T0, expiresIn: 3600 });
    await expect(verifyRequest(request, lookup, { clock: new ManualClock(T0 + 3600_000) })).resolves.toMatchObject({ presigned: true, expiresAt: T0 + 3600_000 });
    expect(await failure(request, T0 + 3601_000)).toMatchObject({ code: 'RequestExpired', status: 400, message: 'Request has expired.' });
  });

  it('signed more than 15 minutes ahead are RequestExpired', async () => {
    const request = await sign({ date: T0, expiresIn: 3600 });
    expect(await failure(request, T0 - 15 * MIN - 1000)).toMatchObject({ code: 'RequestExpired' });
  });

  it('with X-Amz-Expires over 7 days, zero or not a number are IncompleteSignature', async () => {
    const request = await sign({ date: T0, expiresIn: 604_800 });
    await expect(verifyRequest(request, lookup, { clock: new ManualClock(T0) })).resolves.toMatchObject({ presigned: true });
    for (const expires of ['604801', '0', '-1', 'abc', '']) {
      const edited = withQuery(request, (q) => q.replace('X-Amz-Expires=604800', `X-Amz-Expires=${expires}`));
      expect(await failure(edited)).toMatchObject({ code: 'IncompleteSignature', message: 'X-Amz-Expires must be a number of seconds from 1 to 604800 (one week).' });
    }
  });

  it('missing a parameter are IncompleteSignature naming it', async () => {
    const request = await sign({ date: T0, expiresIn: 60 });
    const edited = withQuery(request, (q) => q.replace(/(^|&)X-Amz-Credential=[^&]*/, ''));
    expect(await failure(edited)).toMatchObject({
      code: 'IncompleteSignature',
      message: "AWS query-string parameters must include 'X-Amz-Credential'. Re-examine the query-string parameters.",
    });
  });

  it('with a parameter given twice are IncompleteSignature', async () => {
    const request = await sign({ date: T0, expiresIn: 60 });
    expect(await failure(withQuery(request, (q) => `${q}&X-Amz-Date=20120325T120000Z`))).toMatchObject({ code: 'IncompleteSignature' });
  });

  it('return the session token they carry', async () => {
    const request = await sign({ date: T0, expiresIn: 60, sessionToken: 'FwoGZXIvYXdzEJr//////////wEaDA+token=' });
    await expect(verifyRequest(request, lookup, { clock: new ManualClock(T0) })).resolves.toMatchObject({ securityToken: 'FwoGZXIvYXdzEJr//////////wEaDA+token=' });
  });
});

describe('the payload hash', () => {
  it('an x-amz-content-sha256 that is not the hash of the body is XAmzContentSHA256Mismatch', async () => {
    const request = await sign({ date: T0 }, { headers: { 'x-amz-content-sha256': sha256Hex('Action=GetCallerIdentity&Version=2011-06-15') } });
    await expect(verifyRequest(request, lookup, { clock: new ManualClock(T0) })).resolves.toMatchObject({ key: 'alice' });
    expect(await failure({ ...request, body: 'Action=DeleteUser&UserName=bob&Version=2010-05-08' })).toMatchObject({ code: 'XAmzContentSHA256Mismatch', status: 400 });
  });

  it('UNSIGNED-PAYLOAD is accepted for an empty body only', async () => {
    const empty = await sign({ date: T0 }, { method: 'GET', body: '', headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } });
    await expect(verifyRequest(empty, lookup, { clock: new ManualClock(T0) })).resolves.toMatchObject({ key: 'alice' });
    const withBody = await sign({ date: T0 }, { headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } });
    expect(await failure(withBody)).toMatchObject({ code: 'IncompleteSignature' });
  });
});

describe('the security token', () => {
  it('is returned from the header, and different tokens in header and query are IncompleteSignature', async () => {
    const request = await sign({ date: T0, sessionToken: 'token-a' });
    await expect(verifyRequest(request, lookup, { clock: new ManualClock(T0) })).resolves.toMatchObject({ securityToken: 'token-a' });
    expect(await failure({ ...request, query: 'X-Amz-Security-Token=token-b' })).toMatchObject({ code: 'IncompleteSignature' });
  });
});
