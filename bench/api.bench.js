// The API's cost: requests per second and p50/p99 latency of a SigV4-signed GetCallerIdentity and
// of an authorized ListUsers against our server, side by side with a bare Fastify endpoint on the
// same machine (autocannon, loopback only). Then each is run again at half the load it reached,
// paced evenly (bench/paced-load.js: autocannon's own rate limit sends in bursts), for the latency a
// service sees when it is not saturated. Run with `npm run bench:api`.
//
// The three targets are measured in interleaved rounds (bare, GetCallerIdentity, ListUsers, again),
// and each figure is the median of its rounds, a ratio the median of the rounds' ratios: on a shared
// machine the speed of everything drifts by a third over a minute, and a target measured seconds
// after its baseline would be compared with a different machine.
//
// Targets (issue 3): GetCallerIdentity ≥ 0.6× and ListUsers ≥ 0.5× the bare endpoint's
// throughput; p99 under 5 ms at half that load; no errors.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import autocannon from 'autocannon';

const QUICK = process.argv.includes('--quick');
const ROUNDS = QUICK ? 1 : 3;
const ROUND_SECONDS = QUICK ? 3 : 5;
const PACED_SECONDS = QUICK ? 3 : 10;
const CONNECTIONS = 16;

async function startTarget(kind) {
  const child = spawn(process.execPath, [new URL('./api-target.js', import.meta.url).pathname, kind], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = await once(createInterface({ input: child.stdout }), 'line');
  return { child, ...JSON.parse(line) };
}

/** A signed request, replayable for the benchmark's duration (a signature is valid 15 minutes). */
async function signed(url, credentials, service, body) {
  const { hostname, port } = new URL(url);
  const signer = new SignatureV4({ credentials, region: 'us-east-1', service, sha256: Sha256 });
  const request = await signer.sign(
    new HttpRequest({ method: 'POST', protocol: 'http:', hostname, port: Number(port), path: '/', headers: { host: `${hostname}:${port}`, 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' }, body }),
  );
  return { method: 'POST', path: '/', headers: request.headers, body };
}

/** Two seconds of load that are not measured: JIT compilation and first-use caches are start-up costs. */
async function warmUp(url, request) {
  await autocannon({ url, connections: CONNECTIONS, duration: 2, ...request });
}

async function load(url, request) {
  const result = await autocannon({ url, connections: CONNECTIONS, duration: ROUND_SECONDS, ...request });
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, errors: result.errors + result.non2xx + result.timeouts };
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** The round whose req/s is the median, with every round's errors added up. */
function medianRound(rounds) {
  const middle = rounds.find((r) => r.rps === median(rounds.map((x) => x.rps)));
  return { ...middle, errors: rounds.reduce((sum, r) => sum + r.errors, 0) };
}

/** The paced load, in a process of its own (see bench/paced-load.js). */
async function paced(url, request, rate) {
  const child = spawn(process.execPath, [new URL('./paced-load.js', import.meta.url).pathname, JSON.stringify({ url, request, rate, seconds: PACED_SECONDS, connections: CONNECTIONS })], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = await once(createInterface({ input: child.stdout }), 'line');
  return JSON.parse(line);
}

const bare = await startTarget('bare');
const ours = await startTarget('deployport');
try {
  const credentials = { accessKeyId: ours.admin.accessKeyId, secretAccessKey: ours.admin.secretAccessKey };
  const cases = [
    { name: 'GetCallerIdentity (SigV4)', target: 0.6, request: await signed(ours.url, credentials, 'sts', 'Action=GetCallerIdentity&Version=2011-06-15') },
    { name: 'ListUsers (SigV4 + authorized)', target: 0.5, request: await signed(ours.url, credentials, 'iam', 'Action=ListUsers&Version=2010-05-08') },
  ];
  // The baseline receives the very same bytes (signed headers and all), so that the load
  // generator's own cost per request is the same on both sides and only the server differs.
  const targets = [{ url: bare.url, request: cases[0].request }, ...cases.map((c) => ({ url: ours.url, request: c.request }))];
  for (const target of targets) await warmUp(target.url, target.request);
  const rounds = targets.map(() => []);
  for (let round = 0; round < ROUNDS; round++) {
    for (const [i, target] of targets.entries()) rounds[i].push(await load(target.url, target.request));
  }
  const baseline = medianRound(rounds[0]);
  console.log(`API throughput — node ${process.version}, ${CONNECTIONS} connections, ${ROUNDS} interleaved rounds of ${ROUND_SECONDS} s, medians; loopback; servers in their own processes\n`);
  const pad = (s, n) => String(s).padEnd(n);
  console.log(pad('case', 34) + pad('req/s', 10) + pad('p50', 8) + pad('p99', 8) + pad('errors', 8) + pad('vs bare', 10) + pad('target', 14) + pad('p99 @ half load', 18) + pad('p99 target', 16) + 'ratio per round');
  console.log('-'.repeat(140));
  console.log(pad('bare Fastify endpoint', 34) + pad(Math.round(baseline.rps), 10) + pad(`${baseline.p50} ms`, 8) + pad(`${baseline.p99} ms`, 8) + pad(baseline.errors, 8) + pad('1.00×', 10));
  let failed = false;
  for (const [i, c] of cases.entries()) {
    const full = medianRound(rounds[i + 1]);
    const ratios = rounds[i + 1].map((r, k) => r.rps / rounds[0][k].rps);
    const ratio = median(ratios);
    const half = await paced(ours.url, c.request, Math.max(1, Math.round(full.rps / 2)));
    const ok = ratio >= c.target && full.errors === 0 && half.errors === 0;
    const latencyOk = half.p99 < 5;
    failed ||= !ok || !latencyOk;
    console.log(
      pad(c.name, 34) + pad(Math.round(full.rps), 10) + pad(`${full.p50} ms`, 8) + pad(`${full.p99} ms`, 8) + pad(full.errors + half.errors, 8) + pad(`${ratio.toFixed(2)}×`, 10) +
        pad(`≥ ${c.target}× ${ok ? 'met' : 'MISSED'}`, 14) + pad(`${half.p99} ms`, 18) + pad(latencyOk ? '< 5 ms met' : '< 5 ms MISSED', 16) + ratios.map((r) => `${r.toFixed(2)}×`).join(' '),
    );
  }
  process.exitCode = failed ? 1 : 0;
} finally {
  bare.child.kill();
  ours.child.kill();
}
