/** The pieces of the canonical request, on the cases where implementations are known to differ. */
import { describe, expect, it } from 'vitest';
import { canonicalHeaderValue, canonicalPath, canonicalQuery, parseQuery } from '../../src/sigv4/canonical.js';
import { cachedSigningKeyCount, deriveSigningKey, signingKey } from '../../src/sigv4/signing-key.js';
import { formatAmzDate, parseAmzDate } from '../../src/sigv4/parse.js';

const canonicalOf = (raw: string): string => canonicalQuery(parseQuery(raw));

describe('the canonical path', () => {
  it.each([
    ['/', '/'],
    ['', '/'],
    ['//', '/'],
    ['/./', '/'],
    ['/example/..', '/'],
    ['/example1/example2/../..', '/'],
    ['/a//b/./c/', '/a/b/c/'],
    ['/..', '/'],
  ])('normalizes %j to %j as botocore and smithy do', (raw, canonical) => {
    expect(canonicalPath(raw)).toBe(canonical);
  });

  it('encodes a path received percent-encoded once more', () => {
    expect(canonicalPath('/%E1%88%B4/a%20b')).toBe('/%25E1%2588%25B4/a%2520b');
  });

  it('encodes everything but unreserved characters and slashes', () => {
    expect(canonicalPath("/a b+c!'()*~")).toBe('/a%20b%2Bc%21%27%28%29%2A~');
  });
});

describe('the canonical query', () => {
  it('sorts by encoded name, then value, keeping repeated names', () => {
    expect(canonicalOf('b=2&a=2&a=1&A=3')).toBe('A=3&a=1&a=2&b=2');
  });

  it('sorts by the encoded name, not by the whole pair', () => {
    // '-' (0x2d) sorts before '=' (0x3d): comparing `a-b=1` with `a=2` as strings would put a-b first.
    expect(canonicalOf('a-b=1&a=2')).toBe('a=2&a-b=1');
  });

  it('treats a name without a value as an empty value, and skips empty pieces', () => {
    expect(canonicalOf('flag&&x=1&=v')).toBe('=v&flag=&x=1');
  });

  it("reads '+' as a space, as form decoding does, and %2B as a plus", () => {
    expect(canonicalOf('a=b+c&d=e%2Bf&g=h%20i')).toBe('a=b%20c&d=e%2Bf&g=h%20i');
  });

  it('normalizes escapes: upper-case hex, unreserved characters decoded, reserved ones encoded', () => {
    expect(canonicalOf('%7e%41=%e1%88%b4&k=!*()')).toBe('k=%21%2A%28%29&~A=%E1%88%B4');
  });

  it('keeps a lone or bad % literal, and invalid UTF-8 as its bytes', () => {
    expect(canonicalOf('a=%zz&b=%&c=%FF')).toBe('a=%25zz&b=%25&c=%FF');
  });
});

describe('canonical header values', () => {
  it('trim the ends and collapse runs of spaces and tabs', () => {
    expect(canonicalHeaderValue(' \t a  \t b   c \t')).toBe('a b c');
  });

  it('join repeated header lines with a comma, in order', () => {
    expect(canonicalHeaderValue(['value2 ', ' value2', 'value1'])).toBe('value2,value2,value1');
  });
});

describe('ISO 8601 basic timestamps', () => {
  it('round-trip, and impossible dates are refused', () => {
    expect(parseAmzDate('20150830T123600Z')).toBe(Date.UTC(2015, 7, 30, 12, 36, 0));
    expect(formatAmzDate(Date.UTC(2015, 7, 30, 12, 36, 0, 999))).toBe('20150830T123600Z');
    expect(parseAmzDate('20150230T123600Z')).toBeUndefined();
    expect(parseAmzDate('20150830T123600')).toBeUndefined();
  });
});

describe('the signing key cache', () => {
  it('returns the derived key, and stays bounded', () => {
    expect(signingKey('secret', '20150830', 'us-east-1', 'iam').key).toEqual(deriveSigningKey('secret', '20150830', 'us-east-1', 'iam'));
    for (let i = 0; i < 2000; i++) signingKey('secret', '20150830', `region-${i}`, 'iam');
    expect(cachedSigningKeyCount()).toBe(1024);
    expect(signingKey('secret', '20150830', 'region-1999', 'iam').key).toEqual(deriveSigningKey('secret', '20150830', 'region-1999', 'iam'));
  });

  it('keeps keys of different secrets apart', () => {
    expect(signingKey('a/b', '20150830', 'r', 's').key).not.toEqual(signingKey('a', '20150830', 'b/r', 's').key);
  });
});
