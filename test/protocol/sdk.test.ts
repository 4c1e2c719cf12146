/**
 * The real AWS SDK against a loopback server built only from this module: the SDK's requests
 * decode, and our XML results and errors parse into the SDK's types.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CreateUserCommand, GetUserCommand, IAMClient, ListUsersCommand, NoSuchEntityException } from '@aws-sdk/client-iam';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeError, encodeResponse } from '../../src/protocol/encode.js';
import { serviceByApiVersion } from '../../src/protocol/model.js';
import { parseQueryParams } from '../../src/protocol/query.js';
import { decodeRequest } from '../../src/protocol/resolve.js';
import { defineError, ServiceError } from '../../src/shared/service-error.js';

const NoSuchEntity = defineError('NoSuchEntity', 404);
const created = new Date('2026-11-30T06:30:00Z');

/** What each operation answers; `input` is what decodeRequest made of the SDK's request. */
const handlers: Record<string, (input: Record<string, unknown>) => Record<string, unknown> | undefined> = {
  CreateUser: (input) => ({
    User: { Path: input.Path ?? '/', UserName: input.UserName, UserId: 'AIDAEXAMPLE000000001', Arn: `arn:aws:iam::123456789012:user/${String(input.UserName)}`, CreateDate: created, Tags: input.Tags },
  }),
  ListUsers: (input) => ({
    Users: Array.from({ length: Number(input.MaxItems ?? 2) }, (_, i) => ({
      Path: '/',
      UserName: `u${i}`,
      UserId: `AIDAEXAMPLE00000000${i}`,
      Arn: `arn:aws:iam::123456789012:user/u${i}`,
      CreateDate: new Date(created.getTime() + i * 1500),
    })),
    IsTruncated: true,
    Marker: 'next&page',
  }),
  GetUser: (input) => {
    throw new NoSuchEntity(`The user with name ${String(input.UserName)} cannot be found.`);
  },
  AssumeRole: (input) => ({
    Credentials: { AccessKeyId: 'ASIAEXAMPLE000000001', SecretAccessKey: 's'.repeat(40), SessionToken: 'token', Expiration: new Date(created.getTime() + 3_600_000) },
    AssumedRoleUser: { AssumedRoleId: `AROAEXAMPLE:${String(input.RoleSessionName)}`, Arn: `arn:aws:sts::123456789012:assumed-role/r/${String(input.RoleSessionName)}` },
    PackedPolicySize: 6,
  }),
};

const received: Record<string, unknown>[] = [];
let server: Server;
let endpoint: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      const params = parseQueryParams(body);
      const service = serviceByApiVersion(params.get('Version') ?? '');
      const requestId = 'c0ffee00-0000-4000-8000-000000000001';
      let status = 200;
      let xml: string;
      try {
        if (!service) throw new ServiceError('InvalidAction', 'unknown version', 400);
        const { operation, input } = decodeRequest(service, params);
        received.push(input);
        const handler = handlers[operation.name];
        if (!handler) throw new ServiceError('NotImplemented', operation.name, 501);
        xml = encodeResponse(service, operation, handler(input), requestId);
      } catch (e) {
        const error = e instanceof ServiceError ? e : new ServiceError('ServiceFailure', 'An internal error occurred.', 500);
        status = error.status;
        xml = encodeError(error, requestId, service?.metadata.xmlNamespace);
      }
      res.writeHead(status, { 'content-type': 'text/xml', 'x-amzn-requestid': requestId });
      res.end(xml);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const config = () => ({ endpoint, region: 'us-east-1', maxAttempts: 1, credentials: { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'x' } });

describe('the AWS SDK against our encoding', () => {
  it('CreateUser: the SDK request decodes, and the SDK parses the user, its date and tags', async () => {
    const iam = new IAMClient(config());
    const tags = [{ Key: 'team', Value: 'Équipe + core:1' }, { Key: 'empty', Value: '' }];
    const path = `/a&b<"c'>/`;
    const out = await iam.send(new CreateUserCommand({ UserName: 'john-developer', Path: path, Tags: tags }));
    expect(received.at(-1)).toEqual({ UserName: 'john-developer', Path: path, Tags: tags });
    expect(out.User?.UserName).toBe('john-developer');
    expect(out.User?.Arn).toBe('arn:aws:iam::123456789012:user/john-developer');
    expect(out.User?.CreateDate?.toISOString()).toBe('2026-11-30T06:30:00.000Z');
    expect(out.User?.Path).toBe(path);
    expect(out.User?.Tags).toEqual(tags);
    expect(out.$metadata.requestId).toBe('c0ffee00-0000-4000-8000-000000000001');
  });

  it('CreateUser with an empty tag list: the SDK sends Tags= and it decodes to []', async () => {
    const iam = new IAMClient(config());
    const out = await iam.send(new CreateUserCommand({ UserName: 'bob', Tags: [] }));
    expect(received.at(-1)).toEqual({ UserName: 'bob', Tags: [] });
    expect(out.User?.Tags ?? []).toEqual([]);
  });

  it('ListUsers: users, millisecond dates, IsTruncated and Marker', async () => {
    const iam = new IAMClient(config());
    const out = await iam.send(new ListUsersCommand({ MaxItems: 3 }));
    expect(received.at(-1)).toEqual({ MaxItems: 3 });
    expect(out.Users?.map((u) => u.UserName)).toEqual(['u0', 'u1', 'u2']);
    expect(out.Users?.map((u) => u.CreateDate?.toISOString())).toEqual(['2026-11-30T06:30:00.000Z', '2026-11-30T06:30:01.500Z', '2026-11-30T06:30:03.000Z']);
    expect(out.IsTruncated).toBe(true);
    expect(out.Marker).toBe('next&page');
  });

  it('an error parses into NoSuchEntityException with our message, status and request id', async () => {
    const iam = new IAMClient(config());
    const error = await iam.send(new GetUserCommand({ UserName: 'ghost' })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NoSuchEntityException);
    const e = error as NoSuchEntityException;
    expect(e.name).toBe('NoSuchEntityException');
    expect(e.message).toBe('The user with name ghost cannot be found.');
    expect(e.$metadata.httpStatusCode).toBe(404);
    expect(e.$fault).toBe('client');
    expect(e.$metadata.requestId).toBe('c0ffee00-0000-4000-8000-000000000001');
  });

  it('a validation error reaches the SDK as ValidationError with the AWS message', async () => {
    const iam = new IAMClient(config());
    const error = (await iam.send(new CreateUserCommand({ UserName: 'bad name!' })).catch((e: unknown) => e)) as Error & { $metadata: { httpStatusCode?: number } };
    expect(error.name).toBe('ValidationError');
    expect(error.message).toBe(
      "1 validation error detected: Value 'bad name!' at 'userName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+",
    );
    expect(error.$metadata.httpStatusCode).toBe(400);
  });

  it('STS AssumeRole: credentials with their expiration, nested lists in the request', async () => {
    const sts = new STSClient(config());
    const out = await sts.send(
      new AssumeRoleCommand({
        RoleArn: 'arn:aws:iam::123456789012:role/developer-access',
        RoleSessionName: 'dev',
        PolicyArns: [{ arn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }],
        DurationSeconds: 3600,
      }),
    );
    expect(received.at(-1)).toEqual({
      RoleArn: 'arn:aws:iam::123456789012:role/developer-access',
      RoleSessionName: 'dev',
      PolicyArns: [{ arn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }],
      DurationSeconds: 3600,
    });
    expect(out.Credentials?.AccessKeyId).toBe('ASIAEXAMPLE000000001');
    expect(out.Credentials?.Expiration?.toISOString()).toBe('2026-11-30T07:30:00.000Z');
    expect(out.AssumedRoleUser?.Arn).toBe('arn:aws:sts::123456789012:assumed-role/r/dev');
    expect(out.PackedPolicySize).toBe(6);
  });
});
