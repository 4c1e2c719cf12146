/**
 * Responses written together. A write to a loopback or LAN socket whose reader sleeps pays for
 * waking it, and under load that wake-up cost as much as the rest of a GetCallerIdentity: with
 * each response written as soon as it was ready, a busy server woke its client once per request.
 * Responses finished during one turn of the event loop are instead held until its check phase,
 * after every request that arrived in that turn has been handled, and then written one after the
 * other: the first wakes the client, the rest reach it awake. A lone request waits for nothing but
 * the end of its own turn.
 */
import type { ServerResponse } from 'node:http';

interface Pending {
  readonly response: ServerResponse;
  readonly status: number;
  readonly headers: Record<string, string | number>;
  readonly body: string;
}

let pending: Pending[] = [];

/** Sends a finished response (status, headers and body) at the end of this turn of the event loop. */
export function sendAtEndOfTurn(response: ServerResponse, status: number, headers: Record<string, string | number>, body: string): void {
  pending.push({ response, status, headers, body });
  if (pending.length === 1) setImmediate(flush);
}

function flush(): void {
  const batch = pending;
  pending = [];
  for (const { response, status, headers, body } of batch) {
    // A client that went away meanwhile has nothing left to receive.
    if (response.destroyed) continue;
    try {
      response.writeHead(status, headers);
      response.end(body);
    } catch {
      // One response that cannot be written must not keep the rest of the batch from theirs.
      response.destroy();
    }
  }
}
