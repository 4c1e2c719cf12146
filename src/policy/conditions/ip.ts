/**
 * IpAddress and NotIpAddress: the context value is an IPv4 or IPv6 address, the policy value an
 * address or a CIDR block. Blocks are read once, at parse, into 32-bit words and masks.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_IPAddress
 *
 * IPv4 and IPv6 are separate spaces, so `::/0` does not match `192.0.2.1`, with one bridge: an
 * IPv4-mapped IPv6 address (`::ffff:192.0.2.1`) is also that IPv4 address, on either side.
 */
import type { OperatorFamily } from './operator.js';

type Words = readonly [number, number, number, number];

/** A parsed CIDR block; `net` already has the host bits cleared. */
export type IpNetwork =
  | { readonly v6: false; readonly net: number; readonly mask: number }
  | { readonly v6: true; readonly net: Words; readonly mask: Words };

// The longest IPv6 text without a zone: eight full groups, or six and a dotted quad.
const MAX_V6_LENGTH = 45;
const PREFIX = /^(?:0|[1-9]\d{0,2})$/;

/** A dotted quad as an unsigned 32-bit number; leading zeros are refused (some read them as octal). */
function parseV4(text: string): number | undefined {
  let value = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 46 /* . */) {
      if (digits === 0 || dots === 3) return undefined;
      value = value * 256 + octet;
      octet = 0;
      digits = 0;
      dots++;
    } else if (c >= 48 && c <= 57) {
      if (digits > 0 && octet === 0) return undefined;
      octet = octet * 10 + (c - 48);
      if (octet > 255) return undefined;
      digits++;
    } else {
      return undefined;
    }
  }
  if (digits === 0 || dots !== 3) return undefined;
  return value * 256 + octet;
}

const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;

// Appends the 16-bit groups of colon-separated parts; the last part may be a dotted quad.
function pushGroups(parts: readonly string[], v4Last: boolean, out: number[]): boolean {
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    if (HEX_GROUP.test(part)) {
      out.push(parseInt(part, 16));
    } else if (v4Last && i === parts.length - 1) {
      const v4 = parseV4(part);
      if (v4 === undefined) return false;
      out.push(Math.floor(v4 / 65536), v4 % 65536);
    } else {
      return false;
    }
  }
  return true;
}

/** An IPv6 address (with `::` and an optional trailing dotted quad) as four 32-bit words. */
function parseV6(text: string): Words | undefined {
  if (text.length > MAX_V6_LENGTH) return undefined;
  const gap = text.indexOf('::');
  const head: number[] = [];
  const tail: number[] = [];
  if (gap < 0) {
    if (!pushGroups(text.split(':'), true, head) || head.length !== 8) return undefined;
  } else {
    if (text.indexOf('::', gap + 1) >= 0) return undefined;
    const before = text.slice(0, gap);
    const after = text.slice(gap + 2);
    if (before !== '' && !pushGroups(before.split(':'), false, head)) return undefined;
    if (after !== '' && !pushGroups(after.split(':'), true, tail)) return undefined;
    // `::` stands for at least one group of zeros.
    if (head.length + tail.length > 7) return undefined;
    while (head.length + tail.length < 8) head.push(0);
    head.push(...tail);
  }
  const g = head;
  return [
    g[0]! * 65536 + g[1]!,
    g[2]! * 65536 + g[3]!,
    g[4]! * 65536 + g[5]!,
    g[6]! * 65536 + g[7]!,
  ];
}

// The IPv4 address inside ::ffff:a.b.c.d, if the words are one.
function mappedV4(w: Words): number | undefined {
  return w[0] === 0 && w[1] === 0 && w[2] === 0xffff ? w[3] : undefined;
}

// A mask of the first `bits` bits of a 32-bit word (0–32).
function wordMask(bits: number): number {
  if (bits <= 0) return 0;
  if (bits >= 32) return 0xffffffff;
  return (0xffffffff << (32 - bits)) >>> 0;
}

function v4Network(address: number, prefix: number): IpNetwork {
  const mask = wordMask(prefix);
  return { v6: false, net: (address & mask) >>> 0, mask };
}

/** Reads an address or CIDR block (`203.0.113.0/24`, `2001:db8::/32`), or undefined when malformed. */
function parseNetwork(text: string): IpNetwork | undefined {
  const slash = text.indexOf('/');
  const address = slash < 0 ? text : text.slice(0, slash);
  const prefixText = slash < 0 ? undefined : text.slice(slash + 1);
  if (prefixText !== undefined && !PREFIX.test(prefixText)) return undefined;
  if (!address.includes(':')) {
    const v4 = parseV4(address);
    const prefix = prefixText === undefined ? 32 : Number(prefixText);
    if (v4 === undefined || prefix > 32) return undefined;
    return v4Network(v4, prefix);
  }
  const words = parseV6(address);
  const prefix = prefixText === undefined ? 128 : Number(prefixText);
  if (words === undefined || prefix > 128) return undefined;
  const v4 = mappedV4(words);
  if (v4 !== undefined && prefix >= 96) return v4Network(v4, prefix - 96);
  const mask: Words = [wordMask(prefix), wordMask(prefix - 32), wordMask(prefix - 64), wordMask(prefix - 96)];
  return {
    v6: true,
    net: [
      (words[0] & mask[0]) >>> 0,
      (words[1] & mask[1]) >>> 0,
      (words[2] & mask[2]) >>> 0,
      (words[3] & mask[3]) >>> 0,
    ],
    mask,
  };
}

/** Whether an address (IPv4, IPv6, or IPv4-mapped IPv6) lies in a block; malformed → undefined. */
function inNetwork(contextValue: string, network: IpNetwork): boolean | undefined {
  const isV6 = contextValue.includes(':');
  if (!network.v6) {
    if (!isV6) {
      const v4 = parseV4(contextValue);
      return v4 === undefined ? undefined : ((v4 & network.mask) >>> 0) === network.net;
    }
    const words = parseV6(contextValue);
    if (words === undefined) return undefined;
    const v4 = mappedV4(words);
    return v4 !== undefined && ((v4 & network.mask) >>> 0) === network.net;
  }
  if (!isV6) return parseV4(contextValue) === undefined ? undefined : false;
  const w = parseV6(contextValue);
  if (w === undefined) return undefined;
  const { net, mask } = network;
  return (
    ((w[0] & mask[0]) >>> 0) === net[0] &&
    ((w[1] & mask[1]) >>> 0) === net[1] &&
    ((w[2] & mask[2]) >>> 0) === net[2] &&
    ((w[3] & mask[3]) >>> 0) === net[3]
  );
}

/** IpAddress (and, negated, NotIpAddress): the context address lies in the policy's block. */
export const ipAddress: OperatorFamily<IpNetwork> = {
  parse: parseNetwork,
  test: inNetwork,
  variables: false,
};
