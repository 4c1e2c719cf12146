/**
 * The table of implemented operations: for each service, the operation name of the model and the
 * function that implements it. Domain modules export their handlers under the operations' wire
 * names; only names the model knows are taken, so helpers exported beside them are left out.
 */
import type { Handler } from '../iam/context.js';
import * as accountDetails from '../iam/account-details.js';
import * as attachments from '../iam/attachments.js';
import * as inlinePolicies from '../iam/inline-policies.js';
import * as managedPolicies from '../iam/managed-policies.js';
import * as simulate from '../iam/simulate.js';
import * as users from '../iam/users.js';
import * as roles from '../iam/roles.js';
import * as boundaries from '../iam/boundaries.js';
import * as instanceProfiles from '../iam/instance-profiles.js';
import * as oidcProviders from '../iam/oidc-providers.js';
import * as samlProviders from '../iam/saml-providers.js';
import * as groups from '../iam/groups.js';
import * as accessKeys from '../iam/access-keys.js';
import * as loginProfiles from '../iam/login-profiles.js';
import * as mfa from '../iam/mfa.js';
import * as serverCertificates from '../iam/server-certificates.js';
import * as signingCertificates from '../iam/signing-certificates.js';
import * as sshPublicKeys from '../iam/ssh-public-keys.js';
import * as serviceCredentials from '../iam/service-credentials.js';
import * as outboundFederation from '../iam/outbound-federation.js';
import * as contextKeys from '../iam/context-keys.js';
import * as credentialReport from '../iam/credential-report.js';
import * as serviceLinkedRoles from '../iam/service-linked-roles.js';
import * as serviceLastAccessed from '../iam/service-last-accessed.js';
import * as accessKeyInfo from '../sts/access-key-info.js';
import * as assumeRole from '../sts/assume-role.js';
import * as authorizationMessage from '../sts/authorization-message.js';
import * as callerIdentity from '../sts/caller-identity.js';
import * as saml from '../sts/saml.js';
import * as sessionToken from '../sts/session-token.js';
import * as webIdentity from '../sts/web-identity.js';
import * as webIdentityToken from '../sts/web-identity-token.js';
import * as workloadTokens from '../sts/workload-tokens.js';
import * as accounts from '../iam/accounts.js';
import * as accountSettings from '../iam/account-settings.js';
import * as mfaDevices from '../iam/mfa-devices.js';
import * as organizations from '../iam/organizations.js';
import * as assumeRoot from '../sts/assume-root.js';
import * as delegationRequests from '../iam/delegation-requests.js';
import * as delegatedAccessToken from '../sts/delegated-access-token.js';
import { SERVICES, type ServiceName } from '../protocol/index.js';

// Each handler takes its own input type; the table holds them all behind one signature.
type AnyHandler = Handler<never, unknown>;

function collect(service: ServiceName, modules: readonly object[]): ReadonlyMap<string, AnyHandler> {
  const table = new Map<string, AnyHandler>();
  for (const module of modules) {
    for (const [name, value] of Object.entries(module)) {
      if (typeof value === 'function' && SERVICES[service].operations.has(name)) table.set(name, value as AnyHandler);
    }
  }
  return table;
}

/** Implemented operations by service. */
export const HANDLERS: Readonly<Record<ServiceName, ReadonlyMap<string, AnyHandler>>> = {
  iam: collect('iam', [users, roles, boundaries, instanceProfiles, oidcProviders, samlProviders, groups, accessKeys, loginProfiles, mfa, managedPolicies, attachments, inlinePolicies, accountDetails, simulate, serverCertificates, signingCertificates, sshPublicKeys, serviceCredentials, outboundFederation, delegationRequests, accountSettings, mfaDevices, organizations, credentialReport, contextKeys, serviceLinkedRoles, serviceLastAccessed]),
  sts: collect('sts', [callerIdentity, assumeRole, saml, sessionToken, accessKeyInfo, authorizationMessage, webIdentity, webIdentityToken, delegatedAccessToken, assumeRoot]),
  deployport: collect('deployport', [accounts, workloadTokens]),
};

/**
 * Operations the generic authorization step leaves alone: those no policy governs (STS API,
 * "GetCallerIdentity", "GetSessionToken"), and the AssumeRole family, whose handlers authorize
 * with the role's trust policy (and, for AssumeRole, the caller's own policies).
 */
export const UNGOVERNED: ReadonlySet<string> = new Set([
  'sts:GetCallerIdentity',
  'sts:GetSessionToken',
  'sts:AssumeRole',
  // The account's password policy may let every user change its own password: the handler decides.
  'iam:ChangePassword',
  // Unsigned: the web identity token or SAML assertion is the proof, and the trust policy decides.
  'sts:AssumeRoleWithWebIdentity',
  'sts:AssumeRoleWithSAML',
  // Across accounts: the handler authorizes with the organization's trust of the management account.
  'sts:AssumeRoot',
]);

/**
 * IAM reads whose result is a function of the account's stored state, the caller and the input
 * alone: nothing from the clock, the request's host, or the bookkeeping that is written without a
 * change of version (key and service last use). Their encoded results may be reused until the
 * account changes (./read-cache.ts). A field filled by bookkeeping later must leave this list.
 */
export const CACHEABLE_READS: ReadonlySet<string> = new Set([
  // GetRole is not here: its RoleLastUsed is bookkeeping.
  'GetUser', 'ListUsers', 'GetGroup', 'ListGroups', 'ListGroupsForUser', 'ListRoles',
  'GetPolicy', 'ListPolicies', 'GetPolicyVersion', 'ListPolicyVersions', 'ListEntitiesForPolicy',
  'ListAttachedUserPolicies', 'ListAttachedGroupPolicies', 'ListAttachedRolePolicies',
  'ListUserPolicies', 'ListGroupPolicies', 'ListRolePolicies', 'GetUserPolicy', 'GetGroupPolicy', 'GetRolePolicy',
  'GetInstanceProfile', 'ListInstanceProfiles', 'ListInstanceProfilesForRole',
  'ListUserTags', 'ListRoleTags', 'ListPolicyTags', 'ListAccessKeys', 'ListAccountAliases', 'GetAccountPasswordPolicy',
  'ListOpenIDConnectProviders', 'GetOpenIDConnectProvider', 'ListSAMLProviders',
  'ListSigningCertificates', 'ListSSHPublicKeys', 'ListMFADevices', 'ListVirtualMFADevices',
]);

/** Whether an operation only reads: after anything else, cached permissions are recomputed. */
export function isReadOnly(operation: string): boolean {
  return /^(Get|List|Simulate|Decode)/.test(operation);
}
