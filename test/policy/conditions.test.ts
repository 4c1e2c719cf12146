/**
 * The condition-operator families and their registry, as tables of
 * [operator, policy value, context value, whether the single-valued condition holds].
 */
import { BlockList } from 'node:net';
import { describe, expect, it } from 'vitest';
import { BASE_OPERATORS, OPERATOR_NAMES, parseOperator } from '../../src/policy/conditions/index.js';
import type { BaseOperator } from '../../src/policy/conditions/operator.js';

type Case = readonly [operator: string, policyValue: string, contextValue: string, expected: boolean];

function operator(name: string): BaseOperator {
  const op = BASE_OPERATORS.get(name);
  if (!op) throw new Error(`no operator ${name}`);
  return op;
}

// A small deterministic generator, so that the cross-checks below are the same on every run.
function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state;
  };
}

// One policy value against one context value, negation applied as the compiler applies it to a
// value it can read: an unusable policy value matches nothing, so its Not form holds. (An
// unreadable context value, where test answers undefined, is read as a non-match here; the
// compiler fails closed on it instead, which the evaluator fixtures check.)
function holds(name: string, policyValue: string, contextValue: string): boolean {
  const { family, negated } = operator(name);
  const parsed = family.parse(policyValue);
  const positive = parsed !== undefined && family.test(contextValue, parsed) === true;
  return negated ? !positive : positive;
}

function runTable(cases: readonly Case[]): void {
  it.each(cases)('%s %j with %j is %s', (op, policyValue, contextValue, expected) => {
    expect(holds(op, policyValue, contextValue)).toBe(expected);
  });
}

function unusable(name: string, values: readonly string[]): void {
  it.each(values)(`${name} refuses the policy value %j`, (value) => {
    expect(operator(name).family.parse(value)).toBeUndefined();
  });
}

describe('string operators', () => {
  runTable([
    ['StringEquals', 'abc', 'abc', true],
    ['StringEquals', 'abc', 'ABC', false],
    ['StringEquals', 'abc', 'abcd', false],
    ['StringEquals', 'abc', 'ab', false],
    ['StringEquals', '', '', true],
    ['StringEquals', 'a*', 'abc', false],
    ['StringEquals', 'a*', 'a*', true],
    ['StringEquals', 'a?c', 'abc', false],
    ['StringNotEquals', 'abc', 'abc', false],
    ['StringNotEquals', 'abc', 'ABC', true],
    ['StringEqualsIgnoreCase', 'AbC', 'aBc', true],
    ['StringEqualsIgnoreCase', 'abc', 'ABC', true],
    ['StringEqualsIgnoreCase', 'abc', 'abd', false],
    ['StringEqualsIgnoreCase', 'abc', 'abcd', false],
    ['StringEqualsIgnoreCase', 'a*', 'AB', false],
    ['StringEqualsIgnoreCase', 'ÄÖÜ', 'äöü', true],
    ['StringNotEqualsIgnoreCase', 'abc', 'ABC', false],
    ['StringNotEqualsIgnoreCase', 'abc', 'abd', true],
    ['StringLike', 'home/*', 'home/alice', true],
    ['StringLike', 'home/*', 'home/', true],
    ['StringLike', 'home/*', 'home', false],
    ['StringLike', 'home/*', 'Home/alice', false],
    ['StringLike', 'home/*', 'myhome/alice', false],
    ['StringLike', '*.txt', 'a.txt', true],
    ['StringLike', '*.txt', 'a.txt.bak', false],
    ['StringLike', 'a?c', 'abc', true],
    ['StringLike', 'a?c', 'ac', false],
    ['StringLike', 'a?c', 'abbc', false],
    ['StringLike', '*', '', true],
    ['StringLike', '*', 'anything at all', true],
    ['StringLike', '', '', true],
    ['StringLike', '', 'x', false],
    ['StringLike', 'a*b*c', 'a/x:y/b/z:c', true],
    ['StringLike', 'a*b*c', 'a/x:y/b/z:d', false],
    ['StringLike', 'a*c', 'a\nc', true],
    ['StringLike', 'a.c', 'abc', false],
    ['StringLike', '(a)+[b]$', '(a)+[b]$', true],
    ['StringLike', '(a)+[b]$', 'aab', false],
    ['StringLike', 'ABC*', 'abcd', false],
    ['StringNotLike', 'home/*', 'home/alice', false],
    ['StringNotLike', 'home/*', 'work/alice', true],
  ]);

  it('StringLike compiles its pattern once, at parse', () => {
    expect(typeof operator('StringLike').family.parse('a*')).toBe('function');
  });
});

describe('numeric operators', () => {
  runTable([
    ['NumericEquals', '10', '10', true],
    ['NumericEquals', '10', '10.0', true],
    ['NumericEquals', '10', '11', false],
    ['NumericEquals', '2.5', '2.50', true],
    ['NumericEquals', '2.5', '2.05', false],
    ['NumericEquals', '-3', '-3', true],
    ['NumericEquals', '-3', '3', false],
    ['NumericEquals', '0', '-0', true],
    ['NumericEquals', '.5', '0.5', true],
    ['NumericEquals', '+5', '5', true],
    ['NumericEquals', '1000', '1e3', true],
    ['NumericEquals', '10', 'ten', false],
    ['NumericEquals', '0', '', false],
    ['NumericEquals', '10', ' 10', false],
    ['NumericEquals', '16', '0x10', false],
    ['NumericEquals', '1000', '1,000', false],
    ['NumericNotEquals', '10', '11', true],
    ['NumericNotEquals', '10', '10', false],
    ['NumericLessThan', '10', '9.99', true],
    ['NumericLessThan', '10', '10', false],
    ['NumericLessThan', '10', '11', false],
    ['NumericLessThan', '-1', '-2', true],
    ['NumericLessThan', '-1', '0', false],
    ['NumericLessThan', '10', 'abc', false],
    ['NumericLessThan', '10', '-Infinity', false],
    ['NumericLessThanEquals', '10', '10', true],
    ['NumericLessThanEquals', '10', '9', true],
    ['NumericLessThanEquals', '10', '10.01', false],
    ['NumericGreaterThan', '2.5', '3', true],
    ['NumericGreaterThan', '2.5', '2.5', false],
    ['NumericGreaterThan', '2.5', '2', false],
    ['NumericGreaterThan', '1000', '1e21', true],
    ['NumericGreaterThan', '10', 'Infinity', false],
    ['NumericGreaterThan', '10', 'NaN', false],
    ['NumericGreaterThanEquals', '2.5', '2.5', true],
    ['NumericGreaterThanEquals', '2.5', '2.6', true],
    ['NumericGreaterThanEquals', '2.5', '2.4', false],
  ]);
  unusable('NumericEquals', ['', 'abc', ' 1', '1 ', '0x10', 'Infinity', 'NaN', '1,000', '--1', '1.2.3', '1e']);
  unusable('NumericLessThan', ['ten']);
});

describe('date operators', () => {
  runTable([
    ['DateEquals', '2026-01-01', '2026-01-01T00:00:00Z', true],
    ['DateEquals', '2026-01-01', '2026-01-01T00:00:01Z', false],
    ['DateEquals', '2026-01-01T00:00:00Z', '2026-01-01T01:00:00+01:00', true],
    ['DateEquals', '2026-01-01T00:00:00Z', '2025-12-31T19:00:00-05:00', true],
    ['DateEquals', '2026-01-01T00:00:00Z', '2026-01-01T05:30:00+0530', true],
    ['DateEquals', '2026-01-01T00:00:00Z', '2026-01-01T02:00:00+02', true],
    ['DateEquals', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00+01:00', false],
    ['DateEquals', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00Z', true],
    ['DateEquals', '2026-01-01T00:00:00.5Z', '2026-01-01T00:00:00.500Z', true],
    ['DateEquals', '2026-01-01T00:00:00.5Z', '2026-01-01T00:00:00.501Z', false],
    ['DateEquals', '2026-01-01T00:00:00.123456Z', '2026-01-01T00:00:00.123Z', true],
    ['DateEquals', '2026-01-01T00:00Z', '2026-01-01T00:00:00Z', true],
    ['DateEquals', '2026-01-01T00:00:00', '2026-01-01', true],
    ['DateEquals', '2026-01-01t00:00:00z', '2026-01-01', true],
    ['DateEquals', '2026-06', '2026-06-01T00:00:00Z', true],
    ['DateEquals', '2023-11-14T22:13:20Z', '1700000000', true],
    ['DateEquals', '1700000000', '2023-11-14T22:13:20Z', true],
    ['DateEquals', '1700000000', '1700000001', false],
    ['DateEquals', '0', '1970-01-01T00:00:00Z', true],
    ['DateEquals', '1700000000.25', '2023-11-14T22:13:20.250Z', true],
    ['DateEquals', '-86400', '1969-12-31', true],
    ['DateEquals', '2024-02-29', '2024-02-29T00:00:00Z', true],
    ['DateEquals', '2000-02-29', '951782400', true],
    ['DateEquals', '0001-01-01T00:00:00Z', '-62135596800', true],
    ['DateEquals', '0099-12-31T00:00:00Z', '-59011545600', true],
    ['DateNotEquals', '2026-01-01', '2026-01-02', true],
    ['DateNotEquals', '2026-01-01', '2026-01-01T00:00Z', false],
    ['DateLessThan', '2026-01-01T00:00:00Z', '2025-12-31T23:59:59Z', true],
    ['DateLessThan', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z', false],
    ['DateLessThan', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00.001Z', false],
    ['DateLessThan', '2026-01-01T00:00:00Z', '2026-01-01T00:30:00+01:00', true],
    ['DateLessThan', '2026-01-01', 'yesterday', false],
    ['DateLessThanEquals', '2026-01-01', '2026-01-01T00:00:00Z', true],
    ['DateLessThanEquals', '2026-01-01', '2026-01-01T00:00:00.001Z', false],
    ['DateGreaterThan', '2026-01-01', '2026-01-01T00:00:00.001Z', true],
    ['DateGreaterThan', '2026-01-01', '2026-01-01', false],
    ['DateGreaterThan', '2026-01-01T00:00:00+02:00', '2025-12-31T23:00:00Z', true],
    ['DateGreaterThan', '2026-01-01T00:00:00-02:00', '2026-01-01T01:00:00Z', false],
    ['DateGreaterThan', '2020-01-01', '2026-13-01', false],
    ['DateGreaterThan', '2020-01-01', '2026-02-29', false],
    ['DateGreaterThan', '2020-01-01', 'Thu, 01 Jan 2026 00:00:00 GMT', false],
    ['DateGreaterThanEquals', '1700000000', '1700000000', true],
    ['DateGreaterThanEquals', '1700000000', '1699999999', false],
  ]);
  unusable('DateEquals', [
    '',
    'yesterday',
    '2026-1-1',
    '2026-02-29',
    '2026-04-31',
    '2026-00-10',
    '2026-01-01T24:00:00Z',
    '2026-01-01T10:60Z',
    '2026-01-01T10:00:60Z',
    '2026-01-01T10Z',
    '2026-01-01T00:00:00+25:00',
    '2026-01-01T00:00:00+05:3',
    '2026-01-01 00:00:00Z',
    '2026-01-01T00:00:00ZZ',
    '1e9',
    '99999999999999999999',
    'Thu, 01 Jan 2026 00:00:00 GMT',
  ]);

  it('reads what Date#toISOString writes as the instant it names, to the millisecond', () => {
    const next = lcg(7);
    for (let i = 0; i < 200; i++) {
      // Instants from 1970 back and forward by up to about 250 years.
      const ms = (next() - 2 ** 31) * 3700 + (next() % 1000);
      const iso = new Date(ms).toISOString();
      expect(holds('DateEquals', iso, String(ms / 1000))).toBe(true);
      expect(holds('DateLessThan', iso, new Date(ms - 1).toISOString())).toBe(true);
      expect(holds('DateGreaterThan', iso, new Date(ms - 1).toISOString())).toBe(false);
    }
  });
});

describe('Bool', () => {
  runTable([
    ['Bool', 'true', 'true', true],
    ['Bool', 'true', 'TRUE', true],
    ['Bool', 'True', 'true', true],
    ['Bool', 'true', 'false', false],
    ['Bool', 'false', 'False', true],
    ['Bool', 'false', 'false', true],
    ['Bool', 'false', 'true', false],
    ['Bool', 'true', 'yes', false],
    ['Bool', 'false', '0', false],
    ['Bool', 'false', '', false],
    ['Bool', 'true', ' true', false],
  ]);
  unusable('Bool', ['', 'yes', '1', '0', ' true', 'truee']);
});

describe('BinaryEquals', () => {
  runTable([
    ['BinaryEquals', 'QmluYXJ5', 'QmluYXJ5', true],
    ['BinaryEquals', 'QmluYXJ5', 'QmluYXJ6', false],
    ['BinaryEquals', 'QmluYXJ5', 'qmluYXJ5', false],
    ['BinaryEquals', 'QQ==', 'QQ', true],
    ['BinaryEquals', 'QQ', 'QQ==', true],
    ['BinaryEquals', 'QUI=', 'QUI', true],
    ['BinaryEquals', 'QQ==', 'Qg==', false],
    // Unused trailing bits do not change the bytes.
    ['BinaryEquals', 'QQ==', 'QR==', true],
    ['BinaryEquals', 'AAEC', 'AAECAw==', false],
    ['BinaryEquals', '/+8=', '/+8=', true],
    ['BinaryEquals', '/+8=', '_-8=', false],
    ['BinaryEquals', 'QmluYXJ5', 'QmluYXJ5!', false],
    ['BinaryEquals', 'QmluYXJ5', 'QmluYXJ5=', false],
    ['BinaryEquals', 'QmluYXJ5', '', false],
    ['BinaryEquals', '', '', true],
  ]);
  unusable('BinaryEquals', ['Q', 'QQ=', 'Q===', '====', 'QQ==QQ==', 'QQ Q', 'é', 'QQ\n']);

  it('decodes to the bytes that were encoded, padded or not', () => {
    const family = operator('BinaryEquals').family;
    for (let length = 0; length < 12; length++) {
      const bytes = Uint8Array.from({ length }, (_, i) => (i * 73 + length * 31) % 256);
      const encoded = Buffer.from(bytes).toString('base64');
      const other = Uint8Array.from(bytes);
      if (length > 0) other[length - 1] = (other[length - 1]! + 1) % 256;
      const parsed = family.parse(encoded);
      expect(parsed).toBe(String.fromCharCode(...bytes));
      expect(family.test(encoded.replace(/=+$/, ''), parsed)).toBe(true);
      expect(family.test(Buffer.from(other).toString('base64'), parsed)).toBe(length === 0);
    }
  });
});

describe('IpAddress and NotIpAddress', () => {
  runTable([
    ['IpAddress', '203.0.113.0/24', '203.0.113.7', true],
    ['IpAddress', '203.0.113.0/24', '203.0.113.0', true],
    ['IpAddress', '203.0.113.0/24', '203.0.113.255', true],
    ['IpAddress', '203.0.113.0/24', '203.0.114.7', false],
    ['IpAddress', '203.0.113.0/24', '203.0.112.255', false],
    ['IpAddress', '203.0.113.5/24', '203.0.113.200', true],
    ['IpAddress', '203.0.113.7', '203.0.113.7', true],
    ['IpAddress', '203.0.113.7', '203.0.113.8', false],
    ['IpAddress', '203.0.113.7/32', '203.0.113.7', true],
    ['IpAddress', '203.0.113.7/32', '203.0.113.6', false],
    ['IpAddress', '192.168.1.0/31', '192.168.1.1', true],
    ['IpAddress', '192.168.1.0/31', '192.168.1.2', false],
    ['IpAddress', '0.0.0.0/0', '8.8.8.8', true],
    ['IpAddress', '0.0.0.0/0', '255.255.255.255', true],
    ['IpAddress', '0.0.0.0/0', '0.0.0.0', true],
    ['IpAddress', '0.0.0.0/0', '2001:db8::1', false],
    ['IpAddress', '128.0.0.0/1', '128.0.0.0', true],
    ['IpAddress', '128.0.0.0/1', '127.255.255.255', false],
    ['IpAddress', '10.0.0.0/8', '10.255.255.255', true],
    ['IpAddress', '10.0.0.0/8', '11.0.0.0', false],
    ['IpAddress', '255.255.255.255', '255.255.255.255', true],
    // IPv4-mapped IPv6 is the IPv4 address it carries, on either side.
    ['IpAddress', '203.0.113.0/24', '::ffff:203.0.113.9', true],
    ['IpAddress', '203.0.113.0/24', '::FFFF:203.0.113.9', true],
    ['IpAddress', '203.0.113.0/24', '::ffff:cb00:7109', true],
    ['IpAddress', '203.0.113.0/24', '0:0:0:0:0:ffff:203.0.113.9', true],
    ['IpAddress', '203.0.113.0/24', '::ffff:203.0.114.9', false],
    ['IpAddress', '203.0.113.0/24', '::203.0.113.9', false],
    ['IpAddress', '::ffff:203.0.113.0/120', '203.0.113.9', true],
    ['IpAddress', '::ffff:203.0.113.0/120', '203.0.114.9', false],
    ['IpAddress', '::ffff:0:0/96', '198.51.100.1', true],
    ['IpAddress', '::/0', '::ffff:203.0.113.9', true],
    ['IpAddress', '2001:DB8:1234:5678::/64', '2001:db8:1234:5678:abcd::1', true],
    ['IpAddress', '2001:DB8:1234:5678::/64', '2001:db8:1234:5678:ffff:ffff:ffff:ffff', true],
    ['IpAddress', '2001:DB8:1234:5678::/64', '2001:db8:1234:5679::1', false],
    ['IpAddress', '2001:db8::/32', '2001:0db8:ffff:ffff:ffff:ffff:ffff:ffff', true],
    ['IpAddress', '2001:db8::/32', '2001:db9::', false],
    ['IpAddress', '2001:db8::/33', '2001:db8:7fff::', true],
    ['IpAddress', '2001:db8::/33', '2001:db8:8000::', false],
    ['IpAddress', '2001:db8::1:0:0/96', '2001:db8::1:ffff:ffff', true],
    ['IpAddress', '2001:db8::1:0:0/96', '2001:db8::2:0:0', false],
    ['IpAddress', '2001:db8::/127', '2001:db8::1', true],
    ['IpAddress', '2001:db8::/127', '2001:db8::2', false],
    ['IpAddress', 'fe80::/10', 'febf::1', true],
    ['IpAddress', 'fe80::/10', 'fec0::1', false],
    ['IpAddress', '::/0', '2001:db8::1', true],
    ['IpAddress', '::/0', '::', true],
    ['IpAddress', '::/0', '203.0.113.9', false],
    ['IpAddress', '::1', '::1', true],
    ['IpAddress', '::1', '0:0:0:0:0:0:0:1', true],
    ['IpAddress', '::1/128', '::2', false],
    ['IpAddress', '2001:db8::1', '2001:db8:0:0:0:0:0:1', true],
    ['IpAddress', '2001:db8::1', '2001:db8::1:0', false],
    ['IpAddress', '1:2:3:4:5:6:7:8/128', '1:2:3:4:5:6:7:8', true],
    ['IpAddress', '1:2:3:4:5:6:7::', '1:2:3:4:5:6:7:0', true],
    ['IpAddress', '::2:3:4:5:6:7:8', '0:2:3:4:5:6:7:8', true],
    ['IpAddress', '64:ff9b::/96', '64:ff9b::192.0.2.33', true],
    ['IpAddress', '64:ff9b::/96', '64:ff9c::192.0.2.33', false],
    ['NotIpAddress', '203.0.113.0/24', '203.0.113.7', false],
    ['NotIpAddress', '203.0.113.0/24', '198.51.100.1', true],
    ['NotIpAddress', '2001:db8::/32', '2001:db8::1', false],
  ]);

  it.each([
    '',
    'localhost',
    '203.0.113',
    '203.0.113.7.1',
    '203.0.113.256',
    '203.0.113.07',
    '203.0.113.-1',
    '203..113.7',
    '.203.0.113.7',
    ' 203.0.113.7',
    '203.0.113.7 ',
    '203.0.113.7/32',
    '0x7f.0.0.1',
  ])('IpAddress 0.0.0.0/0 never matches the malformed address %j', (address) => {
    expect(holds('IpAddress', '0.0.0.0/0', address)).toBe(false);
    expect(holds('IpAddress', '::ffff:0:0/96', address)).toBe(false);
  });

  it.each([
    ':',
    ':::',
    '2001:db8::1::2',
    '2001:db8:::1',
    ':1::',
    '::1:',
    '1:2:3:4:5:6:7:8:9',
    '1:2:3:4:5:6:7',
    '1::2:3:4:5:6:7:8',
    '12345::',
    '::g',
    'fe80::1%eth0',
    '[::1]',
    '1.2.3.4::',
    '::1.2.3.4:5',
    '::ffff:203.0.113.256',
    '::ffff:203.0.113',
    '::/0',
  ])('IpAddress ::/0 never matches the malformed address %j', (address) => {
    expect(holds('IpAddress', '::/0', address)).toBe(false);
    expect(holds('IpAddress', '0.0.0.0/0', address)).toBe(false);
  });

  unusable('IpAddress', [
    '',
    'abc',
    '203.0.113.0/33',
    '203.0.113.0/',
    '203.0.113.0/-1',
    '203.0.113.0/08',
    '203.0.113.0/24/1',
    '203.0.113.0/24 ',
    '/24',
    '300.0.0.0/8',
    '2001:db8::/129',
    '2001:db8::g/64',
    '2001:db8::1::/64',
  ]);

  it('agrees with node:net BlockList on random IPv4 and IPv6 blocks and addresses', () => {
    const next = lcg(42);
    const v4 = (): string => [next() >>> 24, next() >>> 24, next() >>> 24, next() >>> 24].join('.');
    const v6 = (): string => Array.from({ length: 8 }, () => (next() >>> 16).toString(16)).join(':');
    for (let i = 0; i < 300; i++) {
      const ipv6 = i % 2 === 1;
      const base = ipv6 ? v6() : v4();
      const prefix = next() % (ipv6 ? 129 : 33);
      const list = new BlockList();
      list.addSubnet(base, prefix, ipv6 ? 'ipv6' : 'ipv4');
      // Half the addresses share the block's first bytes, so that both answers occur often.
      const address = ipv6
        ? base.split(':').slice(0, 4).join(':') + ':' + v6().split(':').slice(4).join(':')
        : base.split('.').slice(0, 2).join('.') + '.' + v4().split('.').slice(2).join('.');
      for (const candidate of [address, ipv6 ? v6() : v4(), base]) {
        expect(holds('IpAddress', `${base}/${prefix}`, candidate), `${base}/${prefix} ${candidate}`).toBe(
          list.check(candidate, ipv6 ? 'ipv6' : 'ipv4'),
        );
      }
    }
  });
});

describe('ARN operators', () => {
  runTable([
    ['ArnEquals', 'arn:aws:iam::123456789012:role/admin', 'arn:aws:iam::123456789012:role/admin', true],
    ['ArnEquals', 'arn:aws:iam::123456789012:role/admin', 'arn:aws:iam::123456789012:role/Admin', false],
    // AWS reads ArnEquals as ArnLike: wildcards work in both.
    ['ArnEquals', 'arn:aws:iam::123456789012:role/*', 'arn:aws:iam::123456789012:role/admin', true],
    ['ArnLike', 'arn:aws:iam::*:role/admin', 'arn:aws:iam::123456789012:role/admin', true],
    ['ArnLike', 'arn:aws:iam::*:role/admin', 'arn:aws:iam::123456789012:role/Admin', false],
    ['ArnLike', 'arn:aws:iam::*:role/admin', 'ARN:aws:iam::123456789012:role/admin', false],
    ['ArnLike', 'arn:aws:iam::*:role/admin', 'arn:aws:iam::123:456:role/admin', false],
    ['ArnLike', 'arn:aws:iam::123456789012:role/admin', 'arn:aws:iam::123456789012:role/admin2', false],
    ['ArnLike', 'arn:aws:s3:::bucket/*', 'arn:aws:s3:::bucket/a:b/c', true],
    ['ArnLike', 'arn:aws:s3:::bucket/*', 'arn:aws:s3:::other/a', false],
    ['ArnLike', 'arn:aws:*:*:*:*', 'arn:aws:iam::1:user/x', true],
    ['ArnLike', 'arn:aws:iam::*:*', 'arn:aws:iam::1:role/a:b', true],
    ['ArnLike', 'arn:aws:sns:us-east-?:*:topic', 'arn:aws:sns:us-east-1:1:topic', true],
    ['ArnLike', 'arn:aws:sns:us-east-?:*:topic', 'arn:aws:sns:us-east-10:1:topic', false],
    ['ArnLike', 'arn:*:iam::1:role/a', 'arn:aws:x:iam::1:role/a', false],
    ['ArnLike', 'arn:aws:iam::*:role/a', 'not-an-arn', false],
    ['ArnLike', '*', 'anything', true],
    ['ArnNotEquals', 'arn:aws:iam::1:role/a', 'arn:aws:iam::1:role/a', false],
    ['ArnNotEquals', 'arn:aws:iam::1:role/a', 'arn:aws:iam::1:role/b', true],
    ['ArnNotLike', 'arn:aws:iam::*:role/a', 'arn:aws:iam::1:role/b', true],
    ['ArnNotLike', 'arn:aws:iam::*:role/a', 'arn:aws:iam::1:role/a', false],
  ]);
});

describe('the registry', () => {
  const negatedForms: ReadonlyArray<readonly [negated: string, positive: string]> = [
    ['StringNotEquals', 'StringEquals'],
    ['StringNotEqualsIgnoreCase', 'StringEqualsIgnoreCase'],
    ['StringNotLike', 'StringLike'],
    ['NumericNotEquals', 'NumericEquals'],
    ['DateNotEquals', 'DateEquals'],
    ['NotIpAddress', 'IpAddress'],
    ['ArnNotEquals', 'ArnEquals'],
    ['ArnNotLike', 'ArnLike'],
  ];

  it.each(negatedForms)('%s is the negated form of %s, sharing its family', (negated, positive) => {
    expect(operator(negated).negated).toBe(true);
    expect(operator(positive).negated).toBe(false);
    expect(operator(negated).family).toBe(operator(positive).family);
  });

  it('negates exactly the Not forms', () => {
    const negated = [...BASE_OPERATORS.values()].filter((op) => op.negated).map((op) => op.name);
    expect(negated.sort()).toEqual(negatedForms.map(([n]) => n).sort());
  });

  it('keys every operator by its own name', () => {
    for (const [key, op] of BASE_OPERATORS) expect(op.name).toBe(key);
  });

  it('gives each ordering comparison a family of its own', () => {
    const names = ['Numeric', 'Date'].flatMap((kind) =>
      ['Equals', 'LessThan', 'LessThanEquals', 'GreaterThan', 'GreaterThanEquals'].map((c) => kind + c),
    );
    expect(new Set(names.map((n) => operator(n).family)).size).toBe(names.length);
  });

  it('reads ArnEquals exactly as ArnLike', () => {
    expect(operator('ArnEquals').family).toBe(operator('ArnLike').family);
  });

  it.each([
    ['StringEquals', true],
    ['StringEqualsIgnoreCase', true],
    ['StringLike', true],
    ['ArnLike', true],
    ['NumericEquals', false],
    ['DateLessThan', false],
    ['Bool', false],
    ['BinaryEquals', false],
    ['IpAddress', false],
  ] as const)('%s substitutes policy variables: %s', (name, variables) => {
    expect(operator(name).family.variables).toBe(variables);
  });

  it.each([
    ['StringLike', true],
    ['ArnEquals', true],
    ['StringEquals', false],
    ['IpAddress', false],
  ] as const)('%s reads wildcards in its policy values: %s', (name, wildcards) => {
    expect(operator(name).family.wildcards === true).toBe(wildcards);
  });

  it('lists every operator name, Null included', () => {
    expect(OPERATOR_NAMES).toEqual([...BASE_OPERATORS.keys(), 'Null']);
    expect(OPERATOR_NAMES).toHaveLength(27);
    for (const name of OPERATOR_NAMES) expect(parseOperator(name)).toBeDefined();
  });
});

describe('parseOperator', () => {
  it.each([
    ['StringEquals', 'StringEquals', undefined, false],
    ['StringNotLike', 'StringNotLike', undefined, false],
    ['ForAllValues:StringLikeIfExists', 'StringLike', 'ForAllValues', true],
    ['ForAnyValue:StringEquals', 'StringEquals', 'ForAnyValue', false],
    ['ForAnyValue:ArnNotLikeIfExists', 'ArnNotLike', 'ForAnyValue', true],
    ['BoolIfExists', 'Bool', undefined, true],
    ['NotIpAddressIfExists', 'NotIpAddress', undefined, true],
    ['DateGreaterThanEqualsIfExists', 'DateGreaterThanEquals', undefined, true],
    ['Null', 'Null', undefined, false],
    ['ForAnyValue:Null', 'Null', 'ForAnyValue', false],
  ] as const)('takes %s apart', (name, base, qualifier, ifExists) => {
    const spec = parseOperator(name);
    expect(spec).toBeDefined();
    expect(spec?.base === 'Null' ? 'Null' : spec?.base.name).toBe(base);
    expect(spec?.qualifier).toBe(qualifier);
    expect(spec?.ifExists).toBe(ifExists);
  });

  it('hands back the registered operator itself', () => {
    expect(parseOperator('ForAnyValue:StringNotEqualsIfExists')?.base).toBe(operator('StringNotEquals'));
  });

  it.each([
    '',
    'NullIfExists',
    'ForAnyValue:NullIfExists',
    'stringequals',
    'STRINGEQUALS',
    'StringEqualsifexists',
    'StringEqualsIFEXISTS',
    'null',
    'forallvalues:StringEquals',
    'ForAllValues:',
    'ForAllValues',
    ':StringEquals',
    'ForSomeValues:StringEquals',
    'ForAllValues:ForAnyValue:StringEquals',
    'IfExists',
    'StringEqualsIfExistsIfExists',
    'StringNotEqual',
    'StringEquals ',
    ' StringEquals',
    'NumericNotLessThan',
    'ArnNotEqualsIgnoreCase',
    'BinaryNotEquals',
  ])('refuses %j', (name) => {
    expect(parseOperator(name)).toBeUndefined();
  });
});
