/**
 * The store's tables, as Kysely sees them. One schema serves SQLite and PostgreSQL, so it keeps to
 * what both share: text (ids, names, ISO 8601 instants, JSON documents) and integers (counters,
 * 0/1 flags). Names are unique per account without regard to case through a `name_lower` column
 * with a UNIQUE index, so concurrent creates of `Alice` and `alice` cannot both win.
 */

/** An account: the unit that owns every entity. */
export interface AccountsTable {
  id: string;
  alias: string | null;
  created_at: string;
  /** The account's password policy as JSON, or null for AWS's defaults. */
  password_policy: string | null;
}

/** Columns every named IAM entity has. */
interface NamedEntity {
  id: string;
  account_id: string;
  name: string;
  name_lower: string;
  path: string;
  created_at: string;
}

export interface UsersTable extends NamedEntity {
  boundary_arn: string | null;
  password_last_used: string | null;
}

export type GroupsTable = NamedEntity;

export interface GroupMembersTable {
  group_id: string;
  user_id: string;
}

export interface RolesTable extends NamedEntity {
  trust_policy: string;
  description: string | null;
  max_session_duration: number;
  boundary_arn: string | null;
  last_used_at: string | null;
  last_used_region: string | null;
}

/** A managed policy: customer managed (account_id = the account) or AWS managed (account_id = 'aws'). */
export interface PoliciesTable extends NamedEntity {
  arn: string;
  description: string | null;
  default_version_id: string;
  /** The number the next version takes: versions are v1, v2… and never reused. */
  next_version: number;
  updated_at: string;
}

export interface PolicyVersionsTable {
  policy_id: string;
  version_id: string;
  document: string;
  created_at: string;
}

/** The kinds of principal that policies attach to. */
export type PrincipalKind = 'user' | 'group' | 'role';

export interface AttachmentsTable {
  principal_type: PrincipalKind;
  principal_id: string;
  policy_id: string;
}

export interface InlinePoliciesTable {
  principal_type: PrincipalKind;
  principal_id: string;
  name: string;
  document: string;
}

export interface AccessKeysTable {
  id: string;
  account_id: string;
  /** `user` for an IAM user's key, `root` for the account root's. */
  owner_type: 'user' | 'root';
  /** The user's id, or the account id for the root. */
  owner_id: string;
  /** The secret, sealed with AES-256-GCM under the master key. */
  secret_sealed: string;
  status: 'Active' | 'Inactive';
  created_at: string;
  last_used_at: string | null;
  last_used_service: string | null;
  last_used_region: string | null;
}

export interface LoginProfilesTable {
  user_id: string;
  password_hash: string;
  password_reset_required: number;
  created_at: string;
}

export interface MfaDevicesTable {
  serial: string;
  account_id: string;
  name: string;
  path: string;
  seed_sealed: string;
  user_id: string | null;
  enabled_at: string | null;
  created_at: string;
}

/** Tags of any taggable entity, keyed by the entity's kind and id. */
export interface TagsTable {
  resource_type: string;
  resource_id: string;
  key: string;
  value: string;
}

export interface OidcProvidersTable {
  arn: string;
  account_id: string;
  url: string;
  /** JSON array of client ids (audiences). */
  client_ids: string;
  /** JSON array of thumbprints. */
  thumbprints: string;
  created_at: string;
}

export type InstanceProfilesTable = NamedEntity;

export interface InstanceProfileRolesTable {
  profile_id: string;
  role_id: string;
}

/** A temporary credential: a role session, a GetSessionToken session or a federated user's. */
export interface SessionsTable {
  /** The temporary access key id, ASIA…. */
  access_key_id: string;
  account_id: string;
  kind: 'assumed-role' | 'session-token' | 'federated-user' | 'root';
  /** The role for an assumed-role session, the account for a root session, the user for the others. */
  principal_id: string;
  /** The role session name, or the federated user's name. */
  session_name: string;
  secret_sealed: string;
  /** SHA-256 of the session token, hex: the token itself is never stored. */
  token_hash: string;
  issued_at: string;
  expires_at: string;
  /** JSON: the session policies, as [{ name, document }]. */
  policies: string;
  /** JSON: the session tags, as { key: value }. */
  tags: string;
  /** JSON: the keys of the tags that pass on to chained sessions. */
  transitive_tag_keys: string;
  source_identity: string | null;
  /** 1 when the session was obtained with credentials of another role session. */
  chained: number;
  /** 1 when the caller proved MFA to obtain it. */
  mfa: number;
}

/** Server-wide settings, one value per key (`management_account`: the account whose principals administer the server). */
export interface SettingsTable {
  key: string;
  value: string;
}

/** A token a workload trades for credentials of one role, as one service principal. */
export interface WorkloadTokensTable {
  id: string;
  account_id: string;
  role_id: string;
  service_principal: string;
  /** SHA-256 of the token, hex: the token itself is never stored. */
  token_hash: string;
  created_at: string;
}

/** A SAML 2.0 identity provider: its metadata as uploaded, and what verifying assertions needs from it. */
export interface SamlProvidersTable {
  arn: string;
  account_id: string;
  name: string;
  name_lower: string;
  /** The metadata document exactly as uploaded (GetSAMLProvider returns it). */
  metadata: string;
  /** The metadata's entityID: assertions must name it as their Issuer. */
  entity_id: string;
  /** JSON array of the IdP's signing certificates, PEM. */
  certificates: string;
  valid_until: string;
  created_at: string;
  /** Allowed or Required: whether plaintext assertions are still accepted. */
  assertion_encryption_mode: string;
  /** JSON array of the keys that decrypt assertions: id, upload time, SPKI fingerprint and the PEM sealed (never returned). */
  private_keys: string;
}

/** A delegation request: a partner account asks an owner account for temporary access (IAM UG, "Temporary delegation"). */
export interface DelegationRequestsTable {
  id: string;
  /** The partner account that created the request. */
  requestor_account_id: string;
  requestor_name: string | null;
  /** Named at creation, or set by AssociateDelegationRequest. */
  owner_account_id: string | null;
  /** The ARN of the identity that associated the request. */
  owner_id: string | null;
  /** The identity that accepted: its ARN, kind and user or role id; the delegated session is its. */
  approver_id: string | null;
  approver_kind: 'user' | 'assumed-role' | null;
  approver_entity_id: string | null;
  state: string;
  description: string;
  request_message: string | null;
  /** The DelegationPermission as sent (template ARN and parameters), JSON. */
  permissions: string;
  /** The policy the template resolves to: the permissions the delegated session gets. */
  permission_policy: string;
  requestor_workflow_id: string;
  redirect_url: string | null;
  notification_channel: string;
  session_duration: number;
  only_send_by_owner: number;
  notes: string | null;
  rejection_reason: string | null;
  /** SHA-256 of the trade-in token, hex, once SendDelegationToken has sent it. */
  token_hash: string | null;
  token_used_at: string | null;
  created_at: string;
  updated_at: string;
  expires_at: string;
}

/** A server certificate: the certificate and chain as uploaded, its private key sealed (never returned). */
export interface ServerCertificatesTable {
  id: string;
  account_id: string;
  name: string;
  name_lower: string;
  path: string;
  body: string;
  chain: string | null;
  private_key_sealed: string;
  expiration: string;
  created_at: string;
}

/** An X.509 signing certificate of a user; `fingerprint` (SHA-256 of the DER) finds duplicates in the account. */
export interface SigningCertificatesTable {
  id: string;
  account_id: string;
  user_id: string;
  body: string;
  fingerprint: string;
  status: 'Active' | 'Inactive';
  created_at: string;
}

/** An SSH public key of a user, kept in OpenSSH form; `fingerprint` is AWS's MD5 colon-hex. */
export interface SshPublicKeysTable {
  id: string;
  account_id: string;
  user_id: string;
  body: string;
  fingerprint: string;
  status: 'Active' | 'Inactive';
  created_at: string;
}

/** A service-specific credential of a user: the password only as an scrypt hash. */
export interface ServiceCredentialsTable {
  id: string;
  account_id: string;
  user_id: string;
  service_name: string;
  service_user_name: string;
  password_hash: string;
  status: 'Active' | 'Inactive';
  created_at: string;
}

/** When a user or role last made a successful call of one action (service last accessed data). */
export interface AccessRecordsTable {
  account_id: string;
  entity_type: 'user' | 'role';
  entity_id: string;
  /** The service namespace, `iam`. */
  service: string;
  /** `service:Operation`, `iam:ListUsers`. */
  action: string;
  last_at: string;
  region: string;
}

/** The hashes of a user's earlier passwords, for the password policy's PasswordReusePrevention. */
export interface PasswordHistoryTable {
  user_id: string;
  password_hash: string;
  replaced_at: string;
}

/** Every table of the store. */
export interface Database {
  accounts: AccountsTable;
  users: UsersTable;
  groups: GroupsTable;
  group_members: GroupMembersTable;
  roles: RolesTable;
  policies: PoliciesTable;
  policy_versions: PolicyVersionsTable;
  attachments: AttachmentsTable;
  inline_policies: InlinePoliciesTable;
  access_keys: AccessKeysTable;
  login_profiles: LoginProfilesTable;
  mfa_devices: MfaDevicesTable;
  tags: TagsTable;
  oidc_providers: OidcProvidersTable;
  instance_profiles: InstanceProfilesTable;
  instance_profile_roles: InstanceProfileRolesTable;
  sessions: SessionsTable;
  saml_providers: SamlProvidersTable;
  settings: SettingsTable;
  workload_tokens: WorkloadTokensTable;
  server_certificates: ServerCertificatesTable;
  signing_certificates: SigningCertificatesTable;
  ssh_public_keys: SshPublicKeysTable;
  service_credentials: ServiceCredentialsTable;
  delegation_requests: DelegationRequestsTable;
  access_records: AccessRecordsTable;
  password_history: PasswordHistoryTable;
}
