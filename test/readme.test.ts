/** The README tells the truth about what is implemented. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { withOperationsTable } from '../src/server/operations-table.js';

describe('README', () => {
  it('has the current table of operations (regenerate with scripts/operations-table.mjs)', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    expect(readme).toBe(withOperationsTable(readme));
  });

  it('opens with exactly two set-up commands: install and start, then test', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const quickStart = /## Quick start[\s\S]*?```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
    const commands = quickStart.split('\n').filter((line) => line.trim() !== '').map((line) => line.replace(/\s+#.*$/, ''));
    expect(commands).toEqual(['npm ci && npm start', 'npm test']);
  });
});
