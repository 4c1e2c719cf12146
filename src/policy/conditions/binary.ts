/**
 * The BinaryEquals condition operator: both values are base64 text, compared as the bytes they
 * encode, so `QQ` and `QQ==` are equal. Malformed base64 matches nothing.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_BinaryEquals
 */
import type { OperatorFamily } from './operator.js';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const SEXTET = new Int8Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) SEXTET[ALPHABET.charCodeAt(i)] = i;

/**
 * Decodes standard base64 (padding optional, no blanks) to a string of byte values 0–255, which
 * compares with `===`; undefined when the text is not base64. Unused trailing bits are ignored,
 * as common decoders do.
 */
function decodeBase64(text: string): string | undefined {
  let end = text.length;
  if (end % 4 === 0 && text.endsWith('==')) end -= 2;
  else if (end % 4 === 0 && text.endsWith('=')) end -= 1;
  if (end % 4 === 1) return undefined;
  let bytes = '';
  let buffer = 0;
  let bits = 0;
  for (let i = 0; i < end; i++) {
    const code = text.charCodeAt(i);
    const v = code < 128 ? SEXTET[code]! : -1;
    if (v < 0) return undefined;
    buffer = ((buffer << 6) | v) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      bytes += String.fromCharCode((buffer >> bits) & 0xff);
    }
  }
  return bytes;
}

/** BinaryEquals: the context value decodes to the same bytes as the policy value. */
export const binaryEquals: OperatorFamily<string> = {
  parse: decodeBase64,
  test: (contextValue, policyValue) => {
    const decoded = decodeBase64(contextValue);
    return decoded === undefined ? undefined : decoded === policyValue;
  },
  variables: false,
};
