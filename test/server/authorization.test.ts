/** Every call is authorized by the policies the store holds: enforcement through the real SDK, on SQLite and PostgreSQL. */
import {
  AddUserToGroupCommand,
  AttachGroupPolicyCommand,
  CreateAccessKeyCommand,
  CreateGroupCommand,
  CreatePolicyCommand,
  CreateUserCommand,
  DeleteUserPolicyCommand,
  GetUserCommand,
  ListUsersCommand,
  PutUserPermissionsBoundaryCommand,
  PutUserPolicyCommand,
  type IAMClient,
} from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, failure, startTestServer, type TestServer } from '../helpers/server.js';

const policy = (effect: 'Allow' | 'Deny', action: string) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: effect, Action: action, Resource: '*' }] });

/** AWS's sentence, then the encoded explanation of the decision (STS DecodeAuthorizationMessage reads it). */
const denied = (sentence: string) => expect.stringMatching(new RegExp(`^${sentence.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\\. Encoded authorization failure message: v1\\.[\\w-]+$`));

describe.each(BACKENDS)('authorization on %s', (backend) => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer(backend);
  });
  afterAll(async () => {
    await t?.close();
  });

  /** A new user with an access key, and a client signed with it. */
  async function userClient(name: string): Promise<{ arn: string; client: IAMClient }> {
    const arn = (await t.iam.send(new CreateUserCommand({ UserName: name }))).User!.Arn!;
    const key = (await t.iam.send(new CreateAccessKeyCommand({ UserName: name }))).AccessKey!;
    return { arn, client: t.iamAs({ accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! }) };
  }

  it('denies CreateUser to a user who may only list, in AWS words, and lets it list', async () => {
    const { arn, client } = await userClient('lister');
    await t.iam.send(new PutUserPolicyCommand({ UserName: 'lister', PolicyName: 'list', PolicyDocument: policy('Allow', 'iam:List*') }));
    expect((await client.send(new ListUsersCommand({}))).Users?.map((u) => u.UserName)).toContain('lister');
    const error = await failure(client.send(new CreateUserCommand({ UserName: 'intruder' })));
    expect(error).toEqual({
      name: 'AccessDenied',
      status: 403,
      message: denied(`User: ${arn} is not authorized to perform: iam:CreateUser on resource: arn:aws:iam::${t.accountId}:user/intruder because no identity-based policy allows the iam:CreateUser action`),
    });
  });

  it('lets an explicit Deny beat an Allow', async () => {
    const { arn, client } = await userClient('denied');
    await t.iam.send(new PutUserPolicyCommand({ UserName: 'denied', PolicyName: 'all', PolicyDocument: policy('Allow', 'iam:*') }));
    await t.iam.send(new PutUserPolicyCommand({ UserName: 'denied', PolicyName: 'no-get', PolicyDocument: policy('Deny', 'iam:GetUser') }));
    await client.send(new ListUsersCommand({}));
    const error = await failure(client.send(new GetUserCommand({ UserName: 'denied' })));
    expect(error).toEqual({
      name: 'AccessDenied',
      status: 403,
      message: denied(`User: ${arn} is not authorized to perform: iam:GetUser on resource: ${arn} with an explicit deny in an identity-based policy`),
    });
  });

  it("applies a group's policies to its members", async () => {
    const { client } = await userClient('member');
    expect((await failure(client.send(new ListUsersCommand({})))).name).toBe('AccessDenied');
    const readOnly = (await t.iam.send(new CreatePolicyCommand({ PolicyName: 'ListOnly', PolicyDocument: policy('Allow', 'iam:ListUsers') }))).Policy!.Arn!;
    await t.iam.send(new CreateGroupCommand({ GroupName: 'listers' }));
    await t.iam.send(new AttachGroupPolicyCommand({ GroupName: 'listers', PolicyArn: readOnly }));
    await t.iam.send(new AddUserToGroupCommand({ GroupName: 'listers', UserName: 'member' }));
    expect((await client.send(new ListUsersCommand({}))).Users?.length).toBeGreaterThan(0);
  });

  it('caps a user with a permissions boundary', async () => {
    const { arn, client } = await userClient('capped');
    await t.iam.send(new PutUserPolicyCommand({ UserName: 'capped', PolicyName: 'all', PolicyDocument: policy('Allow', 'iam:*') }));
    const boundary = (await t.iam.send(new CreatePolicyCommand({ PolicyName: 'ListBoundary', PolicyDocument: policy('Allow', 'iam:List*') }))).Policy!.Arn!;
    await t.iam.send(new PutUserPermissionsBoundaryCommand({ UserName: 'capped', PermissionsBoundary: boundary }));
    await client.send(new ListUsersCommand({}));
    const error = await failure(client.send(new CreateUserCommand({ UserName: 'escapee' })));
    expect(error).toMatchObject({
      name: 'AccessDenied',
      message: denied(`User: ${arn} is not authorized to perform: iam:CreateUser on resource: arn:aws:iam::${t.accountId}:user/escapee because no permissions boundary allows the iam:CreateUser action`),
    });
  });

  it('takes a policy change into account on the very next call', async () => {
    const { client } = await userClient('changing');
    await t.iam.send(new PutUserPolicyCommand({ UserName: 'changing', PolicyName: 'list', PolicyDocument: policy('Allow', 'iam:ListUsers') }));
    await client.send(new ListUsersCommand({}));
    await t.iam.send(new DeleteUserPolicyCommand({ UserName: 'changing', PolicyName: 'list' }));
    expect((await failure(client.send(new ListUsersCommand({})))).name).toBe('AccessDenied');
    await t.iam.send(new PutUserPolicyCommand({ UserName: 'changing', PolicyName: 'list', PolicyDocument: policy('Allow', 'iam:ListUsers') }));
    await client.send(new ListUsersCommand({}));
  });
});
