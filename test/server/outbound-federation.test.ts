/** Outbound web identity federation through the real SDK, verified as an outside service would, on SQLite and PostgreSQL. */
import {
  CreateAccessKeyCommand,
  CreateUserCommand,
  DisableOutboundWebIdentityFederationCommand,
  EnableOutboundWebIdentityFederationCommand,
  GetOutboundWebIdentityFederationInfoCommand,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import { GetSessionTokenCommand, GetWebIdentityTokenCommand } from '@aws-sdk/client-sts';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, failure, startTestServer, type Credentials, type TestServer } from '../helpers/server.js';

const AUDIENCE = 'https://api.example.com';

describe.each(BACKENDS)('outbound web identity federation on %s', (backend) => {
  let t: TestServer;
  let caller: Credentials;
  let outsider: Credentials;
  let issuer = '';

  async function keyOf(userName: string): Promise<Credentials> {
    const key = await t.iam.send(new CreateAccessKeyCommand({ UserName: userName }));
    return { accessKeyId: key.AccessKey?.AccessKeyId ?? '', secretAccessKey: key.AccessKey?.SecretAccessKey ?? '' };
  }

  /** Verifies a token as an outside service: discovery document, then its JWKS, over the network. */
  async function verify(token: string, audience: string) {
    const discovery = (await (await fetch(`${issuer}/.well-known/openid-configuration`)).json()) as { issuer: string; jwks_uri: string };
    expect(discovery.issuer).toBe(issuer);
    return jwtVerify(token, createRemoteJWKSet(new URL(discovery.jwks_uri)), { issuer, audience });
  }

  beforeAll(async () => {
    t = await startTestServer(backend);
    await t.iam.send(new CreateUserCommand({ UserName: 'jwt-caller', Tags: [{ Key: 'team', Value: 'blue' }] }));
    await t.iam.send(
      new PutUserPolicyCommand({
        UserName: 'jwt-caller',
        PolicyName: 'tokens',
        PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['sts:GetWebIdentityToken', 'sts:GetSessionToken'], Resource: '*' }] }),
      }),
    );
    caller = await keyOf('jwt-caller');
    await t.iam.send(new CreateUserCommand({ UserName: 'no-tokens' }));
    outsider = await keyOf('no-tokens');
  });
  afterAll(async () => {
    await t?.close();
  });

  it('answers the model errors before the feature was ever enabled', async () => {
    expect(await failure(t.iam.send(new GetOutboundWebIdentityFederationInfoCommand({})))).toMatchObject({ name: 'FeatureDisabled', status: 404 });
    expect(await failure(t.iam.send(new DisableOutboundWebIdentityFederationCommand({})))).toMatchObject({ name: 'FeatureDisabled', status: 404 });
    const error = await failure(t.stsAs(caller).send(new GetWebIdentityTokenCommand({ Audience: [AUDIENCE], SigningAlgorithm: 'RS256' })));
    expect(error).toMatchObject({ name: 'OutboundWebIdentityFederationDisabledException', status: 403 });
    expect((await fetch(`${t.url}/accounts/${t.accountId}/.well-known/jwks.json`)).status).toBe(404);
  });

  it('enables once, with an issuer under the server URL, and refuses a second enable', async () => {
    const enabled = await t.iam.send(new EnableOutboundWebIdentityFederationCommand({}));
    issuer = enabled.IssuerIdentifier ?? '';
    expect(issuer).toBe(`${t.url}/accounts/${t.accountId}`);
    const info = await t.iam.send(new GetOutboundWebIdentityFederationInfoCommand({}));
    expect(info).toMatchObject({ IssuerIdentifier: issuer, JwtVendingEnabled: true });
    expect(await failure(t.iam.send(new EnableOutboundWebIdentityFederationCommand({})))).toMatchObject({ name: 'FeatureEnabled', status: 409 });
  });

  it('issues an RS256 token that an outside verifier accepts through the discovery document and JWKS', async () => {
    const { IssuerIdentifier } = await t.iam.send(new GetOutboundWebIdentityFederationInfoCommand({}));
    expect(IssuerIdentifier).toBe(issuer);
    const before = Math.floor(Date.now() / 1000);
    const issued = await t.stsAs(caller).send(new GetWebIdentityTokenCommand({ Audience: [AUDIENCE], SigningAlgorithm: 'RS256', DurationSeconds: 120, Tags: [{ Key: 'purpose', Value: 'deploy' }] }));
    const token = issued.WebIdentityToken ?? '';
    expect(decodeProtectedHeader(token).alg).toBe('RS256');
    const { payload } = await verify(token, AUDIENCE);
    expect(payload.sub).toBe(`arn:aws:iam::${t.accountId}:user/jwt-caller`);
    expect(payload.aud).toBe(AUDIENCE);
    expect(payload.jti).toMatch(/^[0-9a-f-]{36}$/);
    expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBe(120);
    expect(payload.iat).toBeGreaterThanOrEqual(before - 1);
    expect(issued.Expiration?.getTime()).toBe((payload.exp ?? 0) * 1000);
    expect(payload['https://sts.amazonaws.com/']).toMatchObject({ aws_account: t.accountId, principal_tags: { team: 'blue' }, request_tags: { purpose: 'deploy' } });
  });

  it('issues an ES384 token for several audiences, lasting five minutes by default', async () => {
    const issued = await t.stsAs(caller).send(new GetWebIdentityTokenCommand({ Audience: [AUDIENCE, 'other'], SigningAlgorithm: 'ES384' }));
    const token = issued.WebIdentityToken ?? '';
    expect(decodeProtectedHeader(token).alg).toBe('ES384');
    const { payload } = await verify(token, 'other');
    expect(payload.aud).toEqual([AUDIENCE, 'other']);
    expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBe(300);
  });

  it('a token for another audience fails verification', async () => {
    const issued = await t.stsAs(caller).send(new GetWebIdentityTokenCommand({ Audience: [AUDIENCE], SigningAlgorithm: 'RS256' }));
    await expect(verify(issued.WebIdentityToken ?? '', 'https://elsewhere.example.com')).rejects.toMatchObject({ code: 'ERR_JWT_CLAIM_VALIDATION_FAILED', claim: 'aud' });
  });

  it('refuses an unknown algorithm, a duration past the calling session, and a caller without sts:GetWebIdentityToken', async () => {
    const badAlgorithm = await failure(t.stsAs(caller).send(new GetWebIdentityTokenCommand({ Audience: [AUDIENCE], SigningAlgorithm: 'HS256' })));
    expect(badAlgorithm).toMatchObject({ name: 'ValidationError', status: 400 });
    const session = await t.stsAs(caller).send(new GetSessionTokenCommand({ DurationSeconds: 900 }));
    const temporary = { accessKeyId: session.Credentials?.AccessKeyId ?? '', secretAccessKey: session.Credentials?.SecretAccessKey ?? '', sessionToken: session.Credentials?.SessionToken ?? '' };
    const escalation = await failure(t.stsAs(temporary).send(new GetWebIdentityTokenCommand({ Audience: [AUDIENCE], SigningAlgorithm: 'RS256', DurationSeconds: 3600 })));
    expect(escalation).toMatchObject({ name: 'SessionDurationEscalationException', status: 403 });
    const denied = await failure(t.stsAs(outsider).send(new GetWebIdentityTokenCommand({ Audience: [AUDIENCE], SigningAlgorithm: 'RS256' })));
    expect(denied).toMatchObject({ name: 'AccessDenied', status: 403 });
  });

  it('once disabled, refuses new tokens while tokens already issued still verify, and re-enables with the same issuer', async () => {
    const earlier = await t.stsAs(caller).send(new GetWebIdentityTokenCommand({ Audience: [AUDIENCE], SigningAlgorithm: 'ES384' }));
    await t.iam.send(new DisableOutboundWebIdentityFederationCommand({}));
    const error = await failure(t.stsAs(caller).send(new GetWebIdentityTokenCommand({ Audience: [AUDIENCE], SigningAlgorithm: 'RS256' })));
    expect(error).toMatchObject({ name: 'OutboundWebIdentityFederationDisabledException', status: 403 });
    expect(await t.iam.send(new GetOutboundWebIdentityFederationInfoCommand({}))).toMatchObject({ IssuerIdentifier: issuer, JwtVendingEnabled: false });
    expect(await failure(t.iam.send(new DisableOutboundWebIdentityFederationCommand({})))).toMatchObject({ name: 'FeatureDisabled', status: 404 });
    await expect(verify(earlier.WebIdentityToken ?? '', AUDIENCE)).resolves.toBeDefined();
    const again = await t.iam.send(new EnableOutboundWebIdentityFederationCommand({}));
    expect(again.IssuerIdentifier).toBe(issuer);
    const issued = await t.stsAs(caller).send(new GetWebIdentityTokenCommand({ Audience: [AUDIENCE], SigningAlgorithm: 'RS256' }));
    await expect(verify(issued.WebIdentityToken ?? '', AUDIENCE)).resolves.toBeDefined();
  });
});
