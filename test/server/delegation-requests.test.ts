/** Delegation requests and GetDelegatedAccessToken through the real SDK, on SQLite and PostgreSQL. */
import {
  AcceptDelegationRequestCommand,
  AssociateDelegationRequestCommand,
  CreateDelegationRequestCommand,
  CreatePolicyCommand,
  CreateUserCommand,
  GetDelegationRequestCommand,
  GetHumanReadableSummaryCommand,
  GetUserCommand,
  ListDelegationRequestsCommand,
  ListUsersCommand,
  RejectDelegationRequestCommand,
  SendDelegationTokenCommand,
  UpdateDelegationRequestCommand,
} from '@aws-sdk/client-iam';
import { GetDelegatedAccessTokenCommand } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onDelegationToken, type DelegationTokenNotification } from '../../src/iam/delegation-requests.js';
import { BACKENDS, createSecondAccount, failure, startTestServer, type SecondAccount, type TestServer } from '../helpers/server.js';

const TEMPLATE = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Action: 'iam:ListUsers', Resource: '*' },
    { Effect: 'Allow', Action: ['iam:GetUser', 'iam:ListUserTags'], Resource: 'arn:aws:iam::{{OwnerAccount}}:user/*' },
    { Effect: 'Deny', Action: 'iam:DeleteUser', Resource: '*', Condition: { StringEquals: { 'aws:RequestedRegion': 'us-east-1' } } },
  ],
});

describe.each(BACKENDS)('delegation requests on %s', (backend) => {
  let t: TestServer;
  let partner: SecondAccount;
  let templateArn: string;
  const sent: DelegationTokenNotification[] = [];
  let stopListening: () => void = () => undefined;

  beforeAll(async () => {
    t = await startTestServer(backend);
    partner = await createSecondAccount(t);
    const created = await partner.iam.send(new CreatePolicyCommand({ PolicyName: 'read-users-template', PolicyDocument: TEMPLATE }));
    templateArn = created.Policy?.Arn ?? '';
    stopListening = onDelegationToken((notification) => sent.push(notification));
  });
  afterAll(async () => {
    stopListening();
    await t?.close();
  });

  /** The partner asks the first account for the template's permissions. */
  async function request(options: { owner?: string; duration?: number } = {}): Promise<string> {
    const created = await partner.iam.send(
      new CreateDelegationRequestCommand({
        ...(options.owner !== undefined && { OwnerAccountId: options.owner }),
        Description: 'Read the users of the account',
        Permissions: { PolicyTemplateArn: templateArn, Parameters: [{ Name: 'OwnerAccount', Values: [t.accountId], Type: 'string' }] },
        RequestorWorkflowId: 'workflow-1',
        NotificationChannel: 'arn:aws:sns:us-east-1:123456789012:partner-topic',
        SessionDuration: options.duration ?? 900,
      }),
    );
    expect(created.DelegationRequestId).toMatch(/^[\w-]{16,128}$/);
    return created.DelegationRequestId ?? '';
  }

  const get = async (id: string) => (await t.iam.send(new GetDelegationRequestCommand({ DelegationRequestId: id }))).DelegationRequest;

  it('walks a request from creation to delegated credentials that carry only its permissions', async () => {
    const id = await request({ owner: t.accountId });
    const created = await get(id);
    expect(created).toMatchObject({ State: 'UNASSIGNED', OwnerAccountId: t.accountId, RequestorId: partner.accountId, SessionDuration: 900, Description: 'Read the users of the account' });
    expect(created?.PermissionPolicy).toContain(`arn:aws:iam::${t.accountId}:user/*`);
    expect(created?.ExpirationTime).toBeInstanceOf(Date);

    await t.iam.send(new AssociateDelegationRequestCommand({ DelegationRequestId: id }));
    expect(await get(id)).toMatchObject({ State: 'ASSIGNED', OwnerId: `arn:aws:iam::${t.accountId}:user/admin` });

    await t.iam.send(new AcceptDelegationRequestCommand({ DelegationRequestId: id }));
    expect(await get(id)).toMatchObject({ State: 'ACCEPTED', ApproverId: `arn:aws:iam::${t.accountId}:user/admin` });

    await t.iam.send(new SendDelegationTokenCommand({ DelegationRequestId: id }));
    expect((await get(id))?.State).toBe('FINALIZED');
    const notification = sent.find((n) => n.delegationRequestId === id);
    expect(notification).toMatchObject({ notificationChannel: 'arn:aws:sns:us-east-1:123456789012:partner-topic', requestorAccountId: partner.accountId });

    const token = await partner.sts.send(new GetDelegatedAccessTokenCommand({ TradeInToken: notification?.tradeInToken ?? '' }));
    expect(token.AssumedPrincipal).toBe(`arn:aws:sts::${t.accountId}:federated-user/${id.slice(0, 32)}`);
    expect(token.Credentials?.AccessKeyId).toMatch(/^ASIA/);
    const credentials = { accessKeyId: token.Credentials?.AccessKeyId ?? '', secretAccessKey: token.Credentials?.SecretAccessKey ?? '', sessionToken: token.Credentials?.SessionToken ?? '' };
    const delegated = t.iamAs(credentials);
    const users = await delegated.send(new ListUsersCommand({}));
    expect(users.Users?.map((u) => u.UserName)).toContain('admin');
    expect((await delegated.send(new GetUserCommand({ UserName: 'admin' }))).User?.Arn).toBe(`arn:aws:iam::${t.accountId}:user/admin`);
    // The administrator could; the delegated session cannot: the request's policy narrows it.
    expect(await failure(delegated.send(new CreateUserCommand({ UserName: 'intruder' })))).toMatchObject({ name: 'AccessDenied', status: 403 });

    // A token buys credentials once.
    expect(await failure(partner.sts.send(new GetDelegatedAccessTokenCommand({ TradeInToken: notification?.tradeInToken ?? '' })))).toMatchObject({ name: 'ExpiredTradeInTokenException', status: 400 });
    // A finalized request cannot be rolled back nor sent again.
    expect(await failure(t.iam.send(new RejectDelegationRequestCommand({ DelegationRequestId: id })))).toMatchObject({ name: 'InvalidInput', status: 400 });
    expect(await failure(t.iam.send(new SendDelegationTokenCommand({ DelegationRequestId: id })))).toMatchObject({ name: 'InvalidInput', status: 400 });
  });

  it('refuses to accept a request nobody has associated, and a token nobody sent', async () => {
    const id = await request({ owner: t.accountId });
    expect(await failure(t.iam.send(new AcceptDelegationRequestCommand({ DelegationRequestId: id })))).toMatchObject({ name: 'ConcurrentModification', status: 409 });
    expect(await failure(t.iam.send(new SendDelegationTokenCommand({ DelegationRequestId: id })))).toMatchObject({ name: 'InvalidInput', status: 400 });
    expect((await get(id))?.State).toBe('UNASSIGNED');
    expect(await failure(partner.sts.send(new GetDelegatedAccessTokenCommand({ TradeInToken: 'DPdt-not-a-token' })))).toMatchObject({ name: 'ExpiredTradeInTokenException' });
  });

  it('rejects a request with a reason, after which it can be neither associated nor accepted', async () => {
    const id = await request({ owner: t.accountId });
    await t.iam.send(new AssociateDelegationRequestCommand({ DelegationRequestId: id }));
    await t.iam.send(new RejectDelegationRequestCommand({ DelegationRequestId: id, Notes: 'not this quarter' }));
    expect(await get(id)).toMatchObject({ State: 'REJECTED', RejectionReason: 'not this quarter' });
    expect(await failure(t.iam.send(new AssociateDelegationRequestCommand({ DelegationRequestId: id })))).toMatchObject({ name: 'InvalidInput', status: 400 });
    expect(await failure(t.iam.send(new AcceptDelegationRequestCommand({ DelegationRequestId: id })))).toMatchObject({ name: 'ConcurrentModification', status: 409 });
  });

  it('sends an assigned request for approval with notes, and an accepted one may still be rejected before its token is sent', async () => {
    const id = await request({ owner: t.accountId });
    expect(await failure(t.iam.send(new UpdateDelegationRequestCommand({ DelegationRequestId: id, Notes: 'please' })))).toMatchObject({ name: 'InvalidInput' });
    await t.iam.send(new AssociateDelegationRequestCommand({ DelegationRequestId: id }));
    await t.iam.send(new UpdateDelegationRequestCommand({ DelegationRequestId: id, Notes: 'needs the security team' }));
    expect(await get(id)).toMatchObject({ State: 'PENDING_APPROVAL', Notes: 'needs the security team' });
    await t.iam.send(new AcceptDelegationRequestCommand({ DelegationRequestId: id }));
    await t.iam.send(new RejectDelegationRequestCommand({ DelegationRequestId: id }));
    expect((await get(id))?.State).toBe('REJECTED');
  });

  it('lets only the named owner account act on a request, while an unnamed one goes to whoever associates it', async () => {
    const named = await request({ owner: t.accountId });
    expect(await failure(partner.iam.send(new AssociateDelegationRequestCommand({ DelegationRequestId: named })))).toMatchObject({ name: 'NoSuchEntity', status: 404 });
    expect(await failure(partner.iam.send(new AcceptDelegationRequestCommand({ DelegationRequestId: named })))).toMatchObject({ name: 'NoSuchEntity', status: 404 });
    const open = await request();
    await t.iam.send(new AssociateDelegationRequestCommand({ DelegationRequestId: open }));
    expect(await get(open)).toMatchObject({ State: 'ASSIGNED', OwnerAccountId: t.accountId });
    expect(await failure(t.iam.send(new GetDelegationRequestCommand({ DelegationRequestId: 'dr-0000000000000000' })))).toMatchObject({ name: 'NoSuchEntity', status: 404 });
  });

  it('lists the requests of the account, filtered by owner and paged', async () => {
    const listed = await t.iam.send(new ListDelegationRequestsCommand({ OwnerId: `arn:aws:iam::${t.accountId}:user/admin` }));
    expect(listed.DelegationRequests?.length).toBeGreaterThan(0);
    expect(listed.DelegationRequests?.every((r) => r.OwnerId === `arn:aws:iam::${t.accountId}:user/admin`)).toBe(true);
    const first = await t.iam.send(new ListDelegationRequestsCommand({ MaxItems: 1 }));
    expect(first.DelegationRequests).toHaveLength(1);
    expect(first.isTruncated).toBe(true);
    const second = await t.iam.send(new ListDelegationRequestsCommand({ MaxItems: 1, Marker: first.Marker }));
    expect(second.DelegationRequests?.[0]?.DelegationRequestId).not.toBe(first.DelegationRequests?.[0]?.DelegationRequestId);
  });

  it('summarizes a request from its policy, statement by statement', async () => {
    const id = await request({ owner: t.accountId, duration: 5400 });
    const summary = await t.iam.send(new GetHumanReadableSummaryCommand({ EntityArn: `arn:aws:iam::${partner.accountId}:delegation-request/${id}` }));
    expect(summary.SummaryState).toBe('AVAILABLE');
    expect(summary.SummaryContent).toBe(
      [
        `Account ${partner.accountId} requests temporary access for up to 1 hour 30 minutes.`,
        'Allows iam:ListUsers on all resources.',
        `Allows iam:GetUser and iam:ListUserTags on arn:aws:iam::${t.accountId}:user/*.`,
        'Denies iam:DeleteUser on all resources when aws:RequestedRegion is us-east-1.',
      ].join('\n'),
    );
    expect(await failure(t.iam.send(new GetHumanReadableSummaryCommand({ EntityArn: `arn:aws:iam::${t.accountId}:user/admin` })))).toMatchObject({ name: 'InvalidInput', status: 400 });
  });
});
