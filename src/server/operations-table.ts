/** The README's table of operations, generated from the operation model and the handler table. */
import { SERVICE_NAMES, SERVICES, type ServiceName } from '../protocol/index.js';
import { HANDLERS } from './operations.js';

const TITLES: Record<ServiceName, string> = { iam: 'IAM', sts: 'STS', deployport: 'Deployport, operations of our own (signed for iam, Version 2026-11-30)' };

export const TABLE_START = '<!-- operations:start -->';
export const TABLE_END = '<!-- operations:end -->';

/** The table as Markdown: per service, how many operations are implemented, then each one. */
export function operationsTable(): string {
  const lines: string[] = [];
  for (const name of SERVICE_NAMES) {
    const operations = [...SERVICES[name].operations.keys()].sort();
    const done = operations.filter((op) => HANDLERS[name].has(op));
    lines.push(`**${TITLES[name]}** (${SERVICES[name].metadata.apiVersion}): ${done.length}/${operations.length} implemented`, '');
    lines.push('| operation | implemented |', '| --- | --- |');
    for (const op of operations) lines.push(`| ${op} | ${HANDLERS[name].has(op) ? 'yes' : 'not yet'} |`);
    lines.push('');
  }
  return lines.join('\n');
}

/** The README with its table replaced by the current one. */
export function withOperationsTable(readme: string): string {
  const start = readme.indexOf(TABLE_START);
  const end = readme.indexOf(TABLE_END);
  if (start < 0 || end < start) throw new Error('README.md lacks the operations markers');
  return readme.slice(0, start + TABLE_START.length) + '\n' + operationsTable() + readme.slice(end);
}
