/**
 * AWS's published Signature Version 4 test suite (aws-sig-v4-test-suite, 2015-08-30 vectors):
 * known requests with their canonical request, string to sign and signature.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/shared/clock.js';
import { canonicalRequest, credentialScope, parseQuery, stringToSign } from '../../src/sigv4/canonical.js';
import { signingKey } from '../../src/sigv4/signing-key.js';
import { verifyRequest, type SignedRequest } from '../../src/sigv4/index.js';

const SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
const AMZ_DATE = '20150830T123600Z';
const clock = new ManualClock(Date.UTC(2015, 7, 30, 12, 36, 0));
const lookup = async (id: string) => (id === 'AKIDEXAMPLE' ? { secretAccessKey: SECRET, key: 'example' } : undefined);

function authorization(signedHeaders: string, signature: string): string {
  return `AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=${signedHeaders}, Signature=${signature}`;
}

describe('the get-vanilla vector', () => {
  const canonical = canonicalRequest({
    method: 'GET',
    path: '/',
    query: [],
    headers: { host: 'example.amazonaws.com', 'x-amz-date': AMZ_DATE },
    signedHeaders: ['host', 'x-amz-date'],
    payloadHash: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  });
  const toSign = stringToSign(AMZ_DATE, credentialScope('20150830', 'us-east-1', 'service'), canonical);

  it('has the canonical request AWS publishes', () => {
    expect(canonical).toBe(
      'GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
  });

  it('has the string to sign AWS publishes', () => {
    expect(toSign).toBe(
      'AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\nbb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63',
    );
  });

  it('has the signing key and signature AWS publishes', async () => {
    const { createHmac } = await import('node:crypto');
    const key = signingKey(SECRET, '20150830', 'us-east-1', 'service');
    expect(createHmac('sha256', key.key).update(toSign).digest('hex')).toBe('5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31');
    // The padded-block HMAC agrees with node:crypto's on AWS's published signature.
    expect(key.sign(toSign).toString('hex')).toBe('5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31');
  });
});

// Each vector as it arrives on the wire: raw path and query, lower-case header names (an array for
// repeated header lines, as Node's headersDistinct gives them), and the signature AWS publishes.
const vectors: { name: string; request: Omit<SignedRequest, 'headers'> & { headers: Record<string, string | string[]> }; signedHeaders: string; signature: string }[] = [
  { name: 'get-vanilla', request: { method: 'GET', path: '/', query: '', headers: {}, body: '' }, signedHeaders: 'host;x-amz-date', signature: '5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31' },
  { name: 'post-vanilla', request: { method: 'POST', path: '/', query: '', headers: {}, body: '' }, signedHeaders: 'host;x-amz-date', signature: '5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b' },
  { name: 'get-vanilla-query-order-key-case', request: { method: 'GET', path: '/', query: 'Param2=value2&Param1=value1', headers: {}, body: '' }, signedHeaders: 'host;x-amz-date', signature: 'b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500' },
  {
    name: 'get-vanilla-query-unreserved',
    request: {
      method: 'GET',
      path: '/',
      query: '-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz=-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz',
      headers: {},
      body: '',
    },
    signedHeaders: 'host;x-amz-date',
    signature: '9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197',
  },
  { name: 'get-vanilla-utf8-query', request: { method: 'GET', path: '/', query: '%E1%88%B4=bar', headers: {}, body: '' }, signedHeaders: 'host;x-amz-date', signature: '2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04' },
  // The suite sends this path unencoded (`GET /ሴ`), so it is encoded once: `/%E1%88%B4`.
  { name: 'get-utf8', request: { method: 'GET', path: '/ሴ', query: '', headers: {}, body: '' }, signedHeaders: 'host;x-amz-date', signature: '8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85' },
  { name: 'get-unreserved', request: { method: 'GET', path: '/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz', query: '', headers: {}, body: '' }, signedHeaders: 'host;x-amz-date', signature: '07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f' },
  { name: 'post-vanilla-query', request: { method: 'POST', path: '/', query: 'Param1=value1', headers: {}, body: '' }, signedHeaders: 'host;x-amz-date', signature: '28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11' },
  { name: 'post-header-key-sort', request: { method: 'POST', path: '/', query: '', headers: { 'my-header1': 'value1' }, body: '' }, signedHeaders: 'host;my-header1;x-amz-date', signature: 'c5410059b04c1ee005303aed430f6e6645f61f4dc9e1461ec8f8916fdf18852c' },
  { name: 'post-header-value-case', request: { method: 'POST', path: '/', query: '', headers: { 'my-header1': 'VALUE1' }, body: '' }, signedHeaders: 'host;my-header1;x-amz-date', signature: 'cdbc9802e29d2942e5e10b5bccfdd67c5f22c7c4e8ae67b53629efa58b974b7d' },
  {
    name: 'get-header-value-trim',
    request: { method: 'GET', path: '/', query: '', headers: { 'my-header1': ' value1', 'my-header2': ' "a   b   c"' }, body: '' },
    signedHeaders: 'host;my-header1;my-header2;x-amz-date',
    signature: 'acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736',
  },
  {
    name: 'get-header-key-duplicate',
    request: { method: 'GET', path: '/', query: '', headers: { 'my-header1': ['value2', 'value2', 'value1'] }, body: '' },
    signedHeaders: 'host;my-header1;x-amz-date',
    signature: 'c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea',
  },
  {
    name: 'get-header-value-order',
    request: { method: 'GET', path: '/', query: '', headers: { 'my-header1': ['value4', 'value1', 'value3', 'value2'] }, body: '' },
    signedHeaders: 'host;my-header1;x-amz-date',
    signature: '08c7e5a9acfcfeb3ab6b2185e75ce8b1deb5e634ec47601a50643f830c755c01',
  },
  {
    name: 'post-x-www-form-urlencoded',
    request: { method: 'POST', path: '/', query: '', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'Param1=value1' },
    signedHeaders: 'content-type;host;x-amz-date',
    signature: 'ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a',
  },
  {
    name: 'post-x-www-form-urlencoded-parameters',
    request: { method: 'POST', path: '/', query: '', headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf8' }, body: 'Param1=value1' },
    signedHeaders: 'content-type;host;x-amz-date',
    signature: '1a72ec8f64bd914b0e42e42607c7fbce7fb2c7465f63e3092b3b0d39fa77a6fe',
  },
];

describe('the aws-sig-v4-test-suite vectors', () => {
  for (const vector of vectors) {
    it(`${vector.name} verifies with the published signature`, async () => {
      const headers = {
        ...vector.request.headers,
        host: 'example.amazonaws.com',
        'x-amz-date': AMZ_DATE,
        authorization: authorization(vector.signedHeaders, vector.signature),
      };
      const verified = await verifyRequest({ ...vector.request, headers }, lookup, { clock });
      expect(verified).toMatchObject({ key: 'example', accessKeyId: 'AKIDEXAMPLE', region: 'us-east-1', service: 'service', presigned: false });
    });
  }

  it('canonicalizes the get-vanilla-query-order-key-case query by key', () => {
    expect(canonicalRequest({ method: 'GET', path: '/', query: parseQuery('Param2=value2&Param1=value1'), headers: {}, signedHeaders: [], payloadHash: '' })).toContain(
      '\nParam1=value1&Param2=value2\n',
    );
  });
});
