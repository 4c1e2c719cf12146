/**
 * AssumeRoleWithWebIdentity through the real SDK, on SQLite and PostgreSQL, against an OpenID
 * Connect issuer served on loopback: a discovery document and a key set made with jose.
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CreateOpenIDConnectProviderCommand, CreateRoleCommand, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { AssumeRoleWithWebIdentityCommand, GetCallerIdentityCommand, STSClient, type AssumeRoleWithWebIdentityCommandInput } from '@aws-sdk/client-sts';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/shared/clock.js';
import { setIssuerTransport } from '../../src/sts/jwks.js';
import { BACKENDS, failure, startTestServer, type TestServer } from '../helpers/server.js';

const doc = (statement: object | object[]) => JSON.stringify({ Version: '2012-10-17', Statement: statement });

// Providers are registered with https URLs, without a port, as AWS requires; the issuer listens on
// plain HTTP, and the server's fetches of https://127.0.0.1/… are taken to it (setIssuerTransport).
const ISSUER = 'https://127.0.0.1';
const HOST = '127.0.0.1';
const CLIENT = 'sts.amazonaws.com';
const SUBJECT = 'repo:acme/app:ref:refs/heads/main';

interface SigningKey {
  readonly kid: string;
  readonly privateKey: CryptoKey;
  readonly jwk: JWK;
}

async function signingKey(kid: string): Promise<SigningKey> {
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  return { kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' } };
}

/** An OIDC issuer on loopback: `/<path>/.well-known/openid-configuration` and `/jwks`; `/down/…` drops the connection. */
class Issuer {
  key!: SigningKey;
  jwksFetches = 0;
  private server!: Server;

  async start(): Promise<void> {
    this.key = await signingKey('k1');
    this.server = createServer((request, response) => {
      const path = request.url ?? '/';
      if (path.startsWith('/down/')) return void request.socket.destroy();
      const discovery = /^(.*)\/\.well-known\/openid-configuration$/.exec(path);
      let body: object | undefined;
      if (discovery) body = { issuer: `${ISSUER}${discovery[1] ?? ''}`, jwks_uri: `${ISSUER}/jwks`, id_token_signing_alg_values_supported: ['RS256'] };
      if (path === '/jwks') {
        this.jwksFetches++;
        body = { keys: [this.key.jwk] };
      }
      response.writeHead(body ? 200 : 404, { 'content-type': 'application/json' }).end(JSON.stringify(body ?? {}));
    });
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    const { port } = this.server.address() as AddressInfo;
    // No cooldown, so that a rotated key is fetched at once rather than up to 30 s later.
    setIssuerTransport({ fetch: (url, init) => fetch(url.replace(`${ISSUER}/`, `http://127.0.0.1:${port}/`), init), cooldownMs: 0 });
  }

  async close(): Promise<void> {
    setIssuerTransport();
    this.server?.close();
    if (this.server) await once(this.server, 'close');
  }

  /** Publishes a new key in place of the current one. */
  async rotate(kid: string): Promise<void> {
    this.key = await signingKey(kid);
  }
}

describe.each(BACKENDS)('AssumeRoleWithWebIdentity on %s', (backend) => {
  let t: TestServer;
  let anonymous: STSClient;
  const clock = new ManualClock(Date.now());
  const issuer = new Issuer();
  const roleArn = (name: string) => `arn:aws:iam::${t.accountId}:role/${name}`;
  const providerArn = (url: string) => `arn:aws:iam::${t.accountId}:oidc-provider/${url}`;

  /** A token of the issuer, valid for ten minutes from the server's now, signed with `key`. */
  function token(claims: JWTPayload = {}, key: SigningKey = issuer.key, expiresIn = 600): Promise<string> {
    const now = Math.floor(clock.now() / 1000);
    return new SignJWT({ iss: ISSUER, sub: SUBJECT, aud: CLIENT, ...claims }).setProtectedHeader({ alg: 'RS256', kid: key.kid }).setIssuedAt(now).setExpirationTime(now + expiresIn).sign(key.privateKey);
  }

  async function assume(role: string, webToken: string, extra: Partial<AssumeRoleWithWebIdentityCommandInput> = {}) {
    return anonymous.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: roleArn(role), RoleSessionName: 'ci', WebIdentityToken: webToken, ...extra }));
  }

  beforeAll(async () => {
    await issuer.start();
    t = await startTestServer(backend, { clock });
    // No credentials at all: the SDK must send this operation unsigned, as AWS serves it.
    anonymous = new STSClient({ endpoint: t.url, region: 'us-east-1', maxAttempts: 1, credentials: () => Promise.reject(new Error('AssumeRoleWithWebIdentity must not need credentials')) });
    await t.iam.send(new CreateOpenIDConnectProviderCommand({ Url: ISSUER, ClientIDList: [CLIENT] }));
    await t.iam.send(new CreateOpenIDConnectProviderCommand({ Url: `${ISSUER}/down`, ClientIDList: [CLIENT] }));
    const trust = (principal: string, condition: object, actions: string[] = ['sts:AssumeRoleWithWebIdentity']) => doc({ Effect: 'Allow', Principal: { Federated: principal }, Action: actions, Condition: condition });
    const roles: [string, string][] = [
      ['ci', trust(providerArn(HOST), { StringEquals: { [`${HOST}:aud`]: CLIENT, [`${HOST}:sub`]: SUBJECT } })],
      ['by-host', trust(HOST, { StringLike: { [`${HOST}:sub`]: 'repo:acme/*' } })],
      ['sourced', trust(providerArn(HOST), { StringEquals: { [`${HOST}:aud`]: CLIENT } }, ['sts:AssumeRoleWithWebIdentity', 'sts:SetSourceIdentity'])],
      ['down', trust(providerArn(`${HOST}/down`), {})],
    ];
    for (const [name, document] of roles) {
      await t.iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: document }));
      await t.iam.send(new PutRolePolicyCommand({ RoleName: name, PolicyName: 'read', PolicyDocument: doc({ Effect: 'Allow', Action: 'iam:Get*', Resource: '*' }) }));
    }
  });
  afterAll(async () => {
    await t?.close();
    await issuer.close();
  });

  it('exchanges a token of a registered provider for a working role session, unsigned', async () => {
    const assumed = await assume('ci', await token());
    expect(assumed.Credentials?.AccessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/);
    expect(assumed.Credentials?.Expiration?.getTime()).toBeCloseTo(clock.now() + 3600_000, -4);
    expect(assumed).toMatchObject({ SubjectFromWebIdentityToken: SUBJECT, Audience: CLIENT, Provider: providerArn(HOST) });
    expect(assumed.AssumedRoleUser).toMatchObject({ Arn: `arn:aws:sts::${t.accountId}:assumed-role/ci/ci`, AssumedRoleId: expect.stringMatching(/^AROA[A-Z2-7]{17}:ci$/) });
    const { AccessKeyId, SecretAccessKey, SessionToken } = assumed.Credentials!;
    const identity = await t.stsAs({ accessKeyId: AccessKeyId!, secretAccessKey: SecretAccessKey!, sessionToken: SessionToken! }).send(new GetCallerIdentityCommand({}));
    expect(identity.Arn).toBe(`arn:aws:sts::${t.accountId}:assumed-role/ci/ci`);
  });

  it('honours a trust policy that names the provider by its host, and its conditions on the claims', async () => {
    expect((await assume('by-host', await token())).AssumedRoleUser?.Arn).toContain('assumed-role/by-host/ci');
    const other = await failure(assume('by-host', await token({ sub: 'repo:evil/app:ref:refs/heads/main' })));
    expect(other).toMatchObject({ name: 'AccessDenied', status: 403, message: 'Not authorized to perform sts:AssumeRoleWithWebIdentity' });
  });

  it('denies a subject the trust policy does not name', async () => {
    const error = await failure(assume('ci', await token({ sub: 'repo:acme/app:ref:refs/heads/feature' })));
    expect(error).toMatchObject({ name: 'AccessDenied', status: 403 });
  });

  it('refuses a token for an audience the provider does not list', async () => {
    const error = await failure(assume('ci', await token({ aud: 'someone-else' })));
    expect(error).toMatchObject({ name: 'InvalidIdentityToken', status: 400, message: 'Incorrect token audience' });
  });

  it('refuses a token signed with a key the issuer does not publish, whatever kid it claims', async () => {
    const foreign = await signingKey('foreign');
    expect(await failure(assume('ci', await token({}, foreign)))).toMatchObject({ name: 'InvalidIdentityToken', status: 400 });
    const impostor = { ...foreign, kid: issuer.key.kid };
    expect(await failure(assume('ci', await token({}, impostor)))).toMatchObject({ name: 'InvalidIdentityToken', status: 400 });
  });

  it('refuses an expired token with ExpiredTokenException, allowing five minutes of skew', async () => {
    const webToken = await token({}, issuer.key, 60);
    const start = clock.now();
    try {
      clock.advance(60_000 + 240_000);
      expect((await assume('ci', webToken)).Credentials).toBeDefined();
      clock.advance(120_000);
      const error = await failure(assume('ci', webToken));
      expect(error).toMatchObject({ name: 'ExpiredTokenException', status: 400 });
      expect(error.message).toMatch(/^Token expired: current date\/time \d+ must be before the expiration date\/time \d+$/);
    } finally {
      clock.set(start);
    }
  });

  it('refuses a token whose issuer is not registered in the role\'s account', async () => {
    const error = await failure(assume('ci', await token({ iss: `${ISSUER}/elsewhere` })));
    expect(error).toMatchObject({ name: 'InvalidIdentityToken', status: 400, message: `No OpenIDConnect provider found in your account for ${ISSUER}/elsewhere` });
  });

  it('answers IDPCommunicationError when the issuer cannot be reached', async () => {
    const error = await failure(assume('down', await token({ iss: `${ISSUER}/down` })));
    expect(error).toMatchObject({ name: 'IDPCommunicationError', status: 400 });
  });

  it('sets the source identity a token carries, when the trust policy allows sts:SetSourceIdentity', async () => {
    const claims = { 'https://aws.amazon.com/source_identity': 'alice@example.com' };
    expect((await assume('sourced', await token(claims))).SourceIdentity).toBe('alice@example.com');
    expect(await failure(assume('ci', await token(claims)))).toMatchObject({ name: 'AccessDenied' });
  });

  it('caps DurationSeconds at the role\'s MaxSessionDuration', async () => {
    const error = await failure(assume('ci', await token(), { DurationSeconds: 7200 }));
    expect(error).toMatchObject({ name: 'ValidationError', message: 'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.' });
  });

  // Last, since it changes the issuer's key.
  it('keeps the issuer\'s keys, and fetches them again when a token names a new key', async () => {
    await assume('ci', await token());
    const fetched = issuer.jwksFetches;
    await assume('ci', await token());
    expect(issuer.jwksFetches).toBe(fetched);
    const old = issuer.key;
    await issuer.rotate(`k-${issuer.jwksFetches}`);
    expect((await assume('ci', await token())).Credentials).toBeDefined();
    expect(issuer.jwksFetches).toBe(fetched + 1);
    // The old key is no longer published: its tokens stop working.
    expect(await failure(assume('ci', await token({}, old)))).toMatchObject({ name: 'InvalidIdentityToken' });
  });
});
