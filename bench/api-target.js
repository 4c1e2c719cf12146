// A server for bench/api.bench.js to load, in a process of its own so that the load generator does
// not share its event loop: `bare` is a plain Fastify endpoint answering a small XML document (the
// baseline); `deployport` is the real server on a fresh SQLite store. It prints one JSON line with
// its URL (and, for deployport, the administrator's credentials), then serves until killed.
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { loadConfig } from '../dist/server/config.js';
import { startServer } from '../dist/server/server.js';

const kind = process.argv[2];
if (kind === 'bare') {
  const app = Fastify();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));
  const xml = '<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/admin</Arn><UserId>AIDAEXAMPLEEXAMPLE123</UserId><Account>123456789012</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>00000000-0000-0000-0000-000000000000</RequestId></ResponseMetadata></GetCallerIdentityResponse>';
  app.post('/', async (_req, reply) => reply.header('content-type', 'text/xml').send(xml));
  await app.listen({ host: '127.0.0.1', port: 0 });
  console.log(JSON.stringify({ url: `http://127.0.0.1:${app.server.address().port}` }));
} else {
  const dataDir = mkdtempSync(join(tmpdir(), 'deployport-bench-'));
  const config = { ...loadConfig({ host: '127.0.0.1', port: 0, dataDir }, {}), masterKey: randomBytes(32).toString('base64') };
  const server = await startServer(config, { writeProfile: false });
  console.log(JSON.stringify({ url: server.url, admin: server.bootstrap.admin }));
}
process.on('SIGINT', () => process.exit(0));
