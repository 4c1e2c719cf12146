/** SAML federation through the real SDKs, on SQLite and PostgreSQL: SAML providers in IAM, and AssumeRoleWithSAML. */
import { createHash } from 'node:crypto';
import {
  CreateRoleCommand,
  CreateSAMLProviderCommand,
  DeleteSAMLProviderCommand,
  GetSAMLProviderCommand,
  ListSAMLProvidersCommand,
  ListSAMLProviderTagsCommand,
  PutRolePolicyCommand,
  TagSAMLProviderCommand,
  UntagSAMLProviderCommand,
  UpdateSAMLProviderCommand,
} from '@aws-sdk/client-iam';
import { AssumeRoleWithSAMLCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/shared/clock.js';
import { ATTR, base64, doc, ENTITY_ID, IDP, metadata, OTHER, response, sign, SIGN_IN, type AssertionSpec } from '../helpers/saml.js';
import { BACKENDS, failure, startTestServer, type TestServer } from '../helpers/server.js';

describe.each(BACKENDS)('SAML federation on %s', (backend) => {
  let t: TestServer;
  let anonymous: STSClient;
  const clock = new ManualClock(Date.now());
  const roleArn = (name: string) => `arn:aws:iam::${t.accountId}:role/${name}`;
  const providerArn = (name: string) => `arn:aws:iam::${t.accountId}:saml-provider/${name}`;
  const pair = (role: string, provider = 'CorpIdP') => `${roleArn(role)},${providerArn(provider)}`;
  const assume = (role: string, assertion: string, extra: { DurationSeconds?: number; PrincipalArn?: string } = {}) =>
    anonymous.send(new AssumeRoleWithSAMLCommand({ RoleArn: roleArn(role), PrincipalArn: providerArn('CorpIdP'), SAMLAssertion: assertion, ...extra }));
  /** A valid assertion for `saml-dev` as alice, signed by the IdP, with changes. */
  const signed = (spec: Partial<AssertionSpec> = {}) => base64(sign(response({ now: clock.now(), roles: [pair('saml-dev')], sessionName: 'alice', ...spec }), IDP));

  async function role(name: string, trust: object): Promise<void> {
    await t.iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: doc(trust) }));
    await t.iam.send(new PutRolePolicyCommand({ RoleName: name, PolicyName: 'read', PolicyDocument: doc({ Effect: 'Allow', Action: 'iam:ListUsers', Resource: '*' }) }));
  }

  beforeAll(async () => {
    t = await startTestServer(backend, { clock });
    // AssumeRoleWithSAML is unsigned: a client without credentials sends it as AWS CLIs do.
    anonymous = new STSClient({ endpoint: t.url, region: 'us-east-1', maxAttempts: 1 });
    await t.iam.send(new CreateSAMLProviderCommand({ Name: 'CorpIdP', SAMLMetadataDocument: metadata([IDP.cert]) }));
    const federated = { Federated: providerArn('CorpIdP') };
    await role('saml-dev', { Effect: 'Allow', Principal: federated, Action: 'sts:AssumeRoleWithSAML', Condition: { StringEquals: { 'SAML:aud': SIGN_IN } } });
    await role('saml-other', { Effect: 'Allow', Principal: federated, Action: 'sts:AssumeRoleWithSAML' });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('creates, reads, lists, updates, tags and deletes a SAML provider', async () => {
    const created = await t.iam.send(new CreateSAMLProviderCommand({ Name: 'Crud-IdP', SAMLMetadataDocument: metadata([IDP.cert], '2031-01-01T00:00:00Z'), Tags: [{ Key: 'team', Value: 'id' }] }));
    const arn = providerArn('Crud-IdP');
    expect(created).toMatchObject({ SAMLProviderArn: arn, Tags: [{ Key: 'team', Value: 'id' }] });
    const got = await t.iam.send(new GetSAMLProviderCommand({ SAMLProviderArn: arn }));
    expect(got.SAMLMetadataDocument).toBe(metadata([IDP.cert], '2031-01-01T00:00:00Z'));
    expect(got.ValidUntil?.toISOString()).toBe('2031-01-01T00:00:00.000Z');
    expect(got.CreateDate).toBeInstanceOf(Date);
    expect(got.Tags).toEqual([{ Key: 'team', Value: 'id' }]);
    expect(got.SAMLProviderUUID).toMatch(/^[A-Z2-7]{26}$/);
    const listed = await t.iam.send(new ListSAMLProvidersCommand({}));
    expect(listed.SAMLProviderList?.map((p) => p.Arn)).toEqual([providerArn('CorpIdP'), arn].sort());

    const updated = await t.iam.send(new UpdateSAMLProviderCommand({ SAMLProviderArn: arn, SAMLMetadataDocument: metadata([OTHER.cert], '2032-06-01T00:00:00Z') }));
    expect(updated.SAMLProviderArn).toBe(arn);
    const afterUpdate = await t.iam.send(new GetSAMLProviderCommand({ SAMLProviderArn: arn }));
    expect(afterUpdate.ValidUntil?.toISOString()).toBe('2032-06-01T00:00:00.000Z');
    // The provider is the same one: its UUID stays.
    expect(afterUpdate.SAMLProviderUUID).toBe(got.SAMLProviderUUID);

    await t.iam.send(new TagSAMLProviderCommand({ SAMLProviderArn: arn, Tags: [{ Key: 'env', Value: 'prod' }] }));
    await t.iam.send(new UntagSAMLProviderCommand({ SAMLProviderArn: arn, TagKeys: ['team'] }));
    expect((await t.iam.send(new ListSAMLProviderTagsCommand({ SAMLProviderArn: arn }))).Tags).toEqual([{ Key: 'env', Value: 'prod' }]);

    await t.iam.send(new DeleteSAMLProviderCommand({ SAMLProviderArn: arn }));
    expect(await failure(t.iam.send(new GetSAMLProviderCommand({ SAMLProviderArn: arn })))).toMatchObject({ name: 'NoSuchEntity', status: 404 });
    expect(await failure(t.iam.send(new DeleteSAMLProviderCommand({ SAMLProviderArn: arn })))).toMatchObject({ name: 'NoSuchEntity', status: 404 });
    // Made again under the same ARN, it is another provider, with another UUID.
    clock.advance(1000);
    await t.iam.send(new CreateSAMLProviderCommand({ Name: 'Crud-IdP', SAMLMetadataDocument: metadata([IDP.cert], '2031-01-01T00:00:00Z') }));
    expect((await t.iam.send(new GetSAMLProviderCommand({ SAMLProviderArn: arn }))).SAMLProviderUUID).not.toBe(got.SAMLProviderUUID);
    await t.iam.send(new DeleteSAMLProviderCommand({ SAMLProviderArn: arn }));
  });

  it('reports metadata without validUntil as valid for a century', async () => {
    const got = await t.iam.send(new GetSAMLProviderCommand({ SAMLProviderArn: providerArn('CorpIdP') }));
    expect(got.ValidUntil!.getTime() - got.CreateDate!.getTime()).toBeGreaterThan(99 * 365 * 24 * 3600_000);
  });

  it('refuses a name taken in another case', async () => {
    const error = await failure(t.iam.send(new CreateSAMLProviderCommand({ Name: 'corpidp', SAMLMetadataDocument: metadata([IDP.cert]) })));
    expect(error).toMatchObject({ name: 'EntityAlreadyExists', status: 409 });
  });

  it.each([
    ['not XML', 'x'.repeat(1200)],
    ['no signing certificate', metadata([]).replace('</md:IDPSSODescriptor>', `<!--${'pad '.repeat(250)}--></md:IDPSSODescriptor>`)],
    ['a certificate that is not one', metadata([IDP.cert]).replace(/<ds:X509Certificate>[^<]{40}/, '<ds:X509Certificate>' + 'A'.repeat(40))],
    ['a document type declaration', `<!DOCTYPE x [<!ENTITY e "e">]>${metadata([IDP.cert]).replace('<?xml version="1.0" encoding="UTF-8"?>', '')}`],
  ])('answers InvalidInput for metadata with %s', async (_what, document) => {
    const error = await failure(t.iam.send(new CreateSAMLProviderCommand({ Name: 'Bad', SAMLMetadataDocument: document })));
    expect(error).toMatchObject({ name: 'InvalidInput', status: 400 });
  });

  it('assumes the role with a signed assertion, and the session works', async () => {
    const assumed = await assume('saml-dev', signed());
    expect(assumed.Credentials?.AccessKeyId).toMatch(/^ASIA/);
    expect(assumed.AssumedRoleUser?.Arn).toBe(`arn:aws:sts::${t.accountId}:assumed-role/saml-dev/alice`);
    expect(assumed).toMatchObject({ Issuer: ENTITY_ID, Audience: SIGN_IN, Subject: 'alice@example.com', SubjectType: 'persistent' });
    expect(assumed.NameQualifier).toBe(createHash('sha1').update(`${ENTITY_ID}${t.accountId}/CorpIdP`).digest('base64'));
    const session = t.stsAs({ accessKeyId: assumed.Credentials!.AccessKeyId!, secretAccessKey: assumed.Credentials!.SecretAccessKey!, sessionToken: assumed.Credentials!.SessionToken! });
    expect((await session.send(new GetCallerIdentityCommand({}))).Arn).toBe(`arn:aws:sts::${t.accountId}:assumed-role/saml-dev/alice`);
  });

  it('accepts a signature on the Response instead of the Assertion', async () => {
    const assertion = base64(sign(response({ now: clock.now(), roles: [pair('saml-dev')], sessionName: 'bob' }), IDP, 'Response'));
    expect((await assume('saml-dev', assertion)).AssumedRoleUser?.Arn).toContain('assumed-role/saml-dev/bob');
  });

  it('caps the session by the SessionDuration attribute', async () => {
    const assumed = await assume('saml-dev', signed({ attributes: { [`${ATTR}SessionDuration`]: ['1800'] } }));
    expect(assumed.Credentials!.Expiration!.getTime()).toBe(clock.now() + 1800_000);
  });

  it('refuses an assertion changed after it was signed', async () => {
    const tampered = sign(response({ now: clock.now(), roles: [pair('saml-dev')], sessionName: 'alice' }), IDP).replace('>alice<', '>mallory<');
    expect(tampered).toContain('>mallory<');
    expect(await failure(assume('saml-dev', base64(tampered)))).toMatchObject({ name: 'InvalidIdentityToken', status: 400 });
  });

  it('refuses a signature-wrapped assertion: the signed original moved aside, a forged one in its place', async () => {
    const genuine = sign(response({ now: clock.now(), roles: [pair('saml-other')], sessionName: 'alice' }), IDP);
    const signedAssertion = /<saml:Assertion[\s\S]*<\/saml:Assertion>/.exec(genuine)![0];
    const forged = /<saml:Assertion[\s\S]*<\/saml:Assertion>/.exec(response({ now: clock.now(), roles: [pair('saml-dev')], sessionName: 'mallory', id: '_forged' }))![0];
    // The forged assertion sits where a reader looks; the genuine one, still validly signed, hides in Extensions.
    const wrapped = genuine.replace(signedAssertion, `${forged}`).replace('<samlp:Status>', `<samlp:Extensions>${signedAssertion}</samlp:Extensions><samlp:Status>`);
    expect(await failure(assume('saml-dev', base64(wrapped)))).toMatchObject({ name: 'InvalidIdentityToken' });
    // The same with the forged assertion wearing the genuine one's ID and signature.
    const signature = /<ds:Signature[\s\S]*<\/ds:Signature>/.exec(signedAssertion)![0];
    const impostor = forged.replace('ID="_forged"', 'ID="_a1"').replace('</saml:Issuer>', `</saml:Issuer>${signature}`);
    const wrappedSameId = genuine.replace(signedAssertion, impostor).replace('<samlp:Status>', `<samlp:Extensions>${signedAssertion}</samlp:Extensions><samlp:Status>`);
    expect(await failure(assume('saml-dev', base64(wrappedSameId)))).toMatchObject({ name: 'InvalidIdentityToken' });
    // Unwrapped, the genuine assertion is good (for the role it names).
    expect((await assume('saml-other', base64(genuine))).AssumedRoleUser?.Arn).toContain('assumed-role/saml-other/alice');
  });

  it('refuses an assertion signed with a key whose certificate is not in the metadata', async () => {
    const assertion = base64(sign(response({ now: clock.now(), roles: [pair('saml-dev')], sessionName: 'alice' }), OTHER));
    expect(await failure(assume('saml-dev', assertion))).toMatchObject({ name: 'InvalidIdentityToken', status: 400 });
  });

  it('refuses an assertion from another issuer', async () => {
    expect(await failure(assume('saml-dev', signed({ issuer: 'https://evil.example.com' })))).toMatchObject({ name: 'InvalidIdentityToken' });
  });

  it('answers ExpiredToken for an assertion past its NotOnOrAfter (and its skew)', async () => {
    const assertion = signed({ lifetimeMs: 5 * 60_000 });
    clock.advance(11 * 60_000);
    try {
      expect(await failure(assume('saml-dev', assertion))).toMatchObject({ name: 'ExpiredToken', status: 403 });
    } finally {
      clock.advance(-11 * 60_000);
    }
    expect((await assume('saml-dev', assertion)).Credentials?.AccessKeyId).toMatch(/^ASIA/);
  });

  it('refuses a role and provider pair that the Role attribute does not offer', async () => {
    const onlyOther = signed({ roles: [pair('saml-other')] });
    expect(await failure(assume('saml-dev', onlyOther))).toMatchObject({ name: 'AccessDenied', status: 403 });
    expect((await assume('saml-other', onlyOther)).AssumedRoleUser?.Arn).toContain('assumed-role/saml-other/alice');
  });

  it('answers IDPRejectedClaim for an assertion without RoleSessionName', async () => {
    expect(await failure(assume('saml-dev', signed({ sessionName: undefined })))).toMatchObject({ name: 'IDPRejectedClaim', status: 403 });
  });

  it('lets the trust policy\'s condition on saml:aud decide', async () => {
    const regional = signed({ recipient: 'https://us-east-1.signin.aws.amazon.com/saml' });
    expect(await failure(assume('saml-dev', regional))).toMatchObject({ name: 'AccessDenied', status: 403 });
    // saml-other's trust has no condition on saml:aud: the same assertion is good there.
    expect((await assume('saml-other', signed({ recipient: 'https://us-east-1.signin.aws.amazon.com/saml', roles: [pair('saml-other')] }))).Audience).toBe('https://us-east-1.signin.aws.amazon.com/saml');
  });

  it('refuses a provider that does not exist', async () => {
    expect(await failure(assume('saml-dev', signed(), { PrincipalArn: providerArn('Nobody') }))).toMatchObject({ name: 'InvalidIdentityToken' });
  });

  it('stops at 100 providers per account with LimitExceeded', async () => {
    // Filled in one insert rather than a hundred calls: the quota check is what is under test.
    const db = t.server.store.db;
    const template = await db.selectFrom('saml_providers').selectAll().where('account_id', '=', t.accountId).executeTakeFirstOrThrow();
    const { count } = await db.selectFrom('saml_providers').select((eb) => eb.fn.countAll<number>().as('count')).where('account_id', '=', t.accountId).executeTakeFirstOrThrow();
    const fill = Array.from({ length: 100 - Number(count) }, (_, i) => ({ ...template, arn: providerArn(`quota-${i}`), name: `quota-${i}`, name_lower: `quota-${i}` }));
    await db.insertInto('saml_providers').values(fill).execute();
    const error = await failure(t.iam.send(new CreateSAMLProviderCommand({ Name: 'one-too-many', SAMLMetadataDocument: metadata([IDP.cert]) })));
    expect(error).toMatchObject({ name: 'LimitExceeded', status: 409, message: 'Cannot exceed quota for SAMLProvidersPerAccount: 100' });
  });
});
