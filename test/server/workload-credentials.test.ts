/** Service roles: workload tokens, and the credentials endpoint an unmodified AWS SDK reads, on SQLite and PostgreSQL. */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CreateAccessKeyCommand, CreateRoleCommand, CreateUserCommand, DeleteRoleCommand, ListUsersCommand, PutRolePolicyCommand, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, callDeployport, failure, startTestServer, xmlText, type Credentials, type TestServer } from '../helpers/server.js';

const doc = (statement: object | object[]) => JSON.stringify({ Version: '2012-10-17', Statement: statement });
const trustService = (service: string) => doc({ Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole' });

describe.each(BACKENDS)('workload credentials on %s', (backend) => {
  let t: TestServer;
  const endpoint = () => `${t.url}/v1/workload-credentials`;

  async function role(name: string, trust: string): Promise<void> {
    await t.iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: trust }));
    await t.iam.send(new PutRolePolicyCommand({ RoleName: name, PolicyName: 'read', PolicyDocument: doc({ Effect: 'Allow', Action: 'iam:ListUsers', Resource: '*' }) }));
  }

  async function token(roleName: string, servicePrincipal = 'compute.deployport.internal', as: Credentials = t.admin): Promise<{ id: string; token: string }> {
    const { status, body } = await callDeployport(t, as, 'CreateWorkloadToken', { RoleName: roleName, ServicePrincipal: servicePrincipal });
    if (status !== 200) throw new Error(`CreateWorkloadToken failed (${status}): ${body}`);
    return { id: xmlText(body, 'TokenId')!, token: xmlText(body, 'Token')! };
  }

  async function fetchCredentials(authorization?: string): Promise<{ status: number; json: Record<string, string> }> {
    const response = await fetch(endpoint(), { headers: authorization === undefined ? {} : { authorization } });
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    return { status: response.status, json: (await response.json()) as Record<string, string> };
  }

  beforeAll(async () => {
    t = await startTestServer(backend);
    await role('app', trustService('compute.deployport.internal'));
  });
  afterAll(async () => {
    await t?.close();
  });

  it('an unmodified AWS SDK gets the role\'s credentials from the endpoint with nothing but the token', async () => {
    const { id, token: secret } = await token('app');
    const home = mkdtempSync(join(tmpdir(), 'deployport-workload-'));
    try {
      const script = "const { STSClient, GetCallerIdentityCommand } = require('@aws-sdk/client-sts'); new STSClient({}).send(new GetCallerIdentityCommand({})).then((r) => console.log(r.Arn), (e) => { console.error(e); process.exit(1); });";
      const { stdout } = await promisify(execFile)(process.execPath, ['-e', script], {
        cwd: process.cwd(),
        // No other credentials anywhere: no keys in the environment, no shared files.
        env: {
          PATH: process.env['PATH'] ?? '',
          HOME: home,
          AWS_CONFIG_FILE: join(home, 'config'),
          AWS_SHARED_CREDENTIALS_FILE: join(home, 'credentials'),
          AWS_EC2_METADATA_DISABLED: 'true',
          AWS_CONTAINER_CREDENTIALS_FULL_URI: endpoint(),
          AWS_CONTAINER_AUTHORIZATION_TOKEN: secret,
          AWS_ENDPOINT_URL: t.url,
          AWS_REGION: 'us-east-1',
        },
      });
      expect(stdout.trim()).toBe(`arn:aws:sts::${t.accountId}:assumed-role/app/${id}`);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  it('answers the container credentials JSON, with fresh credentials on every call', async () => {
    const { token: secret } = await token('app');
    const first = await fetchCredentials(secret);
    expect(first.status).toBe(200);
    expect(Object.keys(first.json).sort()).toEqual(['AccessKeyId', 'Expiration', 'RoleArn', 'SecretAccessKey', 'Token']);
    expect(first.json).toMatchObject({ AccessKeyId: expect.stringMatching(/^ASIA/), RoleArn: `arn:aws:iam::${t.accountId}:role/app` });
    expect(Date.parse(first.json['Expiration']!) - Date.now()).toBeGreaterThan(3500_000);
    const second = await fetchCredentials(secret);
    expect(second.json['AccessKeyId']).not.toBe(first.json['AccessKeyId']);
    const session = { accessKeyId: first.json['AccessKeyId']!, secretAccessKey: first.json['SecretAccessKey']!, sessionToken: first.json['Token']! };
    expect((await t.iamAs(session).send(new ListUsersCommand({}))).Users).toBeDefined();
    expect(await failure(t.iamAs(session).send(new CreateUserCommand({ UserName: 'nope' })))).toMatchObject({ name: 'AccessDenied' });
  });

  it('refuses a token whose role does not trust the service principal', async () => {
    await role('people-only', doc({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${t.accountId}:root` }, Action: 'sts:AssumeRole' }));
    await role('functions-only', trustService('functions.deployport.internal'));
    for (const name of ['people-only', 'functions-only']) {
      const { token: secret } = await token(name);
      const refused = await fetchCredentials(secret);
      expect(refused.status).toBe(403);
      expect(refused.json).toEqual({ Code: 'AccessDenied', Message: `Service: compute.deployport.internal is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::${t.accountId}:role/${name}` });
    }
    const { token: functions } = await token('functions-only', 'functions.deployport.internal');
    expect((await fetchCredentials(functions)).status).toBe(200);
  });

  it('refuses an unknown token, a missing one, and a revoked one', async () => {
    expect(await fetchCredentials('dpwt-not-a-token')).toMatchObject({ status: 403, json: { Code: 'InvalidClientTokenId' } });
    expect(await fetchCredentials()).toMatchObject({ status: 403, json: { Code: 'MissingAuthenticationToken' } });
    const { id, token: secret } = await token('app');
    expect((await fetchCredentials(secret)).status).toBe(200);
    const listed = await callDeployport(t, t.admin, 'ListWorkloadTokens', { RoleName: 'app' });
    expect(listed.body).toContain(`<TokenId>${id}</TokenId>`);
    expect(listed.body).not.toContain(secret);
    expect((await callDeployport(t, t.admin, 'DeleteWorkloadToken', { TokenId: id })).status).toBe(200);
    expect(await fetchCredentials(secret)).toMatchObject({ status: 403, json: { Code: 'InvalidClientTokenId' } });
    expect(xmlText((await callDeployport(t, t.admin, 'DeleteWorkloadToken', { TokenId: id })).body, 'Code')).toBe('NoSuchEntity');
  });

  it('deleting the role revokes its tokens', async () => {
    await t.iam.send(new CreateRoleCommand({ RoleName: 'short-lived', AssumeRolePolicyDocument: trustService('compute.deployport.internal') }));
    const { token: secret } = await token('short-lived');
    expect((await fetchCredentials(secret)).status).toBe(200);
    await t.iam.send(new DeleteRoleCommand({ RoleName: 'short-lived' }));
    expect(await fetchCredentials(secret)).toMatchObject({ status: 403, json: { Code: 'InvalidClientTokenId' } });
  });

  it('CreateWorkloadToken needs iam:PassRole on the role', async () => {
    await t.iam.send(new CreateUserCommand({ UserName: 'deployer' }));
    const key = await t.iam.send(new CreateAccessKeyCommand({ UserName: 'deployer' }));
    const deployer = { accessKeyId: key.AccessKey!.AccessKeyId!, secretAccessKey: key.AccessKey!.SecretAccessKey! };
    const denied = await callDeployport(t, deployer, 'CreateWorkloadToken', { RoleName: 'app', ServicePrincipal: 'compute.deployport.internal' });
    expect(denied.status).toBe(403);
    expect(xmlText(denied.body, 'Message')).toContain(`is not authorized to perform: iam:PassRole on resource: arn:aws:iam::${t.accountId}:role/app`);
    await t.iam.send(new PutUserPolicyCommand({ UserName: 'deployer', PolicyName: 'pass', PolicyDocument: doc({ Effect: 'Allow', Action: 'iam:PassRole', Resource: `arn:aws:iam::${t.accountId}:role/app` }) }));
    expect((await token('app', 'compute.deployport.internal', deployer)).token).toMatch(/^dpwt-/);
    expect((await callDeployport(t, deployer, 'CreateWorkloadToken', { RoleName: 'people-only', ServicePrincipal: 'compute.deployport.internal' })).status).toBe(403);
  });

  it('names the service in iam:PassedToService, so a PassRole grant can be limited to one service', async () => {
    await t.iam.send(new CreateUserCommand({ UserName: 'scoped-deployer' }));
    const key = await t.iam.send(new CreateAccessKeyCommand({ UserName: 'scoped-deployer' }));
    const deployer = { accessKeyId: key.AccessKey!.AccessKeyId!, secretAccessKey: key.AccessKey!.SecretAccessKey! };
    await role('both', doc({ Effect: 'Allow', Principal: { Service: ['compute.deployport.internal', 'functions.deployport.internal'] }, Action: 'sts:AssumeRole' }));
    await t.iam.send(new PutUserPolicyCommand({ UserName: 'scoped-deployer', PolicyName: 'pass', PolicyDocument: doc({ Effect: 'Allow', Action: 'iam:PassRole', Resource: '*', Condition: { StringEquals: { 'iam:PassedToService': 'functions.deployport.internal' } } }) }));
    expect((await callDeployport(t, deployer, 'CreateWorkloadToken', { RoleName: 'both', ServicePrincipal: 'functions.deployport.internal' })).status).toBe(200);
    expect((await callDeployport(t, deployer, 'CreateWorkloadToken', { RoleName: 'both', ServicePrincipal: 'compute.deployport.internal' })).status).toBe(403);
  });

  it('accepts the configured service principals and AWS\'s, and no others', async () => {
    expect((await token('app', 'ecs-tasks.amazonaws.com')).token).toMatch(/^dpwt-/);
    const unknown = await callDeployport(t, t.admin, 'CreateWorkloadToken', { RoleName: 'app', ServicePrincipal: 'evil.example.com' });
    expect([unknown.status, xmlText(unknown.body, 'Code')]).toEqual([400, 'InvalidInput']);
    const missing = await callDeployport(t, t.admin, 'CreateWorkloadToken', { RoleName: 'ghost', ServicePrincipal: 'compute.deployport.internal' });
    expect([missing.status, xmlText(missing.body, 'Code')]).toEqual([404, 'NoSuchEntity']);
  });

  it('GetCallerIdentity with workload credentials names the session', async () => {
    const { id, token: secret } = await token('app');
    const { json } = await fetchCredentials(secret);
    const identity = await t.stsAs({ accessKeyId: json['AccessKeyId']!, secretAccessKey: json['SecretAccessKey']!, sessionToken: json['Token']! }).send(new GetCallerIdentityCommand({}));
    expect(identity.Arn).toBe(`arn:aws:sts::${t.accountId}:assumed-role/app/${id}`);
  });
});
