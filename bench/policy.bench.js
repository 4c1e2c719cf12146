// Policy evaluation: our engine (compiled once, then evaluated in a loop) against
// @cloud-copilot/iam-simulate (its normal runSimulation API per call) on the same workloads.
// Run with `npm run bench:policy` (builds dist/ first). One core: everything runs on the main thread.
//
// Latency: for ours, calls run in batches; each batch's time divided by its size is one sample,
// and p50/p99 are percentiles of those samples (one call is well under a microsecond, below what a
// single hrtime reading resolves). For iam-simulate every call is timed on its own.
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { compile, evaluate } from '../dist/policy/index.js';

const ACCOUNT = '111122223333';
const USER = `arn:aws:iam::${ACCOUNT}:user/alice`;
const QUICK = process.argv.includes('--quick');

// ---------------------------------------------------------------------------------------------
// Workloads. Each is a policy set (documents as objects) and the requests to rotate through.

const doc = (statements) => ({ Version: '2012-10-17', Statement: statements });

/** (a) A small identity: 3 policies, 10 statements, wildcards, StringEquals, IpAddress, one Deny. */
function smallWorkload() {
  const identity = [
    {
      name: 'read-own-photos',
      document: doc([
        { Sid: 'List', Effect: 'Allow', Action: 's3:ListBucket', Resource: 'arn:aws:s3:::photos' },
        { Sid: 'ReadOwn', Effect: 'Allow', Action: ['s3:Get*', 's3:List*'], Resource: 'arn:aws:s3:::photos/${aws:username}/*' },
        { Sid: 'WriteOwn', Effect: 'Allow', Action: 's3:PutObject', Resource: 'arn:aws:s3:::photos/${aws:username}/*' },
        { Sid: 'Team', Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::shared/*', Condition: { StringEquals: { 'aws:PrincipalTag/team': 'eng' } } },
      ]),
    },
    {
      name: 'queues-and-users',
      document: doc([
        { Effect: 'Allow', Action: 'sqs:SendMessage', Resource: `arn:aws:sqs:*:${ACCOUNT}:orders*` },
        { Effect: 'Allow', Action: 'iam:Get*', Resource: `arn:aws:iam::${ACCOUNT}:user/*` },
        { Effect: 'Allow', Action: 'ec2:Describe*', Resource: '*', Condition: { IpAddress: { 'aws:SourceIp': ['10.0.0.0/8', '192.0.2.0/24'] } } },
      ]),
    },
    {
      name: 'guardrails',
      document: doc([
        { Sid: 'NoDeletes', Effect: 'Deny', Action: ['s3:Delete*', 'iam:Delete*'], Resource: '*' },
        { Effect: 'Allow', Action: 'sts:GetCallerIdentity', Resource: '*' },
        { Effect: 'Allow', Action: 'logs:*', Resource: `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:app-*` },
      ]),
    },
  ];
  const context = { 'aws:username': 'alice', 'aws:PrincipalTag/team': 'eng', 'aws:SourceIp': '10.1.2.3', 'aws:PrincipalArn': USER };
  const requests = [
    { principal: USER, action: 's3:GetObject', resource: 'arn:aws:s3:::photos/alice/cat.jpg', context },
    { principal: USER, action: 's3:DeleteObject', resource: 'arn:aws:s3:::photos/alice/cat.jpg', context },
    { principal: USER, action: 'ec2:DescribeInstances', resource: '*', context },
    { principal: USER, action: 's3:GetObject', resource: 'arn:aws:s3:::photos/bob/dog.jpg', context },
  ];
  return { name: '(a) small identity, 3 policies / 10 statements', set: { identity }, requests };
}

const SERVICES = ['s3', 'ec2', 'iam', 'sqs', 'sns', 'dynamodb', 'lambda', 'kms', 'logs', 'cloudwatch', 'rds', 'ecr', 'ecs', 'sts', 'ssm', 'secretsmanager', 'glue', 'athena', 'kinesis', 'route53'];

/** A filler statement for a service other than the one asked about (or another action of it). */
function filler(i) {
  const service = SERVICES[i % SERVICES.length];
  const statement = {
    Effect: i % 17 === 0 ? 'Deny' : 'Allow',
    Action: [`${service}:Op${i}`, `${service}:Describe${i % 7}*`],
    Resource: `arn:aws:${service}:us-east-1:${ACCOUNT}:thing/${i}/*`,
  };
  if (i % 5 === 0) statement.Condition = { StringEquals: { 'aws:PrincipalTag/team': ['eng', 'ops'] } };
  if (i % 11 === 0) statement.Condition = { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } };
  return statement;
}

/** (b) A large identity: 10 managed policies of 50 statements each, plus a bucket policy. */
function largeWorkload() {
  const identity = [];
  for (let p = 0; p < 10; p++) {
    const statements = [];
    for (let s = 0; s < 50; s++) statements.push(filler(p * 50 + s));
    identity.push({ name: `managed-${p}`, document: doc(statements) });
  }
  // A few statements that do concern the request, spread over the policies.
  identity[3].document.Statement[7] = { Effect: 'Allow', Action: 's3:Get*', Resource: 'arn:aws:s3:::photos/*' };
  identity[8].document.Statement[21] = {
    Effect: 'Deny',
    Action: 's3:*',
    Resource: 'arn:aws:s3:::photos/private/*',
    Condition: { StringNotEquals: { 'aws:username': 'admin' } },
  };
  const resource = {
    name: 'bucket-policy',
    document: doc([
      { Sid: 'Org', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 's3:GetObject', Resource: 'arn:aws:s3:::photos/*' },
      { Sid: 'TLS', Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: ['arn:aws:s3:::photos', 'arn:aws:s3:::photos/*'], Condition: { Bool: { 'aws:SecureTransport': 'false' } } },
    ]),
  };
  const context = { 'aws:username': 'alice', 'aws:PrincipalTag/team': 'eng', 'aws:SourceIp': '10.1.2.3', 'aws:SecureTransport': 'true', 'aws:PrincipalArn': USER };
  const requests = [
    { principal: USER, action: 's3:GetObject', resource: 'arn:aws:s3:::photos/alice/cat.jpg', context },
    { principal: USER, action: 's3:GetObject', resource: 'arn:aws:s3:::photos/private/x.jpg', context },
  ];
  return { name: '(b) large identity, 10 × 50 statements + resource policy', set: { identity, resource }, requests };
}

/** (c) n statements, in policies of 50 (the managed-policy size quota), two of them about the request. */
function scalingWorkload(n) {
  const statements = [];
  for (let i = 0; i < n; i++) statements.push(filler(i + 1000));
  statements[0] = { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::photos/*' };
  statements[Math.floor(n / 2)] = { Effect: 'Deny', Action: 's3:GetObject', Resource: 'arn:aws:s3:::photos/private/*' };
  const identity = [];
  for (let i = 0; i < n; i += 50) identity.push({ name: `policy-${i / 50}`, document: doc(statements.slice(i, i + 50)) });
  const context = { 'aws:username': 'alice', 'aws:PrincipalTag/team': 'eng', 'aws:SourceIp': '10.1.2.3', 'aws:PrincipalArn': USER };
  const requests = [{ principal: USER, action: 's3:GetObject', resource: 'arn:aws:s3:::photos/alice/cat.jpg', context }];
  return { name: `(c) ${n} statements, few relevant`, set: { identity }, requests };
}

// ---------------------------------------------------------------------------------------------
// Measuring.

/** Our engine: compile once, then many batches of evaluate calls. */
function measureOurs(workload, { warmup, batches, batchSize }) {
  const compiled = compile({
    identity: workload.set.identity.map((p) => ({ name: p.name, document: JSON.stringify(p.document) })),
    ...(workload.set.resource && { resource: { name: workload.set.resource.name, document: JSON.stringify(workload.set.resource.document) } }),
  });
  const requests = workload.requests;
  const r = requests.length;
  let sink = 0;
  for (let i = 0; i < warmup; i++) sink += evaluate(requests[i % r], compiled).matched.length;
  const samples = new Float64Array(batches);
  let total = 0n;
  for (let b = 0; b < batches; b++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < batchSize; i++) sink += evaluate(requests[i % r], compiled).matched.length;
    const elapsed = process.hrtime.bigint() - start;
    total += elapsed;
    samples[b] = Number(elapsed) / batchSize;
  }
  const calls = batches * batchSize;
  return {
    perSecond: calls / (Number(total) / 1e9),
    ...percentiles(samples),
    decisions: requests.map((q) => evaluate(q, compiled).decision),
    sink,
  };
}

const PEER_DECISION = { Allowed: 'Allow', ExplicitlyDenied: 'ExplicitDeny', ImplicitlyDenied: 'ImplicitDeny' };

function peerSimulation(workload, request) {
  const context = {};
  for (const [k, v] of Object.entries(request.context)) context[k] = Array.isArray(v) ? v : String(v);
  return {
    request: { principal: request.principal, action: request.action, resource: { resource: request.resource, accountId: ACCOUNT }, contextVariables: context },
    identityPolicies: workload.set.identity.map((p) => ({ name: p.name, policy: p.document })),
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    ...(workload.set.resource && { resourcePolicy: workload.set.resource.document }),
  };
}

/** iam-simulate: its normal API per call, each call timed. */
async function measurePeer(workload, { warmup, iterations }) {
  const r = workload.requests.length;
  const decisions = [];
  for (const request of workload.requests) {
    const result = await runSimulation(peerSimulation(workload, request), {});
    if (result.resultType === 'error') throw new Error(`iam-simulate rejected ${workload.name}: ${JSON.stringify(result.errors).slice(0, 400)}`);
    decisions.push(PEER_DECISION[result.overallResult]);
  }
  for (let i = 0; i < warmup; i++) await runSimulation(peerSimulation(workload, workload.requests[i % r]), {});
  const samples = new Float64Array(iterations);
  let total = 0;
  for (let i = 0; i < iterations; i++) {
    // The simulation object is built outside the timing, as a caller would already hold it.
    const simulation = peerSimulation(workload, workload.requests[i % r]);
    const start = process.hrtime.bigint();
    await runSimulation(simulation, {});
    const ns = Number(process.hrtime.bigint() - start);
    samples[i] = ns;
    total += ns;
  }
  return { perSecond: iterations / (total / 1e9), ...percentiles(samples), decisions };
}

function percentiles(samples) {
  const sorted = Float64Array.from(samples).sort();
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return { p50: at(0.5), p99: at(0.99) };
}

// ---------------------------------------------------------------------------------------------
// Printing.

function rate(perSecond) {
  if (perSecond >= 1e6) return `${(perSecond / 1e6).toFixed(2)} M/s`;
  if (perSecond >= 1e3) return `${(perSecond / 1e3).toFixed(1)} k/s`;
  return `${perSecond.toFixed(1)} /s`;
}

function duration(ns) {
  if (ns >= 1e6) return `${(ns / 1e6).toFixed(2)} ms`;
  if (ns >= 1e3) return `${(ns / 1e3).toFixed(2)} µs`;
  return `${ns.toFixed(0)} ns`;
}

function row(cells, widths) {
  return cells.map((c, i) => String(c).padEnd(widths[i] ?? 10)).join('  ');
}

const WIDTHS = [58, 11, 10, 10, 10, 10, 10, 9, 22];

function printHeader() {
  console.log(row(['workload', 'ours', 'p50', 'p99', 'peer', 'p50', 'p99', 'ours/peer', 'target'], WIDTHS));
  console.log('-'.repeat(WIDTHS.reduce((a, b) => a + b + 2, 0)));
}

function printRow(name, ours, peer, target) {
  const ratio = peer ? `${(ours.perSecond / peer.perSecond).toFixed(0)}×` : '-';
  console.log(
    row(
      [
        name,
        rate(ours.perSecond),
        duration(ours.p50),
        duration(ours.p99),
        peer ? rate(peer.perSecond) : '-',
        peer ? duration(peer.p50) : '-',
        peer ? duration(peer.p99) : '-',
        ratio,
        target,
      ],
      WIDTHS,
    ),
  );
  if (peer && ours.decisions.join() !== peer.decisions.join()) {
    console.log(`  ! decisions differ: ours ${ours.decisions.join(',')}; peer ${peer.decisions.join(',')}`);
  }
}

const scale = QUICK ? 0.1 : 1;
const oursRun = (batches, batchSize) => ({ warmup: Math.ceil(200_000 * scale), batches: Math.ceil(batches * scale), batchSize });

console.log(`policy evaluation — node ${process.version}, one core; ours: decisions/s over all batches, p50/p99 of per-batch mean latency; peer: per-call timings`);
console.log();
printHeader();

const small = smallWorkload();
const smallOurs = measureOurs(small, oursRun(2000, 1000));
const smallPeer = await measurePeer(small, { warmup: 50, iterations: Math.ceil(1000 * scale) });
printRow(small.name, smallOurs, smallPeer, `≥ 2,000,000/s ${smallOurs.perSecond >= 2e6 ? 'met' : 'MISSED'}`);

const large = largeWorkload();
const largeOurs = measureOurs(large, oursRun(1000, 500));
const largePeer = await measurePeer(large, { warmup: 10, iterations: Math.ceil(200 * scale) });
printRow(large.name, largeOurs, largePeer, `≥ 300,000/s ${largeOurs.perSecond >= 3e5 ? 'met' : 'MISSED'}`);

const scaling = [];
for (const n of [10, 100, 1000, 10_000]) {
  const w = scalingWorkload(n);
  const ours = measureOurs(w, oursRun(1000, 500));
  const peerIterations = Math.max(3, Math.ceil((n >= 10_000 ? 10 : n >= 1000 ? 40 : 300) * scale));
  const peer = await measurePeer(w, { warmup: n >= 10_000 ? 1 : 5, iterations: peerIterations });
  scaling.push({ n, ours, peer });
  printRow(w.name, ours, peer, '');
}

const first = scaling[0];
const last = scaling[scaling.length - 1];
const ourRatio = first.ours.perSecond / last.ours.perSecond;
const peerRatio = first.peer.perSecond / last.peer.perSecond;
console.log();
console.log(
  `(c) cost of 10,000 statements vs 10: ours ${ourRatio.toFixed(2)}× (target ≤ 3× ${ourRatio <= 3 ? 'met' : 'MISSED'}), iam-simulate ${peerRatio.toFixed(0)}×`,
);
