/**
 * SAML encrypted assertions through the real SDKs, on SQLite and PostgreSQL: a provider's private
 * keys and encryption mode (CreateSAMLProvider, UpdateSAMLProvider, GetSAMLProvider), and
 * AssumeRoleWithSAML with an EncryptedAssertion built here as an IdP would (XML Encryption).
 */
import { constants, createCipheriv, createHash, generateKeyPairSync, publicEncrypt, randomBytes, type KeyObject } from 'node:crypto';
import { CreateRoleCommand, CreateSAMLProviderCommand, GetSAMLProviderCommand, UpdateSAMLProviderCommand } from '@aws-sdk/client-iam';
import { AssumeRoleWithSAMLCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { base64, doc, IDP, metadata, response, sign } from '../helpers/saml.js';
import { BACKENDS, callDeployport, failure, startTestServer, type TestServer } from '../helpers/server.js';

const XENC = 'http://www.w3.org/2001/04/xmlenc#';
const XENC11 = 'http://www.w3.org/2009/xmlenc11#';

/** An RSA key pair as the PEM an administrator uploads and the public key an IdP encrypts to. */
function rsaKey(): { pem: string; publicKey: KeyObject } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { pem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), publicKey };
}

type Content = 'aes128-cbc' | 'aes256-cbc' | 'aes128-gcm' | 'aes256-gcm';
/** Key transports: OAEP as XML Encryption names it, with its digest and MGF1 hash; and PKCS#1 v1.5, which must be refused. */
type Transport = 'mgf1p' | 'mgf1p-sha256-digest' | 'oaep11-sha256' | 'rsa-1_5';

function mgf1(seed: Buffer, length: number, hash: string): Buffer {
  const blocks: Buffer[] = [];
  for (let counter = 0, total = 0; total < length; counter++) {
    const counterBytes = Buffer.alloc(4);
    counterBytes.writeUInt32BE(counter);
    blocks.push(createHash(hash).update(seed).update(counterBytes).digest());
    total += blocks[blocks.length - 1]!.length;
  }
  return Buffer.concat(blocks).subarray(0, length);
}

/** RSA-OAEP with a SHA-256 digest but MGF1-SHA-1 (what rsa-oaep-mgf1p with a SHA-256 DigestMethod means), which node:crypto cannot do in one call. */
function oaepSha256WithMgf1Sha1(publicKey: KeyObject, message: Buffer): Buffer {
  const k = (publicKey.asymmetricKeyDetails?.modulusLength ?? 0) / 8;
  const labelHash = createHash('sha256').digest();
  const db = Buffer.concat([labelHash, Buffer.alloc(k - message.length - 2 * labelHash.length - 2), Buffer.from([1]), message]);
  const seed = randomBytes(labelHash.length);
  const maskedDb = Buffer.from(db.map((byte, i) => byte ^ mgf1(seed, db.length, 'sha1')[i]!));
  const maskedSeed = Buffer.from(seed.map((byte, i) => byte ^ mgf1(maskedDb, seed.length, 'sha1')[i]!));
  return publicEncrypt({ key: publicKey, padding: constants.RSA_NO_PADDING }, Buffer.concat([Buffer.from([0]), maskedSeed, maskedDb]));
}

/** The content key wrapped for `publicKey`, and the EncryptionMethod that says how. */
function wrapKey(contentKey: Buffer, publicKey: KeyObject, transport: Transport): { method: string; wrapped: Buffer } {
  switch (transport) {
    case 'mgf1p':
      return { method: `<xenc:EncryptionMethod Algorithm="${XENC}rsa-oaep-mgf1p"/>`, wrapped: publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, contentKey) };
    case 'mgf1p-sha256-digest':
      return {
        method: `<xenc:EncryptionMethod Algorithm="${XENC}rsa-oaep-mgf1p"><ds:DigestMethod Algorithm="${XENC}sha256"/></xenc:EncryptionMethod>`,
        wrapped: oaepSha256WithMgf1Sha1(publicKey, contentKey),
      };
    case 'oaep11-sha256':
      return {
        method: `<xenc:EncryptionMethod Algorithm="${XENC11}rsa-oaep"><ds:DigestMethod Algorithm="${XENC}sha256"/><xenc11:MGF xmlns:xenc11="${XENC11}" Algorithm="${XENC11}mgf1sha256"/></xenc:EncryptionMethod>`,
        wrapped: publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, contentKey),
      };
    case 'rsa-1_5':
      return { method: `<xenc:EncryptionMethod Algorithm="${XENC}rsa-1_5"/>`, wrapped: publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_PADDING }, contentKey) };
  }
}

/** The content encrypted as XML Encryption lays it out: IV ‖ ciphertext (‖ tag for GCM), with XML Encryption's padding for CBC. */
function encryptContent(plaintext: Buffer, content: Content): { algorithm: string; key: Buffer; cipherValue: Buffer } {
  const bits = Number(content.slice(3, 6));
  const key = randomBytes(bits / 8);
  if (content.endsWith('gcm')) {
    const iv = randomBytes(12);
    const cipher = createCipheriv(`aes-${bits}-gcm` as 'aes-256-gcm', key, iv);
    const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return { algorithm: `${XENC11}${content}`, key, cipherValue: Buffer.concat([iv, body, cipher.getAuthTag()]) };
  }
  const iv = randomBytes(16);
  const padLength = 16 - (plaintext.length % 16);
  // Only the last pad byte is defined; the rest are arbitrary, as some IdPs send them.
  const padded = Buffer.concat([plaintext, randomBytes(padLength - 1), Buffer.from([padLength])]);
  const cipher = createCipheriv(`aes-${bits}-cbc`, key, iv).setAutoPadding(false);
  return { algorithm: `${XENC}${content}`, key, cipherValue: Buffer.concat([iv, cipher.update(padded), cipher.final()]) };
}

interface EncryptOptions {
  content?: Content;
  transport?: Transport;
  /** Where the EncryptedKey goes: in the EncryptedData's KeyInfo, or beside the EncryptedData. */
  keyPlacement?: 'keyinfo' | 'sibling';
  /** Changes the ciphertext after encryption. */
  tamper?: boolean;
}

/** The Response with its (signed) Assertion replaced by an EncryptedAssertion for `publicKey`. */
function encrypt(responseXml: string, publicKey: KeyObject, options: EncryptOptions = {}): string {
  const assertion = /<saml:Assertion[\s\S]*<\/saml:Assertion>/.exec(responseXml)![0];
  const { algorithm, key, cipherValue } = encryptContent(Buffer.from(assertion, 'utf8'), options.content ?? 'aes256-gcm');
  if (options.tamper) cipherValue[cipherValue.length - 20]! ^= 1;
  const { method, wrapped } = wrapKey(key, publicKey, options.transport ?? 'mgf1p');
  const encryptedKey = `<xenc:EncryptedKey xmlns:xenc="${XENC}" xmlns:ds="http://www.w3.org/2000/09/xmldsig#">${method}<xenc:CipherData><xenc:CipherValue>${wrapped.toString('base64')}</xenc:CipherValue></xenc:CipherData></xenc:EncryptedKey>`;
  const sibling = options.keyPlacement === 'sibling';
  const encrypted =
    '<saml:EncryptedAssertion>' +
    `<xenc:EncryptedData xmlns:xenc="${XENC}" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" Type="${XENC}Element"><xenc:EncryptionMethod Algorithm="${algorithm}"/>` +
    (sibling ? '' : `<ds:KeyInfo>${encryptedKey}</ds:KeyInfo>`) +
    `<xenc:CipherData><xenc:CipherValue>${cipherValue.toString('base64')}</xenc:CipherValue></xenc:CipherData></xenc:EncryptedData>` +
    (sibling ? encryptedKey : '') +
    '</saml:EncryptedAssertion>';
  return responseXml.replace(assertion, encrypted);
}

describe.each(BACKENDS)('SAML encrypted assertions on %s', (backend) => {
  let t: TestServer;
  let anonymous: STSClient;
  // One key uploaded with the provider, one added later, one never uploaded.
  const first = rsaKey();
  const second = rsaKey();
  const stranger = rsaKey();
  const providerArn = (name: string) => `arn:aws:iam::${t.accountId}:saml-provider/${name}`;
  const roleArn = (name: string) => `arn:aws:iam::${t.accountId}:role/${name}`;
  const get = (name: string) => t.iam.send(new GetSAMLProviderCommand({ SAMLProviderArn: providerArn(name) }));
  const update = (name: string, changes: { AddPrivateKey?: string; RemovePrivateKey?: string; AssertionEncryptionMode?: 'Allowed' | 'Required' }) =>
    t.iam.send(new UpdateSAMLProviderCommand({ SAMLProviderArn: providerArn(name), ...changes }));
  /** A Response for `role` from provider `provider`, signed on its Assertion by the IdP (not yet encrypted). */
  const signedResponse = (provider: string, role: string, target: 'Assertion' | 'Response' = 'Assertion') =>
    sign(response({ now: Date.now(), roles: [`${roleArn(role)},${providerArn(provider)}`], sessionName: 'alice' }), IDP, target);
  const assume = (provider: string, role: string, xml: string) =>
    anonymous.send(new AssumeRoleWithSAMLCommand({ RoleArn: roleArn(role), PrincipalArn: providerArn(provider), SAMLAssertion: base64(xml) }));

  beforeAll(async () => {
    t = await startTestServer(backend);
    anonymous = new STSClient({ endpoint: t.url, region: 'us-east-1', maxAttempts: 1 });
    await t.iam.send(new CreateSAMLProviderCommand({ Name: 'EncIdP', SAMLMetadataDocument: metadata([IDP.cert]), AddPrivateKey: first.pem }));
    await t.iam.send(new CreateSAMLProviderCommand({ Name: 'StrictIdP', SAMLMetadataDocument: metadata([IDP.cert]), AddPrivateKey: first.pem, AssertionEncryptionMode: 'Required' }));
    for (const [role, provider] of [['enc-role', 'EncIdP'], ['strict-role', 'StrictIdP']] as const) {
      await t.iam.send(new CreateRoleCommand({ RoleName: role, AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { Federated: providerArn(provider) }, Action: 'sts:AssumeRoleWithSAML' }) }));
    }
  });
  afterAll(async () => {
    await t?.close();
  });

  it('lists a provider\'s keys by id and upload time, and its mode, and never the key itself', async () => {
    const got = await get('EncIdP');
    expect(got.AssertionEncryptionMode).toBe('Allowed');
    expect(got.PrivateKeyList).toHaveLength(1);
    expect(got.PrivateKeyList![0]!.KeyId).toMatch(/^[A-Z0-9]{22,64}$/);
    expect(got.PrivateKeyList![0]!.Timestamp).toBeInstanceOf(Date);
    expect((await get('StrictIdP')).AssertionEncryptionMode).toBe('Required');
    // The raw answer, not only what the SDK keeps of it.
    const raw = await callDeployport(t, t.admin, 'GetSAMLProvider', { Version: '2010-05-08', SAMLProviderArn: providerArn('EncIdP') });
    expect(raw.status).toBe(200);
    expect(raw.body).toContain(got.PrivateKeyList![0]!.KeyId!);
    const keyBody = first.pem.split('\n')[1]!;
    expect(raw.body).not.toContain('PRIVATE KEY');
    expect(raw.body).not.toContain(keyBody);
  });

  it('stores the private key sealed', async () => {
    const row = await t.server.store.db.selectFrom('saml_providers').select('private_keys').where('name', '=', 'EncIdP').executeTakeFirstOrThrow();
    expect(row.private_keys).not.toContain('PRIVATE KEY');
    expect(row.private_keys).not.toContain(first.pem.split('\n')[1]!);
    expect(row.private_keys).toContain('v1.');
  });

  it('adds a second key, refuses a third or the same one again, and rotates by removing the old one', async () => {
    await t.iam.send(new CreateSAMLProviderCommand({ Name: 'RotateIdP', SAMLMetadataDocument: metadata([IDP.cert]), AddPrivateKey: first.pem }));
    const [old] = (await get('RotateIdP')).PrivateKeyList!;
    expect(await failure(update('RotateIdP', { AddPrivateKey: first.pem }))).toMatchObject({ name: 'InvalidInput', status: 400 });
    await update('RotateIdP', { AddPrivateKey: second.pem });
    expect((await get('RotateIdP')).PrivateKeyList?.map((key) => key.KeyId)).toEqual([old!.KeyId, expect.stringMatching(/^[A-Z0-9]{22,64}$/)]);
    expect(await failure(update('RotateIdP', { AddPrivateKey: stranger.pem }))).toMatchObject({ name: 'LimitExceeded', status: 409 });

    await update('RotateIdP', { RemovePrivateKey: old!.KeyId });
    const keys = (await get('RotateIdP')).PrivateKeyList!;
    expect(keys).toHaveLength(1);
    expect(keys[0]!.KeyId).not.toBe(old!.KeyId);
    // The removed key no longer decrypts; the remaining one does.
    expect(await failure(assume('RotateIdP', 'enc-role', encrypt(signedResponse('RotateIdP', 'enc-role'), first.publicKey)))).toMatchObject({ name: 'InvalidIdentityToken' });
  });

  it('refuses a key id the provider does not have, and a key that is not an RSA private key in PEM', async () => {
    expect(await failure(update('EncIdP', { RemovePrivateKey: 'A'.repeat(26) }))).toMatchObject({ name: 'InvalidInput', status: 400 });
    expect(await failure(update('EncIdP', { AddPrivateKey: 'not a key' }))).toMatchObject({ name: 'InvalidInput', status: 400 });
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    expect(await failure(update('EncIdP', { AddPrivateKey: ec }))).toMatchObject({ name: 'InvalidInput', status: 400 });
    expect(await failure(t.iam.send(new CreateSAMLProviderCommand({ Name: 'BadKeyIdP', SAMLMetadataDocument: metadata([IDP.cert]), AddPrivateKey: 'garbage' })))).toMatchObject({ name: 'InvalidInput' });
    expect((await get('EncIdP')).PrivateKeyList).toHaveLength(1);
  });

  it('refuses Required without a key to decrypt with', async () => {
    const noKey = await failure(t.iam.send(new CreateSAMLProviderCommand({ Name: 'KeylessIdP', SAMLMetadataDocument: metadata([IDP.cert]), AssertionEncryptionMode: 'Required' })));
    expect(noKey).toMatchObject({ name: 'InvalidInput', status: 400 });
    await t.iam.send(new CreateSAMLProviderCommand({ Name: 'LastKeyIdP', SAMLMetadataDocument: metadata([IDP.cert]), AddPrivateKey: first.pem, AssertionEncryptionMode: 'Required' }));
    const [only] = (await get('LastKeyIdP')).PrivateKeyList!;
    expect(await failure(update('LastKeyIdP', { RemovePrivateKey: only!.KeyId }))).toMatchObject({ name: 'InvalidInput', status: 400 });
    // Once encryption is only Allowed, the last key may go.
    await update('LastKeyIdP', { AssertionEncryptionMode: 'Allowed' });
    await update('LastKeyIdP', { RemovePrivateKey: only!.KeyId });
    expect((await get('LastKeyIdP')).PrivateKeyList ?? []).toEqual([]);
    expect(await failure(update('LastKeyIdP', { AssertionEncryptionMode: 'Required' }))).toMatchObject({ name: 'InvalidInput' });
  });

  it.each<[string, EncryptOptions]>([
    ['AES-256-GCM, RSA-OAEP (mgf1p)', {}],
    ['AES-128-GCM', { content: 'aes128-gcm' }],
    ['AES-128-CBC', { content: 'aes128-cbc' }],
    ['AES-256-CBC, the EncryptedKey beside the EncryptedData', { content: 'aes256-cbc', keyPlacement: 'sibling' }],
    ['xmlenc11 RSA-OAEP with SHA-256 and MGF1-SHA-256', { transport: 'oaep11-sha256' }],
    ['rsa-oaep-mgf1p with a SHA-256 digest', { transport: 'mgf1p-sha256-digest' }],
  ])('accepts an encrypted assertion under Allowed: %s', async (_what, options) => {
    const assumed = await assume('EncIdP', 'enc-role', encrypt(signedResponse('EncIdP', 'enc-role'), first.publicKey, options));
    expect(assumed.AssumedRoleUser?.Arn).toBe(`arn:aws:sts::${t.accountId}:assumed-role/enc-role/alice`);
  });

  it('accepts a plaintext assertion under Allowed, and refuses it under Required', async () => {
    expect((await assume('EncIdP', 'enc-role', signedResponse('EncIdP', 'enc-role'))).Credentials?.AccessKeyId).toMatch(/^ASIA/);
    const plain = await failure(assume('StrictIdP', 'strict-role', signedResponse('StrictIdP', 'strict-role')));
    expect(plain).toMatchObject({ name: 'InvalidIdentityToken', status: 400 });
    expect(plain.message).toContain('Required');
    const encrypted = await assume('StrictIdP', 'strict-role', encrypt(signedResponse('StrictIdP', 'strict-role'), first.publicKey));
    expect(encrypted.AssumedRoleUser?.Arn).toBe(`arn:aws:sts::${t.accountId}:assumed-role/strict-role/alice`);
  });

  it('accepts an unsigned encrypted assertion in a signed Response (the signature covers the ciphertext)', async () => {
    const plain = response({ now: Date.now(), roles: [`${roleArn('enc-role')},${providerArn('EncIdP')}`], sessionName: 'bob' });
    const signed = sign(encrypt(plain, first.publicKey), IDP, 'Response');
    expect((await assume('EncIdP', 'enc-role', signed)).AssumedRoleUser?.Arn).toContain('assumed-role/enc-role/bob');
    // Changing the ciphertext after the Response was signed breaks that signature.
    const tampered = signed.replace(/(<xenc:CipherValue>)([A-Za-z0-9+/])/, (_m, open: string, c: string) => open + (c === 'A' ? 'B' : 'A'));
    expect(tampered).not.toBe(signed);
    expect(await failure(assume('EncIdP', 'enc-role', tampered))).toMatchObject({ name: 'InvalidIdentityToken' });
  });

  it('refuses an encrypted assertion that is not signed', async () => {
    const unsigned = response({ now: Date.now(), roles: [`${roleArn('enc-role')},${providerArn('EncIdP')}`], sessionName: 'alice' });
    expect(await failure(assume('EncIdP', 'enc-role', encrypt(unsigned, first.publicKey)))).toMatchObject({ name: 'InvalidIdentityToken', status: 400 });
  });

  it('refuses an assertion encrypted to a key the provider does not hold, or changed in transit', async () => {
    const wrongKey = await failure(assume('EncIdP', 'enc-role', encrypt(signedResponse('EncIdP', 'enc-role'), stranger.publicKey)));
    expect(wrongKey).toMatchObject({ name: 'InvalidIdentityToken', status: 400 });
    expect(wrongKey.message).toContain('could not be decrypted');
    for (const content of ['aes256-gcm', 'aes128-cbc'] as const) {
      const tampered = await failure(assume('EncIdP', 'enc-role', encrypt(signedResponse('EncIdP', 'enc-role'), first.publicKey, { content, tamper: true })));
      // Bad padding and bad XML get the same answer: telling them apart would make a decryption oracle.
      expect(tampered).toMatchObject({ name: 'InvalidIdentityToken', status: 400, message: wrongKey.message });
    }
  });

  it('refuses RSA PKCS#1 v1.5 key transport as insecure', async () => {
    const error = await failure(assume('EncIdP', 'enc-role', encrypt(signedResponse('EncIdP', 'enc-role'), first.publicKey, { transport: 'rsa-1_5' })));
    expect(error).toMatchObject({ name: 'InvalidIdentityToken', status: 400 });
    expect(error.message).toMatch(/rsa-1_5.*insecure/);
  });

  it('refuses a signature-wrapped assertion inside the encryption', async () => {
    // The genuine signed assertion names another provider's role; the forged one, carrying its signature, names ours.
    const genuine = signedResponse('EncIdP', 'strict-role');
    const signedAssertion = /<saml:Assertion[\s\S]*<\/saml:Assertion>/.exec(genuine)![0];
    const signature = /<ds:Signature[\s\S]*<\/ds:Signature>/.exec(signedAssertion)![0];
    const forged = /<saml:Assertion[\s\S]*<\/saml:Assertion>/
      .exec(response({ now: Date.now(), roles: [`${roleArn('enc-role')},${providerArn('EncIdP')}`], sessionName: 'mallory' }))![0]
      .replace('</saml:Issuer>', `</saml:Issuer>${signature}`);
    const wrapped = genuine.replace(signedAssertion, forged);
    expect(await failure(assume('EncIdP', 'enc-role', encrypt(wrapped, first.publicKey)))).toMatchObject({ name: 'InvalidIdentityToken' });
  });
});
