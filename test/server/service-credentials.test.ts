/** Service-specific credentials through the real SDK, on SQLite and PostgreSQL. */
import {
  CreateServiceSpecificCredentialCommand,
  CreateUserCommand,
  DeleteServiceSpecificCredentialCommand,
  ListServiceSpecificCredentialsCommand,
  ResetServiceSpecificCredentialCommand,
  UpdateServiceSpecificCredentialCommand,
} from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, failure, startTestServer, type TestServer } from '../helpers/server.js';

const CODECOMMIT = 'codecommit.amazonaws.com';
const KEYSPACES = 'cassandra.amazonaws.com';

describe.each(BACKENDS)('service-specific credentials on %s', (backend) => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer(backend);
    for (const name of ['git', 'quota', 'reset', 'status']) await t.iam.send(new CreateUserCommand({ UserName: name }));
  });
  afterAll(async () => {
    await t?.close();
  });

  it('creates a credential with AWS-shaped service user name and a password shown once', async () => {
    const created = await t.iam.send(new CreateServiceSpecificCredentialCommand({ UserName: 'git', ServiceName: CODECOMMIT }));
    const credential = created.ServiceSpecificCredential;
    expect(credential).toMatchObject({ UserName: 'git', ServiceName: CODECOMMIT, ServiceUserName: `git-at-${t.accountId}`, Status: 'Active' });
    expect(credential?.ServiceSpecificCredentialId).toMatch(/^ACCA[A-Z2-7]{17}$/);
    expect(credential?.ServicePassword).toMatch(/^[A-Za-z0-9+/]{44}$/);
    expect(credential?.CreateDate).toBeInstanceOf(Date);

    const listed = await t.iam.send(new ListServiceSpecificCredentialsCommand({ UserName: 'git' }));
    expect(listed.ServiceSpecificCredentials).toHaveLength(1);
    expect(listed.ServiceSpecificCredentials?.[0]).toMatchObject({ ServiceSpecificCredentialId: credential?.ServiceSpecificCredentialId, ServiceUserName: `git-at-${t.accountId}` });
    expect(JSON.stringify(listed)).not.toContain(credential?.ServicePassword);
  });

  it('refuses a service that takes no such credentials with NotSupportedService (404)', async () => {
    const error = await failure(t.iam.send(new CreateServiceSpecificCredentialCommand({ UserName: 'git', ServiceName: 's3.amazonaws.com' })));
    expect(error.status).toBe(404);
    expect(error.name).toMatch(/NotSupportedService|ServiceNotSupported/);
  });

  it('holds at most two credentials per user per service (LimitExceeded), and filters the list by service', async () => {
    await t.iam.send(new CreateServiceSpecificCredentialCommand({ UserName: 'quota', ServiceName: CODECOMMIT }));
    await t.iam.send(new CreateServiceSpecificCredentialCommand({ UserName: 'quota', ServiceName: CODECOMMIT }));
    const error = await failure(t.iam.send(new CreateServiceSpecificCredentialCommand({ UserName: 'quota', ServiceName: CODECOMMIT })));
    expect(error).toMatchObject({ name: 'LimitExceeded', status: 409 });
    await t.iam.send(new CreateServiceSpecificCredentialCommand({ UserName: 'quota', ServiceName: KEYSPACES }));
    const codecommit = await t.iam.send(new ListServiceSpecificCredentialsCommand({ UserName: 'quota', ServiceName: CODECOMMIT }));
    expect(codecommit.ServiceSpecificCredentials?.map((c) => c.ServiceName)).toEqual([CODECOMMIT, CODECOMMIT]);
    const keyspaces = await t.iam.send(new ListServiceSpecificCredentialsCommand({ UserName: 'quota', ServiceName: KEYSPACES }));
    expect(keyspaces.ServiceSpecificCredentials).toHaveLength(1);
    const all = await t.iam.send(new ListServiceSpecificCredentialsCommand({ AllUsers: true }));
    expect(new Set(all.ServiceSpecificCredentials?.map((c) => c.UserName))).toEqual(new Set(['git', 'quota']));
  });

  it('resets the password: same credential, a new password', async () => {
    const created = await t.iam.send(new CreateServiceSpecificCredentialCommand({ UserName: 'reset', ServiceName: KEYSPACES }));
    const id = created.ServiceSpecificCredential?.ServiceSpecificCredentialId;
    const reset = await t.iam.send(new ResetServiceSpecificCredentialCommand({ UserName: 'reset', ServiceSpecificCredentialId: id }));
    expect(reset.ServiceSpecificCredential?.ServiceSpecificCredentialId).toBe(id);
    expect(reset.ServiceSpecificCredential?.ServicePassword).toMatch(/^[A-Za-z0-9+/]{44}$/);
    expect(reset.ServiceSpecificCredential?.ServicePassword).not.toBe(created.ServiceSpecificCredential?.ServicePassword);
    const missing = await failure(t.iam.send(new ResetServiceSpecificCredentialCommand({ UserName: 'reset', ServiceSpecificCredentialId: 'ACCAAAAAAAAAAAAAAAAAA' })));
    expect(missing).toMatchObject({ name: 'NoSuchEntity', status: 404 });
  });

  it('deactivates and deletes a credential', async () => {
    const created = await t.iam.send(new CreateServiceSpecificCredentialCommand({ UserName: 'status', ServiceName: CODECOMMIT }));
    const id = created.ServiceSpecificCredential?.ServiceSpecificCredentialId;
    await t.iam.send(new UpdateServiceSpecificCredentialCommand({ UserName: 'status', ServiceSpecificCredentialId: id, Status: 'Inactive' }));
    const listed = await t.iam.send(new ListServiceSpecificCredentialsCommand({ UserName: 'status' }));
    expect(listed.ServiceSpecificCredentials?.map((c) => c.Status)).toEqual(['Inactive']);
    await t.iam.send(new DeleteServiceSpecificCredentialCommand({ UserName: 'status', ServiceSpecificCredentialId: id }));
    expect((await t.iam.send(new ListServiceSpecificCredentialsCommand({ UserName: 'status' }))).ServiceSpecificCredentials).toEqual([]);
    const again = await failure(t.iam.send(new DeleteServiceSpecificCredentialCommand({ UserName: 'status', ServiceSpecificCredentialId: id })));
    expect(again).toMatchObject({ name: 'NoSuchEntity', status: 404 });
  });

  it('answers NoSuchEntity for a missing user', async () => {
    const error = await failure(t.iam.send(new CreateServiceSpecificCredentialCommand({ UserName: 'ghost', ServiceName: CODECOMMIT })));
    expect(error).toMatchObject({ name: 'NoSuchEntity', status: 404 });
  });
});
