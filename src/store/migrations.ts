/**
 * The store's migrations, in order. Written with Kysely's schema builder so that one definition
 * serves SQLite and PostgreSQL. A migration, once released, is never edited: add a new one.
 */
import type { Kysely, Migration, MigrationProvider } from 'kysely';

type AnyDb = Kysely<unknown>;

/** The columns every named entity table has, and its case-insensitive uniqueness per account. */
async function namedEntityTable(db: AnyDb, table: string, extra: (t: ReturnType<AnyDb['schema']['createTable']>) => ReturnType<AnyDb['schema']['createTable']>): Promise<void> {
  await extra(
    db.schema
      .createTable(table)
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('account_id', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('name_lower', 'text', (c) => c.notNull())
      .addColumn('path', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull()),
  ).execute();
  await db.schema.createIndex(`${table}_name_unique`).on(table).columns(['account_id', 'name_lower']).unique().execute();
}

const initial: Migration = {
  async up(db: AnyDb) {
    await db.schema
      .createTable('accounts')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('alias', 'text', (c) => c.unique())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('password_policy', 'text')
      .execute();

    await namedEntityTable(db, 'users', (t) => t.addColumn('boundary_arn', 'text').addColumn('password_last_used', 'text'));
    await namedEntityTable(db, 'groups', (t) => t);
    await db.schema
      .createTable('group_members')
      .addColumn('group_id', 'text', (c) => c.notNull().references('groups.id').onDelete('restrict'))
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('restrict'))
      .addPrimaryKeyConstraint('group_members_pk', ['group_id', 'user_id'])
      .execute();
    await db.schema.createIndex('group_members_user').on('group_members').column('user_id').execute();

    await namedEntityTable(db, 'roles', (t) =>
      t
        .addColumn('trust_policy', 'text', (c) => c.notNull())
        .addColumn('description', 'text')
        .addColumn('max_session_duration', 'integer', (c) => c.notNull())
        .addColumn('boundary_arn', 'text')
        .addColumn('last_used_at', 'text')
        .addColumn('last_used_region', 'text'),
    );

    await namedEntityTable(db, 'policies', (t) =>
      t
        .addColumn('arn', 'text', (c) => c.notNull().unique())
        .addColumn('description', 'text')
        .addColumn('default_version_id', 'text', (c) => c.notNull())
        .addColumn('next_version', 'integer', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull()),
    );
    await db.schema
      .createTable('policy_versions')
      .addColumn('policy_id', 'text', (c) => c.notNull().references('policies.id').onDelete('cascade'))
      .addColumn('version_id', 'text', (c) => c.notNull())
      .addColumn('document', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('policy_versions_pk', ['policy_id', 'version_id'])
      .execute();

    await db.schema
      .createTable('attachments')
      .addColumn('principal_type', 'text', (c) => c.notNull())
      .addColumn('principal_id', 'text', (c) => c.notNull())
      .addColumn('policy_id', 'text', (c) => c.notNull().references('policies.id').onDelete('restrict'))
      .addPrimaryKeyConstraint('attachments_pk', ['principal_type', 'principal_id', 'policy_id'])
      .execute();
    await db.schema.createIndex('attachments_policy').on('attachments').column('policy_id').execute();

    await db.schema
      .createTable('inline_policies')
      .addColumn('principal_type', 'text', (c) => c.notNull())
      .addColumn('principal_id', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('document', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('inline_policies_pk', ['principal_type', 'principal_id', 'name'])
      .execute();

    await db.schema
      .createTable('access_keys')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('account_id', 'text', (c) => c.notNull())
      .addColumn('owner_type', 'text', (c) => c.notNull())
      .addColumn('owner_id', 'text', (c) => c.notNull())
      .addColumn('secret_sealed', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('last_used_at', 'text')
      .addColumn('last_used_service', 'text')
      .addColumn('last_used_region', 'text')
      .execute();
    await db.schema.createIndex('access_keys_owner').on('access_keys').columns(['owner_type', 'owner_id']).execute();

    await db.schema
      .createTable('login_profiles')
      .addColumn('user_id', 'text', (c) => c.primaryKey().references('users.id').onDelete('restrict'))
      .addColumn('password_hash', 'text', (c) => c.notNull())
      .addColumn('password_reset_required', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('mfa_devices')
      .addColumn('serial', 'text', (c) => c.primaryKey())
      .addColumn('account_id', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('path', 'text', (c) => c.notNull())
      .addColumn('seed_sealed', 'text', (c) => c.notNull())
      .addColumn('user_id', 'text', (c) => c.references('users.id').onDelete('restrict'))
      .addColumn('enabled_at', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('tags')
      .addColumn('resource_type', 'text', (c) => c.notNull())
      .addColumn('resource_id', 'text', (c) => c.notNull())
      .addColumn('key', 'text', (c) => c.notNull())
      .addColumn('value', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('tags_pk', ['resource_type', 'resource_id', 'key'])
      .execute();

    await db.schema
      .createTable('oidc_providers')
      .addColumn('arn', 'text', (c) => c.primaryKey())
      .addColumn('account_id', 'text', (c) => c.notNull())
      .addColumn('url', 'text', (c) => c.notNull())
      .addColumn('client_ids', 'text', (c) => c.notNull())
      .addColumn('thumbprints', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();

    await namedEntityTable(db, 'instance_profiles', (t) => t);
    await db.schema
      .createTable('instance_profile_roles')
      .addColumn('profile_id', 'text', (c) => c.primaryKey().references('instance_profiles.id').onDelete('restrict'))
      .addColumn('role_id', 'text', (c) => c.notNull().references('roles.id').onDelete('restrict'))
      .execute();
  },
};

const sessions: Migration = {
  async up(db: AnyDb) {
    await db.schema
      .createTable('sessions')
      .addColumn('access_key_id', 'text', (c) => c.primaryKey())
      .addColumn('account_id', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('principal_id', 'text', (c) => c.notNull())
      .addColumn('session_name', 'text', (c) => c.notNull())
      .addColumn('secret_sealed', 'text', (c) => c.notNull())
      .addColumn('token_hash', 'text', (c) => c.notNull())
      .addColumn('issued_at', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .addColumn('policies', 'text', (c) => c.notNull())
      .addColumn('tags', 'text', (c) => c.notNull())
      .addColumn('transitive_tag_keys', 'text', (c) => c.notNull())
      .addColumn('source_identity', 'text')
      .addColumn('chained', 'integer', (c) => c.notNull())
      .addColumn('mfa', 'integer', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('sessions_expiry').on('sessions').column('expires_at').execute();
  },
};

/** Which account manages the server (a settings table), and the tokens workloads trade for role credentials. */
const accountsAndWorkloads: Migration = {
  async up(db: AnyDb) {
    await db.schema
      .createTable('settings')
      .addColumn('key', 'text', (c) => c.primaryKey())
      .addColumn('value', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('workload_tokens')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('account_id', 'text', (c) => c.notNull())
      // Deleting the role revokes its tokens.
      .addColumn('role_id', 'text', (c) => c.notNull().references('roles.id').onDelete('cascade'))
      .addColumn('service_principal', 'text', (c) => c.notNull())
      .addColumn('token_hash', 'text', (c) => c.notNull().unique())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('workload_tokens_account').on('workload_tokens').columns(['account_id', 'id']).execute();
  },
};

/** SAML identity providers: names unique per account without regard to case, as every IAM name. */
export const samlProviders: Migration = {
  async up(db: AnyDb) {
    await db.schema
      .createTable('saml_providers')
      .addColumn('arn', 'text', (c) => c.primaryKey())
      .addColumn('account_id', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('name_lower', 'text', (c) => c.notNull())
      .addColumn('metadata', 'text', (c) => c.notNull())
      .addColumn('entity_id', 'text', (c) => c.notNull())
      .addColumn('certificates', 'text', (c) => c.notNull())
      .addColumn('valid_until', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('saml_providers_name_unique').on('saml_providers').columns(['account_id', 'name_lower']).unique().execute();
  },
};

/** Delegation requests: one row per request, its state and, once sent, the hash of its trade-in token. */
const delegationRequests: Migration = {
  async up(db: AnyDb) {
    await db.schema
      .createTable('delegation_requests')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('requestor_account_id', 'text', (c) => c.notNull())
      .addColumn('requestor_name', 'text')
      .addColumn('owner_account_id', 'text')
      .addColumn('owner_id', 'text')
      .addColumn('approver_id', 'text')
      .addColumn('approver_kind', 'text')
      .addColumn('approver_entity_id', 'text')
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('description', 'text', (c) => c.notNull())
      .addColumn('request_message', 'text')
      .addColumn('permissions', 'text', (c) => c.notNull())
      .addColumn('permission_policy', 'text', (c) => c.notNull())
      .addColumn('requestor_workflow_id', 'text', (c) => c.notNull())
      .addColumn('redirect_url', 'text')
      .addColumn('notification_channel', 'text', (c) => c.notNull())
      .addColumn('session_duration', 'integer', (c) => c.notNull())
      .addColumn('only_send_by_owner', 'integer', (c) => c.notNull())
      .addColumn('notes', 'text')
      .addColumn('rejection_reason', 'text')
      .addColumn('token_hash', 'text', (c) => c.unique())
      .addColumn('token_used_at', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('delegation_requests_owner').on('delegation_requests').columns(['owner_account_id', 'id']).execute();
    await db.schema.createIndex('delegation_requests_requestor').on('delegation_requests').columns(['requestor_account_id', 'id']).execute();
  },
};

/** Server and signing certificates, SSH public keys and service-specific credentials. */
const certificatesAndKeys: Migration = {
  async up(db: AnyDb) {
    await namedEntityTable(db, 'server_certificates', (t) =>
      t
        .addColumn('body', 'text', (c) => c.notNull())
        .addColumn('chain', 'text')
        .addColumn('private_key_sealed', 'text', (c) => c.notNull())
        .addColumn('expiration', 'text', (c) => c.notNull()),
    );
    for (const table of ['signing_certificates', 'ssh_public_keys']) {
      await db.schema
        .createTable(table)
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('body', 'text', (c) => c.notNull())
        .addColumn('fingerprint', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex(`${table}_user`).on(table).column('user_id').execute();
    }
    // The same certificate may belong to one user of an account; the same SSH key once per user.
    await db.schema.createIndex('signing_certificates_unique').on('signing_certificates').columns(['account_id', 'fingerprint']).unique().execute();
    await db.schema.createIndex('ssh_public_keys_unique').on('ssh_public_keys').columns(['user_id', 'fingerprint']).unique().execute();
    await db.schema
      .createTable('service_credentials')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('account_id', 'text', (c) => c.notNull())
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('service_name', 'text', (c) => c.notNull())
      .addColumn('service_user_name', 'text', (c) => c.notNull())
      .addColumn('password_hash', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('service_credentials_user').on('service_credentials').columns(['user_id', 'service_name']).execute();
  },
};

/** The record of successful calls by user and role, for service last accessed data. */
const accessRecords: Migration = {
  async up(db: AnyDb) {
    await db.schema
      .createTable('access_records')
      .addColumn('account_id', 'text', (c) => c.notNull())
      .addColumn('entity_type', 'text', (c) => c.notNull())
      .addColumn('entity_id', 'text', (c) => c.notNull())
      .addColumn('service', 'text', (c) => c.notNull())
      .addColumn('action', 'text', (c) => c.notNull())
      .addColumn('last_at', 'text', (c) => c.notNull())
      .addColumn('region', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('access_records_pk', ['entity_type', 'entity_id', 'action'])
      .execute();
    await db.schema.createIndex('access_records_service').on('access_records').columns(['account_id', 'service']).execute();
  },
};

const passwordHistory: Migration = {
  async up(db: AnyDb) {
    await db.schema
      .createTable('password_history')
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('password_hash', 'text', (c) => c.notNull())
      .addColumn('replaced_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('password_history_pk', ['user_id', 'password_hash'])
      .execute();
  },
};

/** SAML encrypted assertions: the provider's encryption mode and its private keys, sealed. */
const samlEncryption: Migration = {
  async up(db: AnyDb) {
    await db.schema.alterTable('saml_providers').addColumn('assertion_encryption_mode', 'text', (c) => c.notNull().defaultTo('Allowed')).execute();
    await db.schema.alterTable('saml_providers').addColumn('private_keys', 'text', (c) => c.notNull().defaultTo('[]')).execute();
  },
};

/** Every migration by name; names sort in the order they run. */
export const migrations: MigrationProvider = {
  getMigrations: async () => ({ '0001_initial': initial, '0002_sessions': sessions, '0003_saml_providers': samlProviders, '0004_accounts_and_workloads': accountsAndWorkloads, '0005_certificates_and_keys': certificatesAndKeys, '0009_delegation_requests': delegationRequests, '0010_access_records': accessRecords, '0011_password_history': passwordHistory, '0012_saml_encryption': samlEncryption }),
};
