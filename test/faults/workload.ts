/**
 * A stream of concurrent IAM writes whose acknowledged (HTTP 200) calls are recorded, and the
 * check that a store holds every acknowledged write, whole, and nothing half-written.
 */
import {
  AttachUserPolicyCommand,
  CreateAccessKeyCommand,
  CreatePolicyCommand,
  CreatePolicyVersionCommand,
  CreateUserCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetUserCommand,
  GetUserPolicyCommand,
  ListAccessKeysCommand,
  ListAttachedUserPoliciesCommand,
  ListPoliciesCommand,
  ListPolicyVersionsCommand,
  ListUsersCommand,
  PutUserPolicyCommand,
  type IAMClient,
} from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { expect } from 'vitest';
import type { Credentials } from '../helpers/server.js';
import { iamClient, outcome, stsClient } from './child.js';

/** What the server acknowledged. */
export interface Acked {
  users: Set<string>;
  inline: Map<string, string>;
  keys: { userName: string; key: Credentials }[];
  policies: Map<string, { arn: string; user: string }>;
  versions: { arn: string; versionId: string; document: string; isDefault: boolean }[];
  attached: { userName: string; arn: string }[];
  /** Calls that failed other than by the kill (must stay empty unless a test expects them). */
  refused: string[];
}

export const emptyAcked = (): Acked => ({ users: new Set(), inline: new Map(), keys: [], policies: new Map(), versions: [], attached: [], refused: [] });

const doc = (tag: string) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::${tag}/*` }] });

/**
 * Runs `workers` concurrent chains of writes (user, inline policy, key, managed policy, versions,
 * attachment) until `stopAfterAcks` calls were acknowledged; then calls `onTarget` (the kill) and
 * lets the chains stop at their next failure (or, with keepGoing, when onTarget is done). Answers
 * the number of acknowledged calls once every chain stopped.
 */
export async function drive(options: { url: string; admin: Credentials; prefix: string; workers: number; stopAfterAcks: number; onTarget: () => Promise<void>; acked: Acked; keepGoing?: boolean; isFault: (code: string, status: number | undefined) => boolean }): Promise<number> {
  const { acked } = options;
  const iam = iamClient(options.url, options.admin);
  let acks = 0;
  let killing: Promise<void> | undefined;
  let stopped = false;
  const call = async <T>(what: string, run: () => Promise<T>): Promise<T | undefined> => {
    if (stopped) return undefined;
    try {
      const result = await run();
      acks++;
      // With keepGoing the chains run on through the faults, and stop once onTarget is done.
      if (acks >= options.stopAfterAcks && killing === undefined) killing = options.onTarget().finally(() => void (options.keepGoing && (stopped = true)));
      return result;
    } catch (error) {
      const { code, status } = outcome(error);
      if (!options.isFault(code, status)) acked.refused.push(`${what}: ${code} ${String(status)}`);
      if (killing !== undefined && !options.keepGoing) stopped = true;
      return undefined;
    }
  };
  const chain = async (worker: number) => {
    for (let j = 0; !stopped; j++) {
      const user = `${options.prefix}-w${worker}-${j}`;
      if (!(await call('CreateUser', () => iam.send(new CreateUserCommand({ UserName: user }))))) continue;
      acked.users.add(user);
      const inline = doc(`inline-${user}`);
      if (await call('PutUserPolicy', () => iam.send(new PutUserPolicyCommand({ UserName: user, PolicyName: 'inline', PolicyDocument: inline })))) acked.inline.set(user, inline);
      const key = await call('CreateAccessKey', () => iam.send(new CreateAccessKeyCommand({ UserName: user })));
      if (key?.AccessKey) acked.keys.push({ userName: user, key: { accessKeyId: key.AccessKey.AccessKeyId!, secretAccessKey: key.AccessKey.SecretAccessKey! } });
      const policy = await call('CreatePolicy', () => iam.send(new CreatePolicyCommand({ PolicyName: `p-${user}`, PolicyDocument: doc(`p-${user}-v1`) })));
      const arn = policy?.Policy?.Arn;
      if (arn === undefined) continue;
      acked.policies.set(arn, { arn, user });
      acked.versions.push({ arn, versionId: 'v1', document: doc(`p-${user}-v1`), isDefault: true });
      // Four more versions reach the quota of five; each second one becomes the default.
      for (let v = 2; v <= 5 && !stopped; v++) {
        const document = doc(`p-${user}-v${v}`);
        const made = await call('CreatePolicyVersion', () => iam.send(new CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: document, SetAsDefault: v % 2 === 0 })));
        if (made?.PolicyVersion) acked.versions.push({ arn, versionId: made.PolicyVersion.VersionId!, document, isDefault: v % 2 === 0 });
      }
      if (await call('AttachUserPolicy', () => iam.send(new AttachUserPolicyCommand({ UserName: user, PolicyArn: arn })))) acked.attached.push({ userName: user, arn });
    }
  };
  await Promise.all(Array.from({ length: options.workers }, (_, i) => chain(i)));
  await killing;
  iam.destroy();
  return acks;
}

const versionNumber = (id: string) => Number(id.slice(1));

/** Every acknowledged write is there and whole; no policy anywhere is half-written. */
export async function verify(url: string, admin: Credentials, acked: Acked): Promise<void> {
  const iam = iamClient(url, admin);
  try {
    for (const user of acked.users) await iam.send(new GetUserCommand({ UserName: user }));
    for (const [user, document] of acked.inline) {
      const got = await iam.send(new GetUserPolicyCommand({ UserName: user, PolicyName: 'inline' }));
      expect(JSON.parse(decodeURIComponent(got.PolicyDocument!)), user).toEqual(JSON.parse(document));
    }
    for (const { userName, key } of acked.keys) {
      const listed = await iam.send(new ListAccessKeysCommand({ UserName: userName }));
      expect(listed.AccessKeyMetadata!.map((k) => k.AccessKeyId)).toContain(key.accessKeyId);
      // RELIABILITY 53: a key handed out was committed, with the secret handed out.
      const sts = stsClient(url, key);
      const who = await sts.send(new GetCallerIdentityCommand({}));
      sts.destroy();
      expect(who.Arn).toMatch(new RegExp(`:user/${userName}$`));
    }
    for (const { userName, arn } of acked.attached) {
      const attached = await iam.send(new ListAttachedUserPoliciesCommand({ UserName: userName }));
      expect(attached.AttachedPolicies!.map((p) => p.PolicyArn)).toContain(arn);
    }
    for (const { arn, versionId, document } of acked.versions) {
      const got = await iam.send(new GetPolicyVersionCommand({ PolicyArn: arn, VersionId: versionId }));
      expect(JSON.parse(decodeURIComponent(got.PolicyVersion!.Document!))).toEqual(JSON.parse(document));
    }
    // Defaults only move forward: the default is at least the last acknowledged default.
    for (const { arn } of acked.policies.values()) {
      const policy = (await iam.send(new GetPolicyCommand({ PolicyArn: arn }))).Policy!;
      const lastDefault = Math.max(...acked.versions.filter((v) => v.arn === arn && v.isDefault).map((v) => versionNumber(v.versionId)));
      expect(versionNumber(policy.DefaultVersionId!), arn).toBeGreaterThanOrEqual(lastDefault);
    }
    // Everything in the store, acknowledged or not: whole policies, quotas kept.
    const policies = (await iam.send(new ListPoliciesCommand({ Scope: 'Local', MaxItems: 1000 }))).Policies!;
    for (const policy of policies) {
      const versions = (await iam.send(new ListPolicyVersionsCommand({ PolicyArn: policy.Arn! }))).Versions!;
      expect(versions.length, policy.Arn).toBeGreaterThanOrEqual(1);
      expect(versions.length, policy.Arn).toBeLessThanOrEqual(5);
      expect(versions.filter((v) => v.IsDefaultVersion).map((v) => v.VersionId), policy.Arn).toEqual([policy.DefaultVersionId]);
    }
    const users = (await iam.send(new ListUsersCommand({ MaxItems: 1000 }))).Users!;
    for (const user of users) {
      const keys = (await iam.send(new ListAccessKeysCommand({ UserName: user.UserName! }))).AccessKeyMetadata!;
      expect(keys.length).toBeLessThanOrEqual(2);
    }
  } finally {
    iam.destroy();
  }
}

/** SQL that finds half-written rows (answers a count each; every one must be 0). */
export const ORPHAN_QUERIES = {
  policyWithoutDefault: 'SELECT count(*) AS n FROM policies p WHERE NOT EXISTS (SELECT 1 FROM policy_versions v WHERE v.policy_id = p.id AND v.version_id = p.default_version_id)',
  tooManyVersions: 'SELECT count(*) AS n FROM (SELECT policy_id FROM policy_versions GROUP BY policy_id HAVING count(*) > 5) t',
  versionWithoutPolicy: 'SELECT count(*) AS n FROM policy_versions v WHERE NOT EXISTS (SELECT 1 FROM policies p WHERE p.id = v.policy_id)',
  keyWithoutOwner: "SELECT count(*) AS n FROM access_keys k WHERE k.owner_type = 'user' AND NOT EXISTS (SELECT 1 FROM users u WHERE u.id = k.owner_id)",
} as const;

export type Iam = IAMClient;
