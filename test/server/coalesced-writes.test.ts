/**
 * Responses held to the end of the event loop's turn still reach each its own client, whole, and a
 * client that left meanwhile costs the others nothing.
 */
import { createServer, request, type Server } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendAtEndOfTurn } from '../../src/server/coalesced-writes.js';

let server: Server;
let port: number;
let heldBeforeTurnEnded = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const body = `<echo>${req.url}</echo>`;
      // A header Node refuses to write (a line break in its value) fails that response alone.
      const headers = { 'content-type': 'text/xml', 'content-length': Buffer.byteLength(body), ...(req.url === '/broken' ? { 'x-bad': 'a\r\nb' } : {}) };
      sendAtEndOfTurn(res, req.url === '/missing' ? 404 : 200, headers, body);
      // Nothing is written before the turn ends.
      if (!res.headersSent) heldBeforeTurnEnded++;
      // A connection lost between the answer's making and its writing.
      if (req.url === '/gone') res.destroy();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  port = (server.address() as AddressInfo).port;
});
afterAll(() => server.close());

function get(path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    })
      .on('error', reject)
      .end();
  });
}

describe('sendAtEndOfTurn', () => {
  it('gives each of many concurrent requests its own status and body', async () => {
    const paths = Array.from({ length: 64 }, (_, i) => (i % 8 === 0 ? '/missing' : `/r${i}`));
    const answers = await Promise.all(paths.map(get));
    answers.forEach((answer, i) => {
      expect(answer.body).toBe(`<echo>${paths[i]}</echo>`);
      expect(answer.status).toBe(paths[i] === '/missing' ? 404 : 200);
    });
    expect(heldBeforeTurnEnded).toBeGreaterThanOrEqual(64);
  });

  it('skips a client whose connection was lost before its answer was written, and answers the rest', async () => {
    const [gone, ...others] = await Promise.allSettled(['/gone', '/a', '/b'].map(get));
    expect(gone?.status).toBe('rejected');
    expect(others.map((o) => (o.status === 'fulfilled' ? o.value.body : o.reason))).toEqual(['<echo>/a</echo>', '<echo>/b</echo>']);
    expect((await get('/after')).body).toBe('<echo>/after</echo>');
  });

  it('answers the rest of a batch when one response of it cannot be written', async () => {
    const [broken, ...others] = await Promise.allSettled(['/broken', '/c', '/d'].map(get));
    expect(broken?.status).toBe('rejected');
    expect(others.map((o) => (o.status === 'fulfilled' ? o.value.body : o.reason))).toEqual(['<echo>/c</echo>', '<echo>/d</echo>']);
  });
});
