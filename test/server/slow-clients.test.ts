/**
 * Slow clients (RELIABILITY 16, slowloris): a connection that trickles its headers is ended after
 * 10 s, one that trickles its body after 30 s, with 408, while everyone else is served meanwhile.
 * The HTTP layer is the same on both stores: SQLite only.
 */
import { connect, type Socket } from 'node:net';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer('sqlite');
});
afterAll(async () => {
  await t?.close();
});

/** Opens a connection, sends `head`, and answers when and with what the server ended it. */
function slowConnection(port: number, head: string, trickle?: string): { socket: Socket; ended: Promise<{ afterMs: number; answer: string }> } {
  const socket = connect(port, '127.0.0.1');
  const opened = Date.now();
  let answer = '';
  socket.setEncoding('utf8').on('data', (chunk: string) => (answer += chunk));
  socket.on('error', () => {});
  socket.write(head);
  // One byte a second, never the whole of it.
  const timer = trickle === undefined ? undefined : setInterval(() => socket.write(trickle), 1_000);
  const ended = new Promise<{ afterMs: number; answer: string }>((resolve) =>
    socket.on('close', () => {
      clearInterval(timer);
      resolve({ afterMs: Date.now() - opened, answer });
    }),
  );
  return { socket, ended };
}

describe('slow clients', () => {
  it('end with 408 — headers after 10 s, a body after 30 s — while other clients are answered', { timeout: 60_000 }, async () => {
    const port = Number(new URL(t.url).port);
    const headers = Array.from({ length: 200 }, () => slowConnection(port, 'POST / HTTP/1.1\r\nhost: x\r\n', 'x'));
    const body = slowConnection(port, 'POST / HTTP/1.1\r\nhost: x\r\ncontent-type: application/x-www-form-urlencoded\r\ncontent-length: 1000\r\n\r\nAction=', 'a');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect((await t.sts.send(new GetCallerIdentityCommand({}))).Account).toBe(t.accountId);

    const headerEnds = await Promise.all(headers.map((c) => c.ended));
    for (const end of headerEnds) {
      expect(end.afterMs).toBeGreaterThanOrEqual(9_500);
      expect(end.afterMs).toBeLessThan(15_000);
      expect(end.answer).toMatch(/^HTTP\/1\.1 408 /);
    }
    expect((await t.sts.send(new GetCallerIdentityCommand({}))).Account).toBe(t.accountId);
    const bodyEnd = await body.ended;
    expect(bodyEnd.afterMs).toBeGreaterThanOrEqual(29_500);
    expect(bodyEnd.afterMs).toBeLessThan(35_000);
    expect(bodyEnd.answer).toMatch(/^HTTP\/1\.1 408 /);
  });
});
