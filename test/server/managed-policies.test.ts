/** Managed policies and their versions through the real SDK, on SQLite and PostgreSQL. */
import {
  AttachUserPolicyCommand,
  CreatePolicyCommand,
  CreatePolicyVersionCommand,
  CreateUserCommand,
  DeletePolicyCommand,
  DeletePolicyVersionCommand,
  DetachUserPolicyCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  ListPoliciesCommand,
  ListPolicyTagsCommand,
  ListPolicyVersionsCommand,
  SetDefaultPolicyVersionCommand,
  TagPolicyCommand,
  UntagPolicyCommand,
} from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, failure, startTestServer, type TestServer } from '../helpers/server.js';

/** An identity policy allowing one action. */
const allow = (action: string) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: action, Resource: '*' }] });

/** A valid document with exactly `size` characters that are not white space, padded with white space. */
function sized(size: number): string {
  const head = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::';
  const tail = '"}]}';
  return `${head}${'a'.repeat(size - head.length - tail.length)}${tail}\n${' '.repeat(500)}\n`;
}

describe.each(BACKENDS)('managed policies on %s', (backend) => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer(backend);
  });
  afterAll(async () => {
    await t?.close();
  });

  const create = async (name: string, extra: { Path?: string; document?: string } = {}) =>
    (await t.iam.send(new CreatePolicyCommand({ PolicyName: name, PolicyDocument: extra.document ?? allow('s3:GetObject'), ...(extra.Path && { Path: extra.Path }) }))).Policy!;

  it('creates a policy with a path, description and tags, and reads it back', async () => {
    const created = await t.iam.send(
      new CreatePolicyCommand({ PolicyName: 'ReadBuckets', Path: '/team/', Description: 'read', PolicyDocument: allow('s3:Get*'), Tags: [{ Key: 'env', Value: 'dev' }] }),
    );
    expect(created.Policy).toMatchObject({ PolicyName: 'ReadBuckets', Arn: `arn:aws:iam::${t.accountId}:policy/team/ReadBuckets`, DefaultVersionId: 'v1', AttachmentCount: 0, IsAttachable: true });
    expect(created.Policy?.PolicyId).toMatch(/^ANPA/);
    const got = await t.iam.send(new GetPolicyCommand({ PolicyArn: created.Policy!.Arn }));
    expect(got.Policy).toMatchObject({ Description: 'read', Path: '/team/', PermissionsBoundaryUsageCount: 0, Tags: [{ Key: 'env', Value: 'dev' }] });
    expect(got.Policy?.UpdateDate).toBeInstanceOf(Date);
  });

  it('refuses a second policy whose name differs only in case, even under another path', async () => {
    await create('Unique');
    const error = await failure(t.iam.send(new CreatePolicyCommand({ PolicyName: 'UNIQUE', Path: '/other/', PolicyDocument: allow('s3:GetObject') })));
    expect(error).toMatchObject({ name: 'EntityAlreadyExists', status: 409, message: 'A policy called UNIQUE already exists. Duplicate names are not allowed.' });
  });

  it('answers MalformedPolicyDocument for a bad document and for a Principal in an identity policy', async () => {
    const bad = await failure(t.iam.send(new CreatePolicyCommand({ PolicyName: 'Bad', PolicyDocument: '{"Version":"2012-10-17","Statement":[' })));
    expect(bad).toMatchObject({ name: 'MalformedPolicyDocument', status: 400 });
    const principal = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:*', Resource: '*' }] });
    expect((await failure(t.iam.send(new CreatePolicyCommand({ PolicyName: 'Bad', PolicyDocument: principal })))).name).toBe('MalformedPolicyDocument');
  });

  it('accepts a document of exactly 6144 characters besides white space, and refuses 6145 with LimitExceeded', async () => {
    expect(sized(6144).length).toBeGreaterThan(6144);
    await create('AtLimit', { document: sized(6144) });
    const error = await failure(t.iam.send(new CreatePolicyCommand({ PolicyName: 'OverLimit', PolicyDocument: sized(6145) })));
    expect(error).toMatchObject({ name: 'LimitExceeded', status: 409 });
  });

  it('creates versions, returns documents URL-encoded, moves the default, and never reuses an id', async () => {
    const policy = await create('Versioned');
    const v2 = await t.iam.send(new CreatePolicyVersionCommand({ PolicyArn: policy.Arn, PolicyDocument: allow('s3:PutObject'), SetAsDefault: true }));
    expect(v2.PolicyVersion).toMatchObject({ VersionId: 'v2', IsDefaultVersion: true });
    const got = await t.iam.send(new GetPolicyVersionCommand({ PolicyArn: policy.Arn, VersionId: 'v2' }));
    expect(got.PolicyVersion?.Document).toBe(encodeURIComponent(allow('s3:PutObject')));
    expect(JSON.parse(decodeURIComponent(got.PolicyVersion!.Document!))).toEqual(JSON.parse(allow('s3:PutObject')));
    expect((await t.iam.send(new GetPolicyCommand({ PolicyArn: policy.Arn }))).Policy?.DefaultVersionId).toBe('v2');

    await t.iam.send(new SetDefaultPolicyVersionCommand({ PolicyArn: policy.Arn, VersionId: 'v1' }));
    await t.iam.send(new DeletePolicyVersionCommand({ PolicyArn: policy.Arn, VersionId: 'v2' }));
    const v3 = await t.iam.send(new CreatePolicyVersionCommand({ PolicyArn: policy.Arn, PolicyDocument: allow('s3:ListBucket') }));
    expect(v3.PolicyVersion).toMatchObject({ VersionId: 'v3', IsDefaultVersion: false });
    const listed = await t.iam.send(new ListPolicyVersionsCommand({ PolicyArn: policy.Arn }));
    expect(listed.Versions?.map((v) => [v.VersionId, v.IsDefaultVersion])).toEqual([['v3', false], ['v1', true]]);
    const paged = await t.iam.send(new ListPolicyVersionsCommand({ PolicyArn: policy.Arn, MaxItems: 1 }));
    expect(paged.IsTruncated).toBe(true);
    const rest = await t.iam.send(new ListPolicyVersionsCommand({ PolicyArn: policy.Arn, Marker: paged.Marker }));
    expect(rest.Versions?.map((v) => v.VersionId)).toEqual(['v1']);
  });

  it('refuses to delete the default version, and answers NoSuchEntity for a missing one', async () => {
    const policy = await create('DefaultKept');
    const error = await failure(t.iam.send(new DeletePolicyVersionCommand({ PolicyArn: policy.Arn, VersionId: 'v1' })));
    expect(error).toMatchObject({ name: 'DeleteConflict', status: 409 });
    expect((await failure(t.iam.send(new GetPolicyVersionCommand({ PolicyArn: policy.Arn, VersionId: 'v9' })))).name).toBe('NoSuchEntity');
    expect((await failure(t.iam.send(new SetDefaultPolicyVersionCommand({ PolicyArn: policy.Arn, VersionId: 'v9' })))).name).toBe('NoSuchEntity');
  });

  it('keeps at most five versions, with AWS message', async () => {
    const policy = await create('Five');
    for (let i = 0; i < 4; i++) await t.iam.send(new CreatePolicyVersionCommand({ PolicyArn: policy.Arn, PolicyDocument: allow(`s3:Get${i}`) }));
    const error = await failure(t.iam.send(new CreatePolicyVersionCommand({ PolicyArn: policy.Arn, PolicyDocument: allow('s3:GetSixth') })));
    expect(error).toMatchObject({
      name: 'LimitExceeded',
      status: 409,
      message: 'A managed policy can have up to 5 versions. Before you create a new version, you must delete an existing version.',
    });
  });

  it('lets exactly one of 10 concurrent CreatePolicyVersion calls on a policy with 4 versions succeed', async () => {
    const policy = await create('Racy');
    for (let i = 0; i < 3; i++) await t.iam.send(new CreatePolicyVersionCommand({ PolicyArn: policy.Arn, PolicyDocument: allow(`s3:Get${i}`) }));
    const outcomes = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) => t.iam.send(new CreatePolicyVersionCommand({ PolicyArn: policy.Arn, PolicyDocument: allow(`s3:Put${i}`), SetAsDefault: true }))),
    );
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    for (const o of outcomes) if (o.status === 'rejected') expect((o.reason as { Code?: string }).Code).toBe('LimitExceeded');
    const versions = (await t.iam.send(new ListPolicyVersionsCommand({ PolicyArn: policy.Arn }))).Versions ?? [];
    expect(versions.map((v) => v.VersionId).sort()).toEqual(['v1', 'v2', 'v3', 'v4', 'v5']);
    expect(versions.filter((v) => v.IsDefaultVersion)).toHaveLength(1);
  });

  it('refuses to delete a policy with other versions or while attached, then deletes it', async () => {
    const policy = await create('Doomed');
    await t.iam.send(new CreatePolicyVersionCommand({ PolicyArn: policy.Arn, PolicyDocument: allow('s3:PutObject') }));
    const versions = await failure(t.iam.send(new DeletePolicyCommand({ PolicyArn: policy.Arn })));
    expect(versions).toMatchObject({ name: 'DeleteConflict', status: 409, message: expect.stringContaining('more than one version') });
    await t.iam.send(new DeletePolicyVersionCommand({ PolicyArn: policy.Arn, VersionId: 'v2' }));
    await t.iam.send(new CreateUserCommand({ UserName: 'holder' }));
    await t.iam.send(new AttachUserPolicyCommand({ UserName: 'holder', PolicyArn: policy.Arn }));
    expect((await t.iam.send(new GetPolicyCommand({ PolicyArn: policy.Arn }))).Policy?.AttachmentCount).toBe(1);
    const attached = await failure(t.iam.send(new DeletePolicyCommand({ PolicyArn: policy.Arn })));
    expect(attached).toMatchObject({ name: 'DeleteConflict', message: 'Cannot delete a policy attached to entities.' });
    await t.iam.send(new DetachUserPolicyCommand({ UserName: 'holder', PolicyArn: policy.Arn }));
    await t.iam.send(new DeletePolicyCommand({ PolicyArn: policy.Arn }));
    const gone = await failure(t.iam.send(new GetPolicyCommand({ PolicyArn: policy.Arn })));
    expect(gone).toMatchObject({ name: 'NoSuchEntity', status: 404, message: `Policy ${policy.Arn} does not exist or is not attachable.` });
  });

  it('lists policies by scope, path prefix and attachment, a page at a time', async () => {
    for (const name of ['L1', 'L2', 'L3']) await create(name, { Path: '/listed/' });
    const local = await t.iam.send(new ListPoliciesCommand({ Scope: 'Local', PathPrefix: '/listed/', MaxItems: 2 }));
    expect(local.Policies?.map((p) => p.PolicyName)).toEqual(['L1', 'L2']);
    expect(local.IsTruncated).toBe(true);
    const next = await t.iam.send(new ListPoliciesCommand({ Scope: 'Local', PathPrefix: '/listed/', MaxItems: 2, Marker: local.Marker }));
    expect(next.Policies?.map((p) => p.PolicyName)).toEqual(['L3']);
    const aws = await t.iam.send(new ListPoliciesCommand({ Scope: 'AWS' }));
    expect(aws.Policies?.map((p) => p.PolicyName)).toContain('AdministratorAccess');
    expect(aws.Policies?.every((p) => p.Arn?.startsWith('arn:aws:iam::aws:policy/'))).toBe(true);
    // The bootstrap administrator holds AdministratorAccess.
    const attached = await t.iam.send(new ListPoliciesCommand({ OnlyAttached: true, Scope: 'AWS' }));
    expect(attached.Policies?.map((p) => [p.PolicyName, p.AttachmentCount])).toEqual([['AdministratorAccess', 1]]);
    const boundaries = await t.iam.send(new ListPoliciesCommand({ OnlyAttached: true, PolicyUsageFilter: 'PermissionsBoundary' }));
    expect(boundaries.Policies).toEqual([]);
  });

  // Read as the root: the authorizer takes the `aws` account of these ARNs for another account
  // (see the known-failing test below), which is not this module's doing.
  it('reads AWS-managed policies but refuses to change or delete them', async () => {
    const root = t.iamAs(t.root);
    const arn = 'arn:aws:iam::aws:policy/ReadOnlyAccess';
    expect((await root.send(new GetPolicyCommand({ PolicyArn: arn }))).Policy?.PolicyName).toBe('ReadOnlyAccess');
    expect((await root.send(new GetPolicyVersionCommand({ PolicyArn: arn, VersionId: 'v1' }))).PolicyVersion?.Document).toContain('iam%3AGet*');
    // Each call is made when its turn comes: calls made up front reject before they are awaited.
    for (const attempt of [
      () => root.send(new DeletePolicyCommand({ PolicyArn: arn })),
      () => root.send(new CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: allow('*') })),
      () => root.send(new TagPolicyCommand({ PolicyArn: arn, Tags: [{ Key: 'a', Value: 'b' }] })),
    ]) {
      expect(await failure(attempt())).toMatchObject({ name: 'AccessDenied', status: 403, message: expect.stringContaining('managed by AWS') });
    }
  });

  it('lets an administrator read AWS-managed policies', async () => {
    expect((await t.iam.send(new GetPolicyCommand({ PolicyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }))).Policy?.PolicyName).toBe('ReadOnlyAccess');
  });

  it('tags and untags a policy, and pages its tags', async () => {
    const policy = await create('Tagged');
    await t.iam.send(new TagPolicyCommand({ PolicyArn: policy.Arn, Tags: [{ Key: 'a', Value: '1' }, { Key: 'b', Value: '2' }, { Key: 'c', Value: '3' }] }));
    await t.iam.send(new UntagPolicyCommand({ PolicyArn: policy.Arn, TagKeys: ['b'] }));
    const first = await t.iam.send(new ListPolicyTagsCommand({ PolicyArn: policy.Arn, MaxItems: 1 }));
    expect(first).toMatchObject({ Tags: [{ Key: 'a', Value: '1' }], IsTruncated: true });
    const rest = await t.iam.send(new ListPolicyTagsCommand({ PolicyArn: policy.Arn, Marker: first.Marker }));
    expect(rest).toMatchObject({ Tags: [{ Key: 'c', Value: '3' }], IsTruncated: false });
  });

  it('answers NoSuchEntity for an unknown policy, and AccessDenied for one of another account', async () => {
    const unknown = await failure(t.iam.send(new GetPolicyCommand({ PolicyArn: `arn:aws:iam::${t.accountId}:policy/Nope` })));
    expect(unknown).toMatchObject({ name: 'NoSuchEntity', status: 404 });
    // No IAM policy is a resource-based policy: another account's is out of reach, as in AWS.
    const foreign = await failure(t.iam.send(new GetPolicyCommand({ PolicyArn: 'arn:aws:iam::999999999999:policy/ReadBuckets' })));
    expect(foreign).toMatchObject({ name: 'AccessDenied', status: 403 });
    expect((await failure(t.iamAs(t.root).send(new GetPolicyCommand({ PolicyArn: 'arn:aws:iam::999999999999:policy/ReadBuckets' })))).name).toBe('NoSuchEntity');
  });
});
