/**
 * `deployport policy validate`: the policy engine's parse and validate stages, offline, with each
 * problem's JSON pointer. Exit 1 when the policy has errors (warnings alone pass).
 */
import type { Command } from 'commander';
import { MalformedPolicyDocumentError, POLICY_KINDS, parse, validate, type Diagnostic, type PolicyKind } from '../policy/index.js';
import { readDocument, withExample } from './operations.js';
import { runtimeFor } from './runtime.js';
import { EXIT } from './errors.js';

/** Every problem of a policy text for its kind; a parse failure is one error. */
export function diagnose(text: string, kind: PolicyKind): Diagnostic[] {
  try {
    return validate(parse(text), kind);
  } catch (error) {
    if (error instanceof MalformedPolicyDocumentError) {
      return [{ severity: 'error', code: 'MalformedPolicyDocument', message: error.message.replace(/ \(at [^)]*\)$/, ''), pointer: error.pointer }];
    }
    throw error;
  }
}

/** Registers `policy validate`. */
export function addPolicy(program: Command): void {
  const policy = program.command('policy').description('Work with policy documents offline.');
  withExample(policy, 'deployport policy validate policy.json');
  const check = policy
    .command('validate')
    .description('Check a policy document with the engine the server uses; print each problem with its JSON pointer.')
    .argument('<file>', 'the policy: a file, file://path or the JSON itself')
    .option('--kind <kind>', `what the policy is for: ${POLICY_KINDS.join(', ')}`, 'identity')
    .action((file: string, flags: { kind: string }, command: Command) => {
      const runtime = runtimeFor(command);
      if (!(POLICY_KINDS as readonly string[]).includes(flags.kind)) {
        command.error(`error: option '--kind <kind>' argument '${flags.kind}' is invalid. Allowed choices are ${POLICY_KINDS.join(', ')}.`, { exitCode: EXIT.usage });
      }
      const diagnostics = diagnose(readDocument(file), flags.kind as PolicyKind);
      const errors = diagnostics.filter((d) => d.severity === 'error').length;
      const rows = diagnostics.map((d) => ({ Severity: d.severity, Pointer: d.pointer || '/', Code: d.code, Message: d.message }));
      if (runtime.format === 'table' && !runtime.globals.query) {
        if (rows.length > 0) runtime.print({ Diagnostics: rows }, { rows: 'Diagnostics', columns: ['Severity', 'Pointer', 'Message'] });
        process.stdout.write(errors === 0 ? `Valid ${flags.kind} policy${rows.length > 0 ? ` (${rows.length} warning${rows.length > 1 ? 's' : ''})` : ''}.\n` : '');
      } else {
        runtime.print({ Valid: errors === 0, Kind: flags.kind, Diagnostics: rows }, { rows: 'Diagnostics' });
      }
      if (errors > 0) {
        runtime.note(`deployport: the policy has ${errors} error${errors > 1 ? 's' : ''}`);
        process.exitCode = EXIT.service;
      }
    });
  withExample(check, 'deployport policy validate policy.json', 'deployport policy validate trust.json --kind trust --output json');
}
