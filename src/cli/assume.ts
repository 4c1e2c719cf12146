/**
 * `deployport iam roles assume`: AssumeRole, then the temporary credentials printed (as a person
 * reads them, as JSON, or as `export` lines) and saved as a profile, `temp-role` unless told
 * otherwise, with the endpoint and region of the profile that assumed it.
 */
import { Option, type Command } from 'commander';
import { intValue, readDocument, withExample } from './operations.js';
import { profileFiles, writeProfile } from './profiles.js';
import { callerAccount, runtimeFor } from './runtime.js';
import { tilde } from './configure.js';

/** The profile `roles assume` saves to by default, as the quick start expects. */
export const DEFAULT_ASSUMED_PROFILE = 'temp-role';

interface AssumeFlags {
  sessionName?: string;
  duration?: number;
  externalId?: string;
  policy?: string;
  saveProfile: string | false;
}

interface Credentials {
  AccessKeyId?: string;
  SecretAccessKey?: string;
  SessionToken?: string;
  Expiration?: Date;
}

/** Registers `assume` under `iam roles`. */
export function addAssume(roles: Command): void {
  const assume = roles
    .command('assume')
    .description(`Assume a role: print its temporary credentials and save them as a profile ("${DEFAULT_ASSUMED_PROFILE}" by default).`)
    .argument('<role>', 'the role name (in your account) or its ARN')
    .option('--session-name <name>', 'the session name, shown in the assumed-role ARN (default deployport-<time>)')
    .option('--duration <seconds>', "how long the credentials last (900 up to the role's maximum)", intValue)
    .option('--external-id <id>', "the external id the role's trust policy asks for")
    .option('--policy <file|json>', 'a session policy that narrows the role for this session')
    .addOption(new Option('--save-profile <name>', 'the profile to save the credentials to').default(DEFAULT_ASSUMED_PROFILE))
    .option('--no-save-profile', 'only print the credentials')
    .action(async (role: string, flags: AssumeFlags, command: Command) => {
      const runtime = runtimeFor(command, ['env']);
      let roleArn = role;
      if (!role.startsWith('arn:')) {
        const { partition, account } = await callerAccount(runtime);
        roleArn = `arn:${partition}:iam::${account}:role/${role}`;
      }
      const input: Record<string, unknown> = {
        RoleArn: roleArn,
        RoleSessionName: flags.sessionName ?? `deployport-${Math.floor(Date.now() / 1000)}`,
        ...(flags.duration !== undefined && { DurationSeconds: flags.duration }),
        ...(flags.externalId !== undefined && { ExternalId: flags.externalId }),
        ...(flags.policy !== undefined && { Policy: readDocument(flags.policy) }),
      };
      const response = await runtime.call('sts', 'AssumeRole', input);
      const credentials = (response['Credentials'] ?? {}) as Credentials;
      const expiration = credentials.Expiration instanceof Date ? credentials.Expiration.toISOString() : '';
      const profile = flags.saveProfile === false ? undefined : flags.saveProfile;
      if (profile) {
        writeProfile(profile, {
          access_key_id: credentials.AccessKeyId ?? '',
          secret_access_key: credentials.SecretAccessKey ?? '',
          session_token: credentials.SessionToken ?? null,
          expiration: expiration || null,
          region: runtime.profile.region.value ?? null,
          endpoint: runtime.profile.endpoint.value ?? null,
        });
      }
      const saved = profile ? `Saved as profile "${profile}" in ${tilde(profileFiles().credentials)}; use it with: export DEPLOYPORT_PROFILE=${profile}` : undefined;
      const format = runtime.globals.output ?? runtime.format;
      if (format === 'env') {
        process.stdout.write(
          [
            `export DEPLOYPORT_ACCESS_KEY_ID=${credentials.AccessKeyId ?? ''}`,
            `export DEPLOYPORT_SECRET_ACCESS_KEY=${credentials.SecretAccessKey ?? ''}`,
            `export DEPLOYPORT_SESSION_TOKEN=${credentials.SessionToken ?? ''}`,
            '',
          ].join('\n'),
        );
        if (saved) runtime.note(saved);
        return;
      }
      if (format === 'table' && !runtime.globals.query) {
        const user = response['AssumedRoleUser'] as { Arn?: string } | undefined;
        process.stdout.write(
          [
            `Assumed ${roleArn} as ${user?.Arn ?? 'a session'}.`,
            `Access Key ID:     ${credentials.AccessKeyId ?? ''}`,
            `Secret Access Key: ${credentials.SecretAccessKey ?? ''}`,
            `Session Token:     ${credentials.SessionToken ?? ''}`,
            `Expires:           ${expiration}`,
            ...(saved ? [saved] : []),
            '',
          ].join('\n'),
        );
        return;
      }
      runtime.print({ ...response, ...(profile && { Profile: profile }) }, { rows: 'Credentials' });
      if (saved) runtime.note(saved);
    });
  withExample(
    assume,
    'deployport iam roles assume developer-access',
    'deployport iam roles assume developer-access --duration 900 --save-profile ci --output json',
    'eval "$(deployport iam roles assume developer-access --no-save-profile --output env)"',
  );
}
