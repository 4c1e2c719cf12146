/**
 * A wall-clock step of an hour either way on the server (RELIABILITY 52). Expiry is wall time, as
 * AWS's: a session ends at its Expiration whatever the clock did meanwhile, and a signature is judged
 * against the server's time now. Ages of cached entries are not trusted across a step back.
 */
import { CreateRoleCommand, GenerateCredentialReportCommand } from '@aws-sdk/client-iam';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/shared/clock.js';
import { ChangeFeed } from '../../src/store/changes.js';
import { BACKENDS, failure, startTestServer, type TestServer } from '../helpers/server.js';
import type { Credentials } from '../helpers/server.js';

const HOUR = 3_600_000;

describe.each(BACKENDS)('a wall-clock step of an hour on %s', (backend) => {
  let t: TestServer;
  const clock = new ManualClock(Date.now());
  beforeAll(async () => {
    t = await startTestServer(backend, { clock });
    const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${t.accountId}:root` }, Action: 'sts:AssumeRole' }] });
    await t.iam.send(new CreateRoleCommand({ RoleName: 'stepper', AssumeRolePolicyDocument: trust, MaxSessionDuration: 4 * 3600 }));
  });
  afterAll(async () => {
    await t?.close();
  });

  /** An STS client whose own clock reads the server's time, or `offsetMs` away from the real one. */
  const stsAt = (credentials: Credentials, offsetMs: number) => new STSClient({ endpoint: t.url, region: 'us-east-1', credentials, maxAttempts: 1, systemClockOffset: offsetMs });
  const serverOffset = () => clock.now() - Date.now();

  async function session(durationSeconds: number): Promise<Credentials> {
    const { Credentials: c } = await stsAt(t.admin, serverOffset()).send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${t.accountId}:role/stepper`, RoleSessionName: 'step', DurationSeconds: durationSeconds }));
    return { accessKeyId: c!.AccessKeyId!, secretAccessKey: c!.SecretAccessKey!, sessionToken: c!.SessionToken! };
  }

  it('forward: a signature from before the step is RequestExpired, and a session past its end is ExpiredToken', async () => {
    const before = serverOffset();
    const short = await session(900);
    const long = await session(3 * 3600);
    clock.advance(HOUR);
    try {
      expect(await failure(stsAt(t.admin, before).send(new GetCallerIdentityCommand({})))).toMatchObject({ name: 'RequestExpired', status: 400 });
      // Signed at the server's new time: the key works, the short session has ended, the long has not.
      expect((await stsAt(t.admin, serverOffset()).send(new GetCallerIdentityCommand({}))).Account).toBe(t.accountId);
      expect(await failure(stsAt(short, serverOffset()).send(new GetCallerIdentityCommand({})))).toMatchObject({ name: 'ExpiredToken', status: 403 });
      expect((await stsAt(long, serverOffset()).send(new GetCallerIdentityCommand({}))).Arn).toContain(':assumed-role/stepper/step');
    } finally {
      clock.advance(-HOUR);
    }
  });

  it('back: a signature from the server\'s former future is not yet current, and a session issued then still runs to its end', async () => {
    const short = await session(900);
    const before = serverOffset();
    clock.advance(-HOUR);
    try {
      const error = await failure(stsAt(t.admin, before).send(new GetCallerIdentityCommand({})));
      expect(error).toMatchObject({ name: 'RequestExpired', status: 400 });
      expect(error.message).toContain('Signature not yet current');
      // Its end is wall time: an hour back, the 15-minute session has longer to run, not less.
      expect((await stsAt(short, serverOffset()).send(new GetCallerIdentityCommand({}))).Arn).toContain(':assumed-role/stepper/step');
      expect((await stsAt(t.admin, serverOffset()).send(new GetCallerIdentityCommand({}))).Account).toBe(t.accountId);
    } finally {
      clock.advance(HOUR);
    }
    // Once the clock is right again the session ends when it said it would.
    clock.advance(901_000);
    try {
      expect(await failure(stsAt(short, serverOffset()).send(new GetCallerIdentityCommand({})))).toMatchObject({ name: 'ExpiredToken', status: 403 });
    } finally {
      clock.advance(-901_000);
    }
  });

  it('a client whose clock is an hour off is put right by the Date header, as the SDKs are by AWS', async () => {
    clock.advance(HOUR);
    try {
      // The SDK's first signature is an hour late; it reads the server's time from the Date header
      // of the refusal, and its retry is signed at that time.
      const sts = new STSClient({ endpoint: t.url, region: 'us-east-1', credentials: t.admin, maxAttempts: 3 });
      const identity = await sts.send(new GetCallerIdentityCommand({}));
      expect(identity.Account).toBe(t.accountId);
      expect(Math.abs(sts.config.systemClockOffset - HOUR)).toBeLessThan(5_000);
    } finally {
      clock.advance(-HOUR);
    }
  });

  it('back: a credential report dated after the new now is made again, not kept for hours more', async () => {
    const iamNow = () => t.iamAs(t.admin);
    await iamNow().send(new GenerateCredentialReportCommand({}));
    expect((await iamNow().send(new GenerateCredentialReportCommand({}))).State).toBe('COMPLETE');
    clock.advance(-HOUR);
    try {
      // The SDK signs at the real time, which is the server's plus an hour: within no skew. Sign as the server.
      const { IAMClient } = await import('@aws-sdk/client-iam');
      const iam = new IAMClient({ endpoint: t.url, region: 'us-east-1', credentials: t.admin, maxAttempts: 1, systemClockOffset: serverOffset() });
      expect((await iam.send(new GenerateCredentialReportCommand({}))).State).toBe('STARTED');
      expect((await iam.send(new GenerateCredentialReportCommand({}))).State).toBe('COMPLETE');
    } finally {
      clock.advance(HOUR);
    }
  });
});

describe('cache ages across a step back', () => {
  it('an entry made later than now is not fresh, however short its max age', () => {
    const changes = new ChangeFeed(undefined, 5_000);
    const now = Date.now();
    const version = changes.version('111111111111');
    expect(changes.fresh('111111111111', version, now - 1_000, now)).toBe(true);
    expect(changes.fresh('111111111111', version, now + HOUR, now)).toBe(false);
    expect(changes.fresh('111111111111', version, now - 6_000, now)).toBe(false);
    expect(new ChangeFeed(undefined, Infinity).fresh('111111111111', version, now + HOUR, now)).toBe(false);
  });
});
