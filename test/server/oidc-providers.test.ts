/** OpenID Connect providers through the real SDK, on SQLite and PostgreSQL. */
import {
  AddClientIDToOpenIDConnectProviderCommand,
  CreateOpenIDConnectProviderCommand,
  DeleteOpenIDConnectProviderCommand,
  GetOpenIDConnectProviderCommand,
  ListOpenIDConnectProvidersCommand,
  ListOpenIDConnectProviderTagsCommand,
  RemoveClientIDFromOpenIDConnectProviderCommand,
  TagOpenIDConnectProviderCommand,
  UntagOpenIDConnectProviderCommand,
  UpdateOpenIDConnectProviderThumbprintCommand,
} from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, failure, startTestServer, type TestServer } from '../helpers/server.js';

const THUMBPRINT = '9e99a48a9960b14926bb7f3b02e22da2b0ab7280';

describe.each(BACKENDS)('OIDC providers on %s', (backend) => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer(backend);
  });
  afterAll(async () => {
    await t?.close();
  });

  const create = (Url: string, extra: Partial<ConstructorParameters<typeof CreateOpenIDConnectProviderCommand>[0]> = {}) =>
    t.iam.send(new CreateOpenIDConnectProviderCommand({ Url, ...extra }));
  const get = (OpenIDConnectProviderArn: string | undefined) => t.iam.send(new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn }));

  it('registers a provider with client ids, thumbprints and tags, named by its host and path', async () => {
    const created = await create('https://token.example.com/id/ABC', { ClientIDList: ['sts.amazonaws.com'], ThumbprintList: [THUMBPRINT], Tags: [{ Key: 'k', Value: 'v' }] });
    expect(created.OpenIDConnectProviderArn).toBe(`arn:aws:iam::${t.accountId}:oidc-provider/token.example.com/id/ABC`);
    expect(created.Tags).toEqual([{ Key: 'k', Value: 'v' }]);
    const got = await get(created.OpenIDConnectProviderArn);
    expect(got).toMatchObject({ Url: 'token.example.com/id/ABC', ClientIDList: ['sts.amazonaws.com'], ThumbprintList: [THUMBPRINT], Tags: [{ Key: 'k', Value: 'v' }] });
    expect(got.CreateDate).toBeInstanceOf(Date);
  });

  it('registers a provider without thumbprints or client ids, as AWS now allows', async () => {
    const created = await create('https://bare.example.com');
    const got = await get(created.OpenIDConnectProviderArn);
    expect(got).toMatchObject({ Url: 'bare.example.com', ClientIDList: [], ThumbprintList: [] });
  });

  it('refuses a provider registered twice, whatever the case of the host or a trailing slash', async () => {
    await create('https://twice.example.com');
    for (const url of ['https://twice.example.com', 'https://TWICE.example.com/']) {
      const error = await failure(create(url));
      expect(error).toMatchObject({ name: 'EntityAlreadyExists', status: 409 });
    }
  });

  it.each(['http://plain.example.com', 'token.example.com', 'https://', 'https://port.example.com:8443', 'https://q.example.com/?a=b', 'https://f.example.com/#x', 'https://u:p@x.example.com', 'https://exa mple.com', 'https://\u{1F600}\u0000.com'])(
    'answers InvalidInput for the URL %j',
    async (url) => {
      const error = await failure(create(url));
      expect(error).toMatchObject({ name: 'InvalidInput', status: 400 });
    },
  );

  it('answers InvalidInput for a thumbprint that is not hex, and LimitExceeded for a sixth', async () => {
    const notHex = await failure(create('https://hex.example.com', { ThumbprintList: ['z'.repeat(40)] }));
    expect(notHex).toMatchObject({ name: 'InvalidInput', status: 400 });
    const six = Array.from({ length: 6 }, (_, i) => String(i).repeat(40));
    const tooMany = await failure(create('https://hex.example.com', { ThumbprintList: six }));
    expect(tooMany).toMatchObject({ name: 'LimitExceeded', status: 409, message: 'Cannot exceed quota for ThumbprintsPerOpenIdConnectProvider: 5' });
    const wrongLength = await failure(create('https://hex.example.com', { ThumbprintList: ['abc'] }));
    expect(wrongLength).toMatchObject({ name: 'ValidationError', status: 400 });
  });

  it('adds and removes client ids, idempotently, up to 100', async () => {
    const { OpenIDConnectProviderArn: arn } = await create('https://clients.example.com', { ClientIDList: ['a'] });
    const add = (ClientID: string) => t.iam.send(new AddClientIDToOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn, ClientID }));
    const remove = (ClientID: string) => t.iam.send(new RemoveClientIDFromOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn, ClientID }));
    await add('b');
    await add('b');
    await remove('a');
    await remove('never-there');
    expect((await get(arn)).ClientIDList).toEqual(['b']);
    for (let i = 0; i < 99; i++) await add(`client-${i}`);
    const error = await failure(add('one-too-many'));
    expect(error).toMatchObject({ name: 'LimitExceeded', status: 409 });
    expect((await get(arn)).ClientIDList).toHaveLength(100);
  });

  it('replaces the thumbprints', async () => {
    const { OpenIDConnectProviderArn: arn } = await create('https://thumbs.example.com', { ThumbprintList: [THUMBPRINT] });
    const next = 'a'.repeat(40);
    await t.iam.send(new UpdateOpenIDConnectProviderThumbprintCommand({ OpenIDConnectProviderArn: arn, ThumbprintList: [next] }));
    expect((await get(arn)).ThumbprintList).toEqual([next]);
  });

  it('answers NoSuchEntity with 404 for an unknown provider', async () => {
    const arn = `arn:aws:iam::${t.accountId}:oidc-provider/unknown.example.com`;
    const error = await failure(get(arn));
    expect(error).toMatchObject({ name: 'NoSuchEntity', status: 404, message: `OpenIDConnect Provider not found for arn ${arn}` });
    const onAdd = await failure(t.iam.send(new AddClientIDToOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn, ClientID: 'x' })));
    expect(onAdd).toMatchObject({ name: 'NoSuchEntity', status: 404 });
  });

  it('lists providers, and deletes one idempotently', async () => {
    const { OpenIDConnectProviderArn: arn } = await create('https://gone.example.com', { Tags: [{ Key: 'k', Value: 'v' }] });
    const listed = await t.iam.send(new ListOpenIDConnectProvidersCommand({}));
    expect(listed.OpenIDConnectProviderList?.map((p) => p.Arn)).toContain(arn);
    await t.iam.send(new DeleteOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn }));
    await t.iam.send(new DeleteOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn }));
    expect((await failure(get(arn))).name).toBe('NoSuchEntity');
    const again = await t.iam.send(new ListOpenIDConnectProvidersCommand({}));
    expect(again.OpenIDConnectProviderList?.map((p) => p.Arn)).not.toContain(arn);
    // Registered again, it starts without the old provider's tags.
    await create('https://gone.example.com');
    expect((await t.iam.send(new ListOpenIDConnectProviderTagsCommand({ OpenIDConnectProviderArn: arn }))).Tags).toEqual([]);
  });

  it('tags and untags a provider', async () => {
    const { OpenIDConnectProviderArn: arn } = await create('https://tags.example.com');
    await t.iam.send(new TagOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn, Tags: [{ Key: 'a', Value: '1' }, { Key: 'b', Value: '2' }] }));
    await t.iam.send(new UntagOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn, TagKeys: ['a'] }));
    const tags = await t.iam.send(new ListOpenIDConnectProviderTagsCommand({ OpenIDConnectProviderArn: arn }));
    expect(tags).toMatchObject({ Tags: [{ Key: 'b', Value: '2' }], IsTruncated: false });
  });

  it('refuses a provider past 100 in an account', async () => {
    const { count } = await t.server.store.db
      .selectFrom('oidc_providers')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .where('account_id', '=', t.accountId)
      .executeTakeFirstOrThrow();
    for (let i = Number(count); i < 100; i++) await create(`https://p${i}.example.com`);
    const error = await failure(create('https://one-too-many.example.com'));
    expect(error).toMatchObject({ name: 'LimitExceeded', status: 409, message: 'Cannot exceed quota for OpenIdConnectProvidersPerAccount: 100' });
  });
});
