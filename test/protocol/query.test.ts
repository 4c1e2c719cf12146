import { describe, expect, it } from 'vitest';
import { MAX_QUERY_PARAMETERS, parseQueryParams } from '../../src/protocol/query.js';

describe('parseQueryParams', () => {
  it('decodes form encoding: + is a space, %XX is UTF-8', () => {
    const params = parseQueryParams('Action=CreateUser&UserName=a+b%2Bc&Path=%2F&Tags.member.1.Value=%C3%A9%F0%9F%98%80&Empty=&Bare');
    expect([...params]).toEqual([
      ['Action', 'CreateUser'],
      ['UserName', 'a b+c'],
      ['Path', '/'],
      ['Tags.member.1.Value', 'é😀'],
      ['Empty', ''],
      ['Bare', ''],
    ]);
  });

  it('keeps = inside a value and skips empty pairs and empty names', () => {
    expect([...parseQueryParams('&a=b=c&&=x&d=1&')]).toEqual([
      ['a', 'b=c'],
      ['d', '1'],
    ]);
    expect(parseQueryParams('').size).toBe(0);
  });

  it('rejects a parameter given twice, even when spelled differently on the wire', () => {
    for (const text of ['Action=CreateUser&Action=DeleteUser', 'UserName=a&UserName=a', 'Action=x&%41ction=y', 'A+B=1&A%20B=2']) {
      expect(() => parseQueryParams(text)).toThrowError(expect.objectContaining({ code: 'InvalidQueryParameter', status: 400 }));
    }
    expect(() => parseQueryParams('Action=CreateUser&Action=DeleteUser')).toThrow('The parameter Action appears more than once in the request.');
  });

  it('rejects malformed percent-encoding and invalid UTF-8 with a 400', () => {
    for (const text of ['a=%', 'a=%G1', 'a=%C3', 'a=%C3%28', 'a=%ED%A0%80', '%ZZ=1']) {
      expect(() => parseQueryParams(text), text).toThrowError(expect.objectContaining({ code: 'InvalidQueryParameter', status: 400 }));
    }
  });

  it(`caps the number of parameters at ${MAX_QUERY_PARAMETERS}`, () => {
    const text = (n: number): string => Array.from({ length: n }, (_, i) => `p${i}=1`).join('&');
    expect(parseQueryParams(text(MAX_QUERY_PARAMETERS)).size).toBe(MAX_QUERY_PARAMETERS);
    expect(() => parseQueryParams(text(MAX_QUERY_PARAMETERS + 1))).toThrowError(expect.objectContaining({ code: 'InvalidQueryParameter' }));
  });
});
