/**
 * The INI files the AWS CLI and `deployport` keep profiles in: `[section]` headers and `key = value`
 * lines. Reading keeps sections in order; writing rewrites only the sections it is given.
 */

export type IniSections = Map<string, Map<string, string>>;

/** Parses INI text; comments (`#`, `;`) and blank lines are skipped. */
export function parseIni(text: string): IniSections {
  const sections: IniSections = new Map();
  let current: Map<string, string> | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[\s*([^\]]+?)\s*\]$/.exec(line);
    if (header) {
      const name = header[1]!;
      current = sections.get(name) ?? new Map();
      sections.set(name, current);
      continue;
    }
    const eq = line.indexOf('=');
    if (eq > 0 && current) current.set(line.slice(0, eq).trim(), line.slice(eq + 1).trim());
  }
  return sections;
}

/** Writes sections as INI text. */
export function formatIni(sections: IniSections): string {
  const out: string[] = [];
  for (const [name, entries] of sections) {
    out.push(`[${name}]`);
    for (const [key, value] of entries) out.push(`${key} = ${value}`);
    out.push('');
  }
  return out.join('\n');
}
