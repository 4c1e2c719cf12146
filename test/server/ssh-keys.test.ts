/** SSH public keys through the real SDK, on SQLite and PostgreSQL; keys are generated at test time. */
import { createHash, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import {
  CreateUserCommand,
  DeleteSSHPublicKeyCommand,
  GetSSHPublicKeyCommand,
  ListSSHPublicKeysCommand,
  UpdateSSHPublicKeyCommand,
  UploadSSHPublicKeyCommand,
} from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, failure, startTestServer, type TestServer } from '../helpers/server.js';

// The SSH wire format (RFC 4253 §6.6, RFC 8709), written here independently of the server's code.
const string = (bytes: Buffer) => Buffer.concat([Buffer.from([0, 0, 0, 0].map((_, i) => (bytes.length >>> (8 * (3 - i))) & 0xff)), bytes]);
const mpint = (bytes: Buffer) => string((bytes[0] ?? 0) >= 0x80 ? Buffer.concat([Buffer.of(0), bytes]) : bytes);

/** An `ssh-rsa AAAA…` or `ssh-ed25519 AAAA…` line for a public key, built from its JWK. */
function openSsh(key: KeyObject, comment = 'test@deployport'): string {
  const jwk = key.export({ format: 'jwk' });
  const b = (text: string | undefined) => Buffer.from(text ?? '', 'base64url');
  const blob =
    key.asymmetricKeyType === 'rsa'
      ? Buffer.concat([string(Buffer.from('ssh-rsa')), mpint(b(jwk.e)), mpint(b(jwk.n))])
      : Buffer.concat([string(Buffer.from('ssh-ed25519')), string(b(jwk.x))]);
  const type = key.asymmetricKeyType === 'rsa' ? 'ssh-rsa' : 'ssh-ed25519';
  return `${type} ${blob.toString('base64')} ${comment}`;
}

/** AWS's fingerprint: MD5 of the key's wire format, colon-separated hex. */
function md5Fingerprint(line: string): string {
  const blob = Buffer.from(line.split(' ')[1] ?? '', 'base64');
  return (createHash('md5').update(blob).digest('hex').match(/../g) ?? []).join(':');
}

const rsa = (bits = 2048) => generateKeyPairSync('rsa', { modulusLength: bits }).publicKey;
const ed25519 = () => generateKeyPairSync('ed25519').publicKey;

describe.each(BACKENDS)('SSH public keys on %s', (backend) => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer(backend);
    for (const name of ['dev', 'pem-user', 'full', 'other']) await t.iam.send(new CreateUserCommand({ UserName: name }));
  });
  afterAll(async () => {
    await t?.close();
  });

  it('uploads an ssh-rsa key, with its MD5 fingerprint, and reads it back in SSH and PEM encodings', async () => {
    const key = rsa();
    const line = openSsh(key);
    const uploaded = await t.iam.send(new UploadSSHPublicKeyCommand({ UserName: 'dev', SSHPublicKeyBody: line }));
    const id = uploaded.SSHPublicKey?.SSHPublicKeyId ?? '';
    expect(id).toMatch(/^APKA[A-Z2-7]{17}$/);
    expect(uploaded.SSHPublicKey).toMatchObject({ UserName: 'dev', Status: 'Active', Fingerprint: md5Fingerprint(line) });
    expect(uploaded.SSHPublicKey?.Fingerprint).toMatch(/^([0-9a-f]{2}:){15}[0-9a-f]{2}$/);

    const ssh = await t.iam.send(new GetSSHPublicKeyCommand({ UserName: 'dev', SSHPublicKeyId: id, Encoding: 'SSH' }));
    expect(ssh.SSHPublicKey?.SSHPublicKeyBody).toBe(line.split(' ').slice(0, 2).join(' '));
    const pem = await t.iam.send(new GetSSHPublicKeyCommand({ UserName: 'dev', SSHPublicKeyId: id, Encoding: 'PEM' }));
    expect(pem.SSHPublicKey?.SSHPublicKeyBody).toContain('-----BEGIN PUBLIC KEY-----');
    expect(createPublicKey(pem.SSHPublicKey?.SSHPublicKeyBody ?? '').equals(key)).toBe(true);
  });

  it('uploads an ssh-ed25519 key', async () => {
    const line = openSsh(ed25519());
    const uploaded = await t.iam.send(new UploadSSHPublicKeyCommand({ UserName: 'dev', SSHPublicKeyBody: line }));
    expect(uploaded.SSHPublicKey?.Fingerprint).toBe(md5Fingerprint(line));
  });

  it('takes a PEM key, fingerprints it as its OpenSSH form, and refuses the same key again in either form with DuplicateSSHPublicKey', async () => {
    const key = rsa();
    const pem = key.export({ type: 'spki', format: 'pem' }).toString();
    const uploaded = await t.iam.send(new UploadSSHPublicKeyCommand({ UserName: 'pem-user', SSHPublicKeyBody: pem }));
    expect(uploaded.SSHPublicKey?.Fingerprint).toBe(md5Fingerprint(openSsh(key)));
    for (const body of [pem, openSsh(key, 'another comment')]) {
      const error = await failure(t.iam.send(new UploadSSHPublicKeyCommand({ UserName: 'pem-user', SSHPublicKeyBody: body })));
      expect(error).toMatchObject({ name: 'DuplicateSSHPublicKey', status: 400 });
    }
    // Another user may hold the same key.
    await t.iam.send(new UploadSSHPublicKeyCommand({ UserName: 'other', SSHPublicKeyBody: pem }));
  });

  it('answers InvalidPublicKey for text that is no key, a corrupt blob or a short RSA key', async () => {
    const good = openSsh(ed25519()).split(' ');
    const corrupt = `ssh-ed25519 ${Buffer.from(good[1] ?? '', 'base64').subarray(0, 20).toString('base64')}`;
    for (const body of ['hello world', corrupt, `ssh-rsa ${good[1]}`, openSsh(rsa(1024)), '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----']) {
      const error = await failure(t.iam.send(new UploadSSHPublicKeyCommand({ UserName: 'dev', SSHPublicKeyBody: body })));
      expect(error).toMatchObject({ name: 'InvalidPublicKey', status: 400 });
    }
  });

  it('answers UnrecognizedPublicKeyEncoding for a key of another algorithm', async () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey;
    const bodies = [ec.export({ type: 'spki', format: 'pem' }).toString(), `ecdsa-sha2-nistp256 ${Buffer.from('ecdsa-sha2-nistp256').toString('base64')}`];
    for (const body of bodies) {
      const error = await failure(t.iam.send(new UploadSSHPublicKeyCommand({ UserName: 'dev', SSHPublicKeyBody: body })));
      expect(error).toMatchObject({ name: 'UnrecognizedPublicKeyEncoding', status: 400 });
    }
  });

  it('holds at most five keys per user (LimitExceeded)', async () => {
    for (let i = 0; i < 5; i++) await t.iam.send(new UploadSSHPublicKeyCommand({ UserName: 'full', SSHPublicKeyBody: openSsh(ed25519()) }));
    const error = await failure(t.iam.send(new UploadSSHPublicKeyCommand({ UserName: 'full', SSHPublicKeyBody: openSsh(ed25519()) })));
    expect(error).toMatchObject({ name: 'LimitExceeded', status: 409 });
    const listed = await t.iam.send(new ListSSHPublicKeysCommand({ UserName: 'full', MaxItems: 3 }));
    expect(listed.SSHPublicKeys).toHaveLength(3);
    expect(listed.IsTruncated).toBe(true);
    const rest = await t.iam.send(new ListSSHPublicKeysCommand({ UserName: 'full', Marker: listed.Marker }));
    expect(rest.SSHPublicKeys).toHaveLength(2);
    expect(rest.IsTruncated).toBe(false);
  });

  it('deactivates, lists and deletes a key', async () => {
    const uploaded = await t.iam.send(new UploadSSHPublicKeyCommand({ UserName: 'other', SSHPublicKeyBody: openSsh(ed25519()) }));
    const id = uploaded.SSHPublicKey?.SSHPublicKeyId ?? '';
    await t.iam.send(new UpdateSSHPublicKeyCommand({ UserName: 'other', SSHPublicKeyId: id, Status: 'Inactive' }));
    const listed = await t.iam.send(new ListSSHPublicKeysCommand({ UserName: 'other' }));
    expect(listed.SSHPublicKeys?.find((k) => k.SSHPublicKeyId === id)).toMatchObject({ UserName: 'other', Status: 'Inactive' });
    await t.iam.send(new DeleteSSHPublicKeyCommand({ UserName: 'other', SSHPublicKeyId: id }));
    const gone = await failure(t.iam.send(new GetSSHPublicKeyCommand({ UserName: 'other', SSHPublicKeyId: id, Encoding: 'SSH' })));
    expect(gone).toMatchObject({ name: 'NoSuchEntity', status: 404 });
    // A key is found only under its own user.
    const elsewhere = await failure(t.iam.send(new DeleteSSHPublicKeyCommand({ UserName: 'dev', SSHPublicKeyId: id })));
    expect(elsewhere.name).toBe('NoSuchEntity');
  });

  it('answers NoSuchEntity for a missing user', async () => {
    const error = await failure(t.iam.send(new UploadSSHPublicKeyCommand({ UserName: 'ghost', SSHPublicKeyBody: openSsh(ed25519()) })));
    expect(error).toMatchObject({ name: 'NoSuchEntity', status: 404 });
  });
});
