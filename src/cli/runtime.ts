/**
 * What every command's action gets: the global options (`--profile`, `--output`, `--query`,
 * `--debug`), the active profile, lazily opened clients, and printing in the chosen format.
 */
import type { Command } from 'commander';
import { call, openSession, type Service, type Session } from './client.js';
import { UsageError, type CallTarget } from './errors.js';
import { OUTPUT_FORMATS, render, type OutputFormat, type View } from './output.js';
import { resolveProfile, type ResolvedProfile } from './profiles.js';

/** The options every command accepts. */
export interface GlobalOptions {
  profile?: string;
  output?: string;
  query?: string;
  debug?: boolean;
}

/** A command's view of the CLI's state. */
export interface Runtime {
  readonly globals: GlobalOptions;
  readonly profile: ResolvedProfile;
  /** The output format: `--output`, the profile's `output`, then table on a terminal, JSON otherwise. */
  readonly format: OutputFormat;
  session(): Session;
  call(service: Service, operation: string, input: Record<string, unknown>): Promise<Record<string, unknown>>;
  print(response: unknown, view?: View): void;
  /** A line for the person at the terminal (stderr, so stdout stays parseable). */
  note(line: string): void;
  debug(line: string): void;
  /** Where calls go, for error hints; undefined before a profile was resolved. */
  readonly target: CallTarget | undefined;
}

/** The last target a runtime opened, for the top-level error handler's hint. */
export let lastTarget: CallTarget | undefined;

/** Builds the runtime for a command's action. `extraFormats` are formats only this command knows (`env`). */
export function runtimeFor(command: Command, extraFormats: readonly string[] = []): Runtime {
  const globals = command.optsWithGlobals<GlobalOptions>();
  const profile = resolveProfile(globals.profile);
  const requested = globals.output ?? profile.output.value;
  if (requested !== undefined && !(OUTPUT_FORMATS as readonly string[]).includes(requested) && !extraFormats.includes(requested)) {
    throw new UsageError(`invalid output format "${requested}": use one of ${[...OUTPUT_FORMATS, ...extraFormats].join(', ')}`);
  }
  const format = (requested ?? (process.stdout.isTTY ? 'table' : 'json')) as OutputFormat;
  const debug = (line: string) => {
    if (globals.debug) process.stderr.write(`[debug] ${line}\n`);
  };
  lastTarget = { profile: profile.name, endpoint: profile.endpoint.value ?? '' };
  let session: Session | undefined;
  const runtime: Runtime = {
    globals,
    profile,
    format,
    target: lastTarget,
    session() {
      session ??= openSession(profile, { debug: globals.debug ? debug : undefined });
      return session;
    },
    call(service, operation, input) {
      return call(runtime.session(), service, operation, input);
    },
    print(response, view) {
      const out = render(response, format, globals.query, view);
      if (out !== '') process.stdout.write(`${out}\n`);
    },
    note(line) {
      process.stderr.write(`${line}\n`);
    },
    debug,
  };
  return runtime;
}

/** The caller's account and partition, from GetCallerIdentity (allowed to every caller). */
export async function callerAccount(runtime: Runtime): Promise<{ account: string; partition: string; arn: string }> {
  const identity = await runtime.call('sts', 'GetCallerIdentity', {});
  const arn = String(identity['Arn'] ?? '');
  return { account: String(identity['Account'] ?? ''), partition: arn.split(':')[1] ?? 'aws', arn };
}
