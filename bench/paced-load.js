// An open-loop load at a steady rate, for latency at a given load. autocannon's rate limit is a
// per-second budget: each connection sends flat out until its budget is spent, then waits for
// the next second, so "half load" is full load half of the time — and its latency correction then
// back-fills samples at a 1 ms interval. Here request i is due at start + i/rate and is issued at
// the first 1 ms tick after that: on a free keep-alive connection, or queued for the next one to
// come free. Its latency runs from when it was issued to the end of its response, so a server that
// falls behind is charged for the queue, but the ticks' granularity is not charged to the server.
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';

/** Raw HTTP/1.1 bytes of a request as autocannon takes it ({ method, path, headers, body }). */
function rawRequest(host, { method, path, headers, body }) {
  const lines = [`${method} ${path} HTTP/1.1`];
  for (const [name, value] of Object.entries(headers)) if (name.toLowerCase() !== 'content-length') lines.push(`${name}: ${value}`);
  if (!Object.keys(headers).some((n) => n.toLowerCase() === 'host')) lines.push(`host: ${host}`);
  lines.push(`content-length: ${Buffer.byteLength(body)}`, 'connection: keep-alive', '', '');
  return Buffer.concat([Buffer.from(lines.join('\r\n')), Buffer.from(body)]);
}

/** One keep-alive connection that answers one request at a time. */
function connection(port, onResponse) {
  const socket = connect({ host: '127.0.0.1', port, noDelay: true });
  let pending = Buffer.alloc(0);
  const self = { busy: false, dueAt: 0, socket };
  socket.on('data', (chunk) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    for (;;) {
      const end = pending.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = pending.subarray(0, end).toString('latin1');
      const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
      if (pending.length < end + 4 + length) return;
      pending = pending.subarray(end + 4 + length);
      self.busy = false;
      onResponse(self, Number(head.slice(9, 12)));
    }
  });
  return self;
}

/**
 * Sends `rate` requests per second for `seconds` over `connections` keep-alive connections, after
 * a first second at the same rate that is not measured (new connections, this code's first runs).
 * @returns {Promise<{ rps: number, p50: number, p99: number, errors: number }>} latencies in ms
 */
export async function pacedLoad(url, request, { rate, seconds, connections }) {
  const { host, port } = new URL(url);
  const bytes = rawRequest(host, request);
  const warmup = Math.round(rate);
  const total = warmup + Math.round(rate * seconds);
  const latencies = [];
  const waiting = []; // issue times of requests that found no free connection
  let errors = 0;
  let sent = 0;
  let done;
  const finished = new Promise((resolve) => (done = resolve));
  const send = (conn, dueAt) => {
    conn.busy = true;
    conn.dueAt = dueAt;
    conn.socket.write(bytes);
  };
  let answered = 0;
  let measuredFrom = 0;
  const onResponse = (conn, status) => {
    if (++answered === warmup) measuredFrom = performance.now();
    if (answered > warmup) latencies.push(performance.now() - conn.dueAt);
    if (status !== 200) errors++;
    if (waiting.length > 0) send(conn, waiting.shift());
    if (answered === total) done();
  };
  const pool = Array.from({ length: connections }, () => connection(Number(port), onResponse));
  for (const conn of pool) conn.socket.on('error', () => errors++);
  await Promise.all(pool.map((conn) => new Promise((resolve) => conn.socket.once('connect', resolve))));

  const start = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    while (sent < total && start + (sent * 1000) / rate <= now) {
      const free = pool.find((conn) => !conn.busy);
      if (free) send(free, now);
      else waiting.push(now);
      sent++;
    }
    if (sent === total) clearInterval(timer);
  }, 1);
  // A server that stops answering must not hang the benchmark.
  const deadline = setTimeout(done, (seconds + 30) * 1000);
  await finished;
  clearTimeout(deadline);
  const elapsed = (performance.now() - (measuredFrom || start)) / 1000;
  for (const conn of pool) conn.socket.destroy();
  latencies.sort((a, b) => a - b);
  const at = (q) => Number((latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN).toFixed(2));
  return { rps: latencies.length / elapsed, p50: at(0.5), p99: at(0.99), errors: errors + (total - answered) };
}

// Run as a script (`node bench/paced-load.js '{"url":…,"request":…,"rate":…,"seconds":…,"connections":…}'`),
// it prints its result as one JSON line: the benchmark runs it in a fresh process of its own, so
// that its clock is not stopped by the garbage the earlier runs left in the benchmark's heap.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { url, request, ...options } = JSON.parse(process.argv[2]);
  console.log(JSON.stringify(await pacedLoad(url, request, options)));
}
