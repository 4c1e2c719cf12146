/**
 * Service roles for workloads (operations of our own, in the deployport model). Whoever may pass a
 * role (iam:PassRole on it, checked by the generic step) binds it to a service principal with a
 * workload token; the workload trades the token at the credentials endpoint for a role session,
 * as a service assuming the role would, so the role's trust policy must allow
 * `sts:AssumeRole` by `{"Service": <principal>}` each time. The token is random and stored only as
 * its SHA-256; deleting it, or the role, revokes it.
 */
import { createHash, randomBytes } from 'node:crypto';
import { AccessDenied } from '../authz/errors.js';
import type { ContextValue } from '../policy/index.js';
import { evaluate } from '../policy/index.js';
import { iamArn } from '../shared/arn.js';
import { isoTime } from '../shared/clock.js';
import type { Handler, OperationContext, ServiceConfig } from '../iam/context.js';
import { InvalidInput, NoSuchEntity } from '../iam/errors.js';
import { pageRequest, pageResponse, type PageInput, type PageOutput } from '../iam/paging.js';
import { requireRole } from '../iam/roles.js';
import { InvalidClientTokenId } from '../sigv4/index.js';
import { pageOf } from '../store/repos/named-entities.js';
import { issueSession } from './sessions.js';

/** How long workload credentials last; the SDKs fetch new ones five minutes before they expire. */
export const WORKLOAD_SESSION_SECONDS = 3600;

/** AWS's own service principals (`ecs-tasks.amazonaws.com`), accepted beside the configured ones. */
const AWS_SERVICE_PRINCIPAL = /^[a-z0-9-]+(\.[a-z0-9-]+)*\.amazonaws\.com$/;

/** CreateWorkloadToken's input. */
export interface CreateWorkloadTokenInput {
  readonly RoleName: string;
  readonly ServicePrincipal: string;
}

/** A workload token as listed (the token itself is shown only at creation). */
export interface WorkloadTokenMetadata {
  TokenId: string;
  RoleName: string;
  RoleArn: string;
  ServicePrincipal: string;
  CreateDate: string;
}

/** Credentials in the JSON shape the AWS SDKs' container credentials provider reads. */
export interface WorkloadCredentials {
  AccessKeyId: string;
  SecretAccessKey: string;
  Token: string;
  /** RFC 3339. */
  Expiration: string;
  RoleArn: string;
}

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

/** Whether workloads may act as this service principal on this server. */
export function isServicePrincipal(config: ServiceConfig, principal: string): boolean {
  return (config.servicePrincipals ?? []).includes(principal) || AWS_SERVICE_PRINCIPAL.test(principal);
}

/** CreateWorkloadToken: a token that lets a workload obtain the role's credentials as the service principal. */
export const CreateWorkloadToken: Handler<CreateWorkloadTokenInput, { WorkloadToken: WorkloadTokenMetadata & { Token: string } }> = async (input, context) => {
  const { caller, config, store } = context;
  const principal = input.ServicePrincipal;
  if (!isServicePrincipal(config, principal)) {
    throw new InvalidInput(`ServicePrincipal ${principal} is not a service principal of this server (${(config.servicePrincipals ?? []).join(', ') || 'none configured'}) nor an AWS one (*.amazonaws.com).`);
  }
  const role = await requireRole(store.db, context, input.RoleName);
  const TokenId = `wt-${randomBytes(12).toString('hex')}`;
  const Token = `dpwt-${randomBytes(32).toString('base64url')}`;
  const CreateDate = new Date(context.clock.now()).toISOString();
  await store.db
    .insertInto('workload_tokens')
    .values({ id: TokenId, account_id: caller.accountId, role_id: role.id, service_principal: principal, token_hash: hashToken(Token), created_at: CreateDate })
    .execute();
  const RoleArn = iamArn(config.partition, caller.accountId, 'role', role.path, role.name);
  return { WorkloadToken: { TokenId, Token, RoleName: role.name, RoleArn, ServicePrincipal: principal, CreateDate } };
};

/** ListWorkloadTokens: the account's tokens (of one role, given RoleName), by id, a page at a time. */
export const ListWorkloadTokens: Handler<PageInput & { readonly RoleName?: string }, { WorkloadTokens: WorkloadTokenMetadata[] } & PageOutput> = async (input, context) => {
  const { caller, config, store } = context;
  const { limit, after } = pageRequest(input);
  let query = store.db
    .selectFrom('workload_tokens')
    .innerJoin('roles', 'roles.id', 'workload_tokens.role_id')
    .select(['workload_tokens.id', 'workload_tokens.service_principal', 'workload_tokens.created_at', 'roles.name', 'roles.path'])
    .where('workload_tokens.account_id', '=', caller.accountId)
    .orderBy('workload_tokens.id')
    .limit(limit + 1);
  if (input.RoleName !== undefined) query = query.where('roles.id', '=', (await requireRole(store.db, context, input.RoleName)).id);
  if (after !== undefined) query = query.where('workload_tokens.id', '>', after);
  const page = pageOf(await query.execute(), limit, (row) => row.id);
  return {
    WorkloadTokens: page.items.map((row) => ({ TokenId: row.id, RoleName: row.name, RoleArn: iamArn(config.partition, caller.accountId, 'role', row.path, row.name), ServicePrincipal: row.service_principal, CreateDate: row.created_at })),
    ...pageResponse(page.next),
  };
};

/** DeleteWorkloadToken: revokes a token (credentials already issued run to their expiry, as AWS's do). */
export const DeleteWorkloadToken: Handler<{ readonly TokenId: string }, void> = async (input, context) => {
  const result = await context.store.db.deleteFrom('workload_tokens').where('id', '=', input.TokenId).where('account_id', '=', context.caller.accountId).executeTakeFirst();
  if (Number(result.numDeletedRows) === 0) throw new NoSuchEntity(`The workload token with id ${input.TokenId} cannot be found.`);
};

/**
 * Trades a workload token for fresh role credentials: an unknown or revoked token is
 * InvalidClientTokenId; a role whose trust policy does not let the token's service principal
 * assume it is AccessDenied. Every call issues a new session: sessions are stored with only the
 * hash of their token, so earlier credentials cannot be handed out again (the SDKs cache them
 * until five minutes before expiry, so a workload asks about once an hour).
 */
export async function exchangeWorkloadToken(context: Pick<OperationContext, 'store' | 'clock' | 'sealer' | 'config' | 'requestContext'>, token: string): Promise<WorkloadCredentials> {
  const { store, config } = context;
  const row = await store.db
    .selectFrom('workload_tokens')
    .innerJoin('roles', 'roles.id', 'workload_tokens.role_id')
    .select(['workload_tokens.id', 'workload_tokens.service_principal', 'roles.id as role_id', 'roles.account_id', 'roles.name', 'roles.path', 'roles.trust_policy'])
    .where('workload_tokens.token_hash', '=', hashToken(token))
    .executeTakeFirst();
  if (!row) throw new InvalidClientTokenId('The workload token is invalid or has been revoked.');
  const roleArn = iamArn(config.partition, row.account_id, 'role', row.path, row.name);

  // A service has no policies of its own: the trust policy alone decides, as for AWS's services.
  const principal = row.service_principal;
  const conditions: Record<string, ContextValue> = { ...context.requestContext, 'aws:PrincipalServiceName': principal };
  const decision = evaluate(
    { principal, action: 'sts:AssumeRole', resource: roleArn, context: conditions },
    { identity: [], resource: { name: `${roleArn}#trust`, document: row.trust_policy, kind: 'trust' } },
  );
  const trusted = decision.decision === 'Allow' && decision.matched.some((ref) => ref.policyType === 'resource' && ref.effect === 'Allow');
  if (!trusted) throw new AccessDenied(`Service: ${principal} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`);

  const credentials = await store.transaction(async (tx) => {
    const issued = await issueSession(tx, context, { kind: 'assumed-role', accountId: row.account_id, principalId: row.role_id, name: row.id, durationSeconds: WORKLOAD_SESSION_SECONDS });
    await tx.updateTable('roles').set({ last_used_at: new Date(context.clock.now()).toISOString(), last_used_region: config.region }).where('id', '=', row.role_id).execute();
    return issued;
  });
  return {
    AccessKeyId: credentials.AccessKeyId,
    SecretAccessKey: credentials.SecretAccessKey,
    Token: credentials.SessionToken,
    Expiration: isoTime(credentials.Expiration.getTime()),
    RoleArn: roleArn,
  };
}

