// Writes the README's table of IAM and STS operations (from the operation model and the server's
// handler table) between its markers. `--check` only says whether it is current. Run after a build.
import { readFileSync, writeFileSync } from 'node:fs';
import { withOperationsTable } from '../dist/server/operations-table.js';

const readmeUrl = new URL('../README.md', import.meta.url);
const readme = readFileSync(readmeUrl, 'utf8');
const next = withOperationsTable(readme);
if (process.argv.includes('--check')) {
  if (next !== readme) {
    console.error('README.md: the operations table is out of date; run `npm run build && node scripts/operations-table.mjs`.');
    process.exitCode = 1;
  }
} else {
  writeFileSync(readmeUrl, next);
}
