/**
 * A tiny, strict XML reader for the tests: elements, attributes, text, the five named entities and
 * character references. Anything else (comments, CDATA, mismatched tags) throws, so a malformed
 * response fails the test that reads it.
 */
export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  /** The decoded text directly inside this element (concatenated). */
  text: string;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decode(raw: string): string {
  return raw.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);|&/g, (m, ref: string | undefined) => {
    if (ref === undefined) throw new Error('bare & in XML text');
    if (ref.startsWith('#x')) return String.fromCodePoint(parseInt(ref.slice(2), 16));
    if (ref.startsWith('#')) return String.fromCodePoint(parseInt(ref.slice(1), 10));
    const e = ENTITIES[ref];
    if (e === undefined) throw new Error(`unknown entity ${m}`);
    return e;
  });
}

/** Parses a document into its root element. */
export function parseXml(xml: string): XmlElement {
  let i = 0;
  // XML end-of-line handling (XML 1.0 §2.11): a raw CR or CRLF reads as LF, as in every real parser.
  const src = xml.replace(/^<\?xml[^?]*\?>\s*/, '').replace(/\r\n?/g, '\n');
  const expect = (s: string): void => {
    if (!src.startsWith(s, i)) throw new Error(`expected ${s} at ${i}: ${src.slice(i, i + 30)}`);
    i += s.length;
  };
  const name = (): string => {
    const m = /^[A-Za-z_][\w.:-]*/.exec(src.slice(i, i + 200));
    if (!m) throw new Error(`expected a name at ${i}`);
    i += m[0].length;
    return m[0];
  };
  const element = (): XmlElement => {
    expect('<');
    const el: XmlElement = { name: name(), attributes: {}, children: [], text: '' };
    for (;;) {
      while (/\s/.test(src[i] ?? '')) i++;
      if (src.startsWith('/>', i)) {
        i += 2;
        return el;
      }
      if (src[i] === '>') {
        i++;
        break;
      }
      const attr = name();
      expect('="');
      const end = src.indexOf('"', i);
      el.attributes[attr] = decode(src.slice(i, end));
      i = end + 1;
    }
    for (;;) {
      const lt = src.indexOf('<', i);
      if (lt === -1) throw new Error(`unclosed <${el.name}>`);
      el.text += decode(src.slice(i, lt));
      i = lt;
      if (src.startsWith('</', i)) {
        i += 2;
        const close = name();
        if (close !== el.name) throw new Error(`</${close}> closes <${el.name}>`);
        expect('>');
        return el;
      }
      el.children.push(element());
    }
  };
  const root = element();
  if (src.slice(i).trim() !== '') throw new Error('content after the root element');
  return root;
}

/** The only child named `name`; throws if there is none or several. */
export function child(el: XmlElement, name: string): XmlElement {
  const found = el.children.filter((c) => c.name === name);
  if (found.length !== 1) throw new Error(`<${el.name}> has ${found.length} <${name}> children`);
  return found[0] as XmlElement;
}

/** Follows a path of child names. */
export function at(el: XmlElement, ...path: string[]): XmlElement {
  return path.reduce(child, el);
}

/** The names of an element's children, in order. */
export function childNames(el: XmlElement): string[] {
  return el.children.map((c) => c.name);
}
