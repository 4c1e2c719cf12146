/**
 * A strict JSON parser for policy documents: RFC 8259 and nothing more (no comments, trailing
 * commas, NaN, single quotes or BOM), plus the limits AWS puts on policy text. It is written here
 * rather than borrowed from JSON.parse because JSON.parse keeps the last of duplicate keys, has no
 * depth cap, and says nothing about where a value was.
 */
import { MalformedPolicyDocumentError, pointerOf } from './errors.js';

/** The longest policy document AWS accepts on the wire (`PolicyDocument`, `AssumeRolePolicyDocument`). */
export const MAX_DOCUMENT_CHARS = 131072;

/** The deepest nesting of arrays and objects accepted; a policy needs at most 7. */
export const MAX_DEPTH = 32;

/** A parsed JSON value with the offset (in UTF-16 code units) where it starts in the text. */
export type JsonNode =
  | { readonly kind: 'null'; readonly offset: number }
  | { readonly kind: 'boolean'; readonly offset: number; readonly value: boolean }
  /** `text` is the number as written, which is what a policy condition compares. */
  | { readonly kind: 'number'; readonly offset: number; readonly value: number; readonly text: string }
  | { readonly kind: 'string'; readonly offset: number; readonly value: string }
  | { readonly kind: 'array'; readonly offset: number; readonly items: readonly JsonNode[] }
  /** Keys in document order; duplicates never get this far. */
  | { readonly kind: 'object'; readonly offset: number; readonly entries: ReadonlyMap<string, JsonNode> };

/** A parsed document: its root value and the count of characters that are not white space. */
export interface JsonDocument {
  readonly root: JsonNode;
  /** What AWS's policy size quotas count: every character but space, tab, CR and LF. */
  readonly size: number;
}

/** Whether a UTF-16 code unit is allowed in a policy document (U+0009, U+000A, U+000D, U+0020–U+00FF). */
function allowedChar(c: number): boolean {
  return c <= 0xff ? c >= 0x20 || c === 0x09 || c === 0x0a || c === 0x0d : false;
}

/** The code point at `i`, a lone surrogate being its own value. */
function codePointAt(text: string, i: number): number {
  return text.codePointAt(i) ?? 0;
}

function hex(cp: number): string {
  return 'U+' + cp.toString(16).toUpperCase().padStart(4, '0');
}

/**
 * Parses policy JSON text strictly. Throws MalformedPolicyDocumentError naming the offset and the
 * JSON pointer of the value that contains the fault.
 * @example parseJson('{"Version":"2012-10-17"}').root.kind === 'object'
 */
export function parseJson(text: string): JsonDocument {
  // Every allowed character is one code unit, so a text more than twice the limit is too long
  // whatever it holds; refuse it before looking at it.
  if (text.length > MAX_DOCUMENT_CHARS * 2) throw tooLong(text.length);
  let size = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (!allowedChar(c)) {
      throw new MalformedPolicyDocumentError(
        `Policy document contains a character outside U+0009, U+000A, U+000D and U+0020–U+00FF: ${hex(codePointAt(text, i))} at offset ${i}.`,
      );
    }
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) size++;
  }
  // All code units are now Latin-1, so length counts code points.
  if (text.length > MAX_DOCUMENT_CHARS) throw tooLong(text.length);
  const parser = new Parser(text);
  const root = parser.document();
  return { root, size };
}

function tooLong(length: number): MalformedPolicyDocumentError {
  return new MalformedPolicyDocumentError(
    `Policy document is ${length} characters long; the maximum is ${MAX_DOCUMENT_CHARS}.`,
  );
}

// Character codes the parser looks at.
const CH_TAB = 0x09;
const CH_LF = 0x0a;
const CH_CR = 0x0d;
const CH_SPACE = 0x20;
const CH_QUOTE = 0x22;
const CH_PLUS = 0x2b;
const CH_COMMA = 0x2c;
const CH_MINUS = 0x2d;
const CH_DOT = 0x2e;
const CH_ZERO = 0x30;
const CH_NINE = 0x39;
const CH_COLON = 0x3a;
const CH_OPEN_BRACKET = 0x5b;
const CH_BACKSLASH = 0x5c;
const CH_CLOSE_BRACKET = 0x5d;
const CH_OPEN_BRACE = 0x7b;
const CH_CLOSE_BRACE = 0x7d;

/** Recursive descent over the string. Recursion is bounded by MAX_DEPTH, so deep input cannot overflow the stack. */
class Parser {
  private pos = 0;
  /** Path of the container being read, for error pointers. */
  private readonly path: (string | number)[] = [];
  private depth = 0;

  constructor(private readonly text: string) {}

  document(): JsonNode {
    this.skipSpace();
    const root = this.value();
    this.skipSpace();
    if (this.pos < this.text.length) this.fail('Unexpected text after the end of the document');
    return root;
  }

  private value(): JsonNode {
    const t = this.text;
    const c = t.charCodeAt(this.pos);
    const offset = this.pos;
    switch (c) {
      case CH_OPEN_BRACE:
        return this.object();
      case CH_OPEN_BRACKET:
        return this.array();
      case CH_QUOTE:
        return { kind: 'string', offset, value: this.string() };
      case 0x74: // t
        this.literal('true');
        return { kind: 'boolean', offset, value: true };
      case 0x66: // f
        this.literal('false');
        return { kind: 'boolean', offset, value: false };
      case 0x6e: // n
        this.literal('null');
        return { kind: 'null', offset };
      default:
        if (c === CH_MINUS || (c >= CH_ZERO && c <= CH_NINE)) return this.number();
        if (this.pos >= t.length) this.fail('Unexpected end of the document');
        return this.fail(`Unexpected character ${JSON.stringify(t[this.pos])}`);
    }
  }

  private enter(): void {
    if (++this.depth > MAX_DEPTH) this.fail(`Nesting deeper than ${MAX_DEPTH} levels`);
  }

  private object(): JsonNode {
    const offset = this.pos;
    this.enter();
    this.pos++; // {
    const entries = new Map<string, JsonNode>();
    this.skipSpace();
    if (this.text.charCodeAt(this.pos) === CH_CLOSE_BRACE) {
      this.pos++;
      this.depth--;
      return { kind: 'object', offset, entries };
    }
    for (;;) {
      if (this.text.charCodeAt(this.pos) !== CH_QUOTE) this.fail('Expected a quoted member name');
      const keyOffset = this.pos;
      const key = this.string();
      if (entries.has(key)) {
        // RFC 8259 leaves duplicates undefined; a parser that kept the last one would let a
        // reviewer read one Effect while the engine enforced another.
        this.pos = keyOffset;
        this.path.push(key);
        this.fail(`Duplicate member name ${JSON.stringify(key)}`);
      }
      this.skipSpace();
      if (this.text.charCodeAt(this.pos) !== CH_COLON) this.fail("Expected ':' after a member name");
      this.pos++;
      this.skipSpace();
      this.path.push(key);
      entries.set(key, this.value());
      this.path.pop();
      this.skipSpace();
      const c = this.text.charCodeAt(this.pos);
      if (c === CH_COMMA) {
        this.pos++;
        this.skipSpace();
        continue;
      }
      if (c === CH_CLOSE_BRACE) {
        this.pos++;
        this.depth--;
        return { kind: 'object', offset, entries };
      }
      this.fail("Expected ',' or '}'");
    }
  }

  private array(): JsonNode {
    const offset = this.pos;
    this.enter();
    this.pos++; // [
    const items: JsonNode[] = [];
    this.skipSpace();
    if (this.text.charCodeAt(this.pos) === CH_CLOSE_BRACKET) {
      this.pos++;
      this.depth--;
      return { kind: 'array', offset, items };
    }
    for (;;) {
      this.path.push(items.length);
      items.push(this.value());
      this.path.pop();
      this.skipSpace();
      const c = this.text.charCodeAt(this.pos);
      if (c === CH_COMMA) {
        this.pos++;
        this.skipSpace();
        continue;
      }
      if (c === CH_CLOSE_BRACKET) {
        this.pos++;
        this.depth--;
        return { kind: 'array', offset, items };
      }
      this.fail("Expected ',' or ']'");
    }
  }

  private string(): string {
    const t = this.text;
    let i = ++this.pos; // opening quote
    let start = i;
    let out = '';
    for (;;) {
      if (i >= t.length) {
        this.pos = i;
        this.fail('Unterminated string');
      }
      const c = t.charCodeAt(i);
      if (c === CH_QUOTE) {
        this.pos = i + 1;
        return out + t.slice(start, i);
      }
      if (c < 0x20) {
        this.pos = i;
        this.fail('Control character in a string (escape it)');
      }
      if (c !== CH_BACKSLASH) {
        i++;
        continue;
      }
      out += t.slice(start, i);
      const e = t[i + 1];
      let decoded: string;
      switch (e) {
        case '"':
        case '\\':
        case '/':
          decoded = e;
          break;
        case 'n':
          decoded = '\n';
          break;
        case 'r':
          decoded = '\r';
          break;
        case 't':
          decoded = '\t';
          break;
        case 'b':
        case 'f':
        case 'u': {
          let code: number;
          if (e === 'u') {
            const digits = t.slice(i + 2, i + 6);
            if (!/^[0-9A-Fa-f]{4}$/.test(digits)) {
              this.pos = i;
              this.fail('Invalid \\u escape');
            }
            code = parseInt(digits, 16);
          } else {
            code = e === 'b' ? 0x08 : 0x0c;
          }
          // The charset rule is about the document's characters, so an escape may not smuggle
          // in what could not be written directly (U+0000, CJK, surrogates…).
          if (!allowedChar(code)) {
            this.pos = i;
            this.fail(`Escaped character ${hex(code)} is outside U+0009, U+000A, U+000D and U+0020–U+00FF`);
          }
          decoded = String.fromCharCode(code);
          if (e === 'u') i += 4;
          break;
        }
        default:
          this.pos = i;
          this.fail('Invalid escape in a string');
      }
      out += decoded;
      i += 2;
      start = i;
    }
  }

  private number(): JsonNode {
    const t = this.text;
    const offset = this.pos;
    let i = offset;
    if (t.charCodeAt(i) === CH_MINUS) i++;
    const first = t.charCodeAt(i);
    if (first === CH_ZERO) {
      i++;
      if (isDigit(t.charCodeAt(i))) {
        this.pos = i;
        this.fail('Leading zeros are not allowed in numbers');
      }
    } else if (isDigit(first)) {
      while (isDigit(t.charCodeAt(i))) i++;
    } else {
      this.pos = i;
      this.fail('Invalid number');
    }
    if (t.charCodeAt(i) === CH_DOT) {
      i++;
      if (!isDigit(t.charCodeAt(i))) {
        this.pos = i;
        this.fail('Expected a digit after the decimal point');
      }
      while (isDigit(t.charCodeAt(i))) i++;
    }
    const e = t.charCodeAt(i);
    if (e === 0x65 || e === 0x45) {
      i++;
      const sign = t.charCodeAt(i);
      if (sign === CH_PLUS || sign === CH_MINUS) i++;
      if (!isDigit(t.charCodeAt(i))) {
        this.pos = i;
        this.fail('Expected a digit in the exponent');
      }
      while (isDigit(t.charCodeAt(i))) i++;
    }
    this.pos = i;
    const text = t.slice(offset, i);
    return { kind: 'number', offset, value: Number(text), text };
  }

  private literal(word: string): void {
    if (!this.text.startsWith(word, this.pos)) this.fail('Unexpected character');
    this.pos += word.length;
  }

  private skipSpace(): void {
    const t = this.text;
    let i = this.pos;
    for (;;) {
      const c = t.charCodeAt(i);
      if (c === CH_SPACE || c === CH_LF || c === CH_CR || c === CH_TAB) i++;
      else break;
    }
    this.pos = i;
  }

  private fail(reason: string): never {
    const { line, column } = lineAndColumn(this.text, this.pos);
    throw new MalformedPolicyDocumentError(
      `Syntax errors in policy. ${reason} at offset ${this.pos} (line ${line}, column ${column}).`,
      pointerOf(this.path),
    );
  }
}

function isDigit(c: number): boolean {
  return c >= CH_ZERO && c <= CH_NINE;
}

/** 1-based line and column of an offset, computed only when an error is reported. */
function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === CH_LF) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}
