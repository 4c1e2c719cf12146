/** Server and signing certificates through the real SDK, on SQLite and PostgreSQL. */
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  GetAccountSummaryCommand,
  CreateUserCommand,
  DeleteServerCertificateCommand,
  DeleteSigningCertificateCommand,
  GetServerCertificateCommand,
  ListServerCertificateTagsCommand,
  ListServerCertificatesCommand,
  ListSigningCertificatesCommand,
  TagServerCertificateCommand,
  UntagServerCertificateCommand,
  UpdateServerCertificateCommand,
  UpdateSigningCertificateCommand,
  UploadServerCertificateCommand,
  UploadSigningCertificateCommand,
} from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, failure, startTestServer, type TestServer } from '../helpers/server.js';

const fixture = (path: string) => readFileSync(new URL(`../fixtures/${path}`, import.meta.url), 'utf8');
const CERT = fixture('saml/idp-cert.pem');
const KEY = fixture('saml/idp-key.pem');
const OTHER_CERT = fixture('saml/other-cert.pem');
const OTHER_KEY = fixture('saml/other-key.pem');
const THIRD_CERT = fixture('certificates/third-cert.pem');
const FOURTH_CERT = fixture('certificates/fourth-cert.pem');

describe.each(BACKENDS)('certificates on %s', (backend) => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer(backend);
  });
  afterAll(async () => {
    await t?.close();
  });

  describe('server certificates', () => {
    it('uploads a certificate with its chain and tags, and GetServerCertificate returns all but the private key', async () => {
      const uploaded = await t.iam.send(
        new UploadServerCertificateCommand({ ServerCertificateName: 'web', Path: '/cloudfront/', CertificateBody: CERT, PrivateKey: KEY, CertificateChain: OTHER_CERT, Tags: [{ Key: 'env', Value: 'prod' }] }),
      );
      const metadata = uploaded.ServerCertificateMetadata;
      expect(metadata?.ServerCertificateId).toMatch(/^ASCA[A-Z2-7]{17}$/);
      expect(metadata?.Arn).toBe(`arn:aws:iam::${t.accountId}:server-certificate/cloudfront/web`);
      expect(metadata?.Expiration?.getTime()).toBe(new Date(new X509Certificate(CERT).validTo).getTime());
      expect(uploaded.Tags).toEqual([{ Key: 'env', Value: 'prod' }]);

      const got = await t.iam.send(new GetServerCertificateCommand({ ServerCertificateName: 'WEB' }));
      expect(got.ServerCertificate?.CertificateBody).toBe(CERT);
      expect(got.ServerCertificate?.CertificateChain).toBe(OTHER_CERT);
      expect(got.ServerCertificate?.Tags).toEqual([{ Key: 'env', Value: 'prod' }]);
      expect(got.ServerCertificate?.ServerCertificateMetadata?.ServerCertificateId).toBe(metadata?.ServerCertificateId);
      expect(JSON.stringify(got)).not.toContain('PRIVATE KEY');
    });

    it('counts the account\'s server certificates in GetAccountSummary', async () => {
      const before = (await t.iam.send(new GetAccountSummaryCommand({}))).SummaryMap?.ServerCertificates ?? 0;
      await t.iam.send(new UploadServerCertificateCommand({ ServerCertificateName: 'counted', CertificateBody: CERT, PrivateKey: KEY }));
      expect((await t.iam.send(new GetAccountSummaryCommand({}))).SummaryMap?.ServerCertificates).toBe(before + 1);
    });

    it('refuses a private key that does not match the certificate with KeyPairMismatch', async () => {
      const error = await failure(t.iam.send(new UploadServerCertificateCommand({ ServerCertificateName: 'mismatch', CertificateBody: CERT, PrivateKey: OTHER_KEY })));
      expect(error).toMatchObject({ name: 'KeyPairMismatch', status: 400 });
      expect((await failure(t.iam.send(new GetServerCertificateCommand({ ServerCertificateName: 'mismatch' })))).name).toBe('NoSuchEntity');
    });

    it('refuses a body, chain or key that does not parse with MalformedCertificate', async () => {
      const garbage = '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n';
      for (const input of [
        { CertificateBody: garbage, PrivateKey: KEY },
        { CertificateBody: 'hello', PrivateKey: KEY },
        { CertificateBody: CERT, PrivateKey: 'not a key' },
        { CertificateBody: CERT, PrivateKey: KEY, CertificateChain: garbage },
      ]) {
        const error = await failure(t.iam.send(new UploadServerCertificateCommand({ ServerCertificateName: 'malformed', ...input })));
        expect(error).toMatchObject({ name: 'MalformedCertificate', status: 400 });
      }
    });

    it('refuses a second certificate whose name differs only in case', async () => {
      await t.iam.send(new UploadServerCertificateCommand({ ServerCertificateName: 'dup', CertificateBody: CERT, PrivateKey: KEY }));
      const error = await failure(t.iam.send(new UploadServerCertificateCommand({ ServerCertificateName: 'DUP', CertificateBody: CERT, PrivateKey: KEY })));
      expect(error).toMatchObject({ name: 'EntityAlreadyExists', status: 409 });
    });

    it('lists by path prefix a page at a time', async () => {
      for (const name of ['l1', 'l2', 'l3']) {
        await t.iam.send(new UploadServerCertificateCommand({ ServerCertificateName: name, Path: '/listed/', CertificateBody: CERT, PrivateKey: KEY }));
      }
      const first = await t.iam.send(new ListServerCertificatesCommand({ PathPrefix: '/listed/', MaxItems: 2 }));
      expect(first.ServerCertificateMetadataList?.map((m) => m.ServerCertificateName)).toEqual(['l1', 'l2']);
      expect(first.IsTruncated).toBe(true);
      const second = await t.iam.send(new ListServerCertificatesCommand({ PathPrefix: '/listed/', MaxItems: 2, Marker: first.Marker }));
      expect(second.ServerCertificateMetadataList?.map((m) => m.ServerCertificateName)).toEqual(['l3']);
      expect(second.IsTruncated).toBe(false);
      const all = await t.iam.send(new ListServerCertificatesCommand({}));
      expect(all.ServerCertificateMetadataList?.map((m) => m.ServerCertificateName)).toContain('web');
    });

    it('renames and moves a certificate, keeping its id and tags', async () => {
      const uploaded = await t.iam.send(new UploadServerCertificateCommand({ ServerCertificateName: 'old', CertificateBody: CERT, PrivateKey: KEY, Tags: [{ Key: 'a', Value: '1' }] }));
      await t.iam.send(new UpdateServerCertificateCommand({ ServerCertificateName: 'old', NewServerCertificateName: 'new', NewPath: '/moved/' }));
      const got = await t.iam.send(new GetServerCertificateCommand({ ServerCertificateName: 'new' }));
      expect(got.ServerCertificate?.ServerCertificateMetadata).toMatchObject({
        ServerCertificateId: uploaded.ServerCertificateMetadata?.ServerCertificateId,
        Arn: `arn:aws:iam::${t.accountId}:server-certificate/moved/new`,
      });
      expect(got.ServerCertificate?.Tags).toEqual([{ Key: 'a', Value: '1' }]);
      expect((await failure(t.iam.send(new GetServerCertificateCommand({ ServerCertificateName: 'old' })))).name).toBe('NoSuchEntity');
      const taken = await failure(t.iam.send(new UpdateServerCertificateCommand({ ServerCertificateName: 'new', NewServerCertificateName: 'Web' })));
      expect(taken).toMatchObject({ name: 'EntityAlreadyExists', status: 409 });
    });

    it('tags, lists tags and untags a certificate', async () => {
      await t.iam.send(new UploadServerCertificateCommand({ ServerCertificateName: 'tagged', CertificateBody: CERT, PrivateKey: KEY }));
      await t.iam.send(new TagServerCertificateCommand({ ServerCertificateName: 'tagged', Tags: [{ Key: 'x', Value: '1' }, { Key: 'y', Value: '2' }] }));
      await t.iam.send(new UntagServerCertificateCommand({ ServerCertificateName: 'tagged', TagKeys: ['x'] }));
      const tags = await t.iam.send(new ListServerCertificateTagsCommand({ ServerCertificateName: 'tagged' }));
      expect(tags.Tags).toEqual([{ Key: 'y', Value: '2' }]);
      expect(tags.IsTruncated).toBe(false);
      const missing = await failure(t.iam.send(new TagServerCertificateCommand({ ServerCertificateName: 'nope', Tags: [{ Key: 'x', Value: '1' }] })));
      expect(missing).toMatchObject({ name: 'NoSuchEntity', status: 404 });
    });

    it('deletes a certificate, and then it cannot be found', async () => {
      await t.iam.send(new UploadServerCertificateCommand({ ServerCertificateName: 'doomed', CertificateBody: CERT, PrivateKey: KEY }));
      await t.iam.send(new DeleteServerCertificateCommand({ ServerCertificateName: 'doomed' }));
      const error = await failure(t.iam.send(new DeleteServerCertificateCommand({ ServerCertificateName: 'doomed' })));
      expect(error).toMatchObject({ name: 'NoSuchEntity', status: 404, message: 'The Server Certificate with name doomed cannot be found.' });
    });
  });

  describe('signing certificates', () => {
    it('uploads for a named user, lists, deactivates and deletes', async () => {
      await t.iam.send(new CreateUserCommand({ UserName: 'signer' }));
      const uploaded = await t.iam.send(new UploadSigningCertificateCommand({ UserName: 'signer', CertificateBody: CERT }));
      const id = uploaded.Certificate?.CertificateId ?? '';
      expect(id.length).toBeGreaterThanOrEqual(24);
      expect(uploaded.Certificate).toMatchObject({ UserName: 'signer', Status: 'Active', CertificateBody: CERT });

      await t.iam.send(new UpdateSigningCertificateCommand({ UserName: 'signer', CertificateId: id, Status: 'Inactive' }));
      const listed = await t.iam.send(new ListSigningCertificatesCommand({ UserName: 'signer' }));
      expect(listed.Certificates?.map((c) => [c.CertificateId, c.Status])).toEqual([[id, 'Inactive']]);

      await t.iam.send(new DeleteSigningCertificateCommand({ UserName: 'signer', CertificateId: id }));
      expect((await t.iam.send(new ListSigningCertificatesCommand({ UserName: 'signer' }))).Certificates).toEqual([]);
      const gone = await failure(t.iam.send(new DeleteSigningCertificateCommand({ UserName: 'signer', CertificateId: id })));
      expect(gone).toMatchObject({ name: 'NoSuchEntity', status: 404 });
    });

    it('without a user name, acts on the calling user', async () => {
      const uploaded = await t.iam.send(new UploadSigningCertificateCommand({ CertificateBody: THIRD_CERT }));
      expect(uploaded.Certificate?.UserName).toBe('admin');
      const listed = await t.iam.send(new ListSigningCertificatesCommand({}));
      expect(listed.Certificates?.map((c) => c.CertificateId)).toEqual([uploaded.Certificate?.CertificateId]);
      await t.iam.send(new DeleteSigningCertificateCommand({ CertificateId: uploaded.Certificate?.CertificateId }));
    });

    it('refuses the same certificate twice with DuplicateCertificate, for the same user or another', async () => {
      await t.iam.send(new CreateUserCommand({ UserName: 'dup-a' }));
      await t.iam.send(new CreateUserCommand({ UserName: 'dup-b' }));
      await t.iam.send(new UploadSigningCertificateCommand({ UserName: 'dup-a', CertificateBody: OTHER_CERT }));
      for (const user of ['dup-a', 'dup-b']) {
        const error = await failure(t.iam.send(new UploadSigningCertificateCommand({ UserName: user, CertificateBody: OTHER_CERT })));
        expect(error).toMatchObject({ name: 'DuplicateCertificate', status: 409 });
      }
    });

    it('holds at most two certificates per user (LimitExceeded)', async () => {
      await t.iam.send(new CreateUserCommand({ UserName: 'limited' }));
      await t.iam.send(new UploadSigningCertificateCommand({ UserName: 'limited', CertificateBody: CERT }));
      await t.iam.send(new UploadSigningCertificateCommand({ UserName: 'limited', CertificateBody: THIRD_CERT }));
      const error = await failure(t.iam.send(new UploadSigningCertificateCommand({ UserName: 'limited', CertificateBody: FOURTH_CERT })));
      expect(error).toMatchObject({ name: 'LimitExceeded', status: 409 });
      expect((await t.iam.send(new ListSigningCertificatesCommand({ UserName: 'limited' }))).Certificates).toHaveLength(2);
    });

    it('answers MalformedCertificate for a body that is not a certificate, and NoSuchEntity for a missing user', async () => {
      const malformed = await failure(t.iam.send(new UploadSigningCertificateCommand({ UserName: 'admin', CertificateBody: 'garbage' })));
      expect(malformed).toMatchObject({ name: 'MalformedCertificate', status: 400 });
      const missing = await failure(t.iam.send(new UploadSigningCertificateCommand({ UserName: 'ghost', CertificateBody: CERT })));
      expect(missing).toMatchObject({ name: 'NoSuchEntity', status: 404 });
    });
  });
});
