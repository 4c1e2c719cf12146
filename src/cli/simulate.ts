/**
 * `deployport iam simulate`: ask the server's policy engine what it would decide for a principal
 * (SimulatePrincipalPolicy) or for policy files (SimulateCustomPolicy), and which statements decided.
 */
import type { Command } from 'commander';
import { UsageError } from './errors.js';
import { readDocument, withExample } from './operations.js';
import { callerAccount, runtimeFor, type Runtime } from './runtime.js';

interface SimulateFlags {
  principal?: string;
  policy?: string[];
  action: string[];
  resource?: string[];
  context?: string[];
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** The context entry type a value reads as (AWS's ContextKeyType names). */
function typeOf(value: string): string {
  if (/^(true|false)$/i.test(value)) return 'boolean';
  if (/^-?\d+(\.\d+)?$/.test(value)) return 'numeric';
  if (/^\d{1,3}(\.\d{1,3}){3}(\/\d{1,2})?$/.test(value) || /^[0-9a-f:]+:[0-9a-f:]*(\/\d{1,3})?$/i.test(value)) return 'ip';
  if (/^\d{4}-\d{2}-\d{2}T/.test(value)) return 'date';
  return 'string';
}

/** `key=value` pairs as ContextEntries; a key given twice becomes a list. */
export function contextEntries(pairs: readonly string[]): { ContextKeyName: string; ContextKeyValues: string[]; ContextKeyType: string }[] {
  const byKey = new Map<string, string[]>();
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`invalid --context "${pair}": use key=value, e.g. aws:SourceIp=10.0.0.1`);
    const key = pair.slice(0, eq);
    byKey.set(key, [...(byKey.get(key) ?? []), pair.slice(eq + 1)]);
  }
  return [...byKey].map(([key, values]) => {
    const type = typeOf(values[0] ?? '');
    return { ContextKeyName: key, ContextKeyValues: values, ContextKeyType: values.length > 1 ? `${type}List` : type };
  });
}

async function principalArn(value: string, runtime: Runtime): Promise<string> {
  if (value.startsWith('arn:')) return value;
  const { partition, account } = await callerAccount(runtime);
  const [type, ...rest] = value.includes('/') ? value.split('/') : ['user', value];
  return `arn:${partition}:iam::${account}:${type}/${rest.join('/')}`;
}

interface MatchedStatement {
  SourcePolicyId?: string;
  SourcePolicyType?: string;
  StartPosition?: { Line?: number; Column?: number };
}
interface EvaluationResult {
  EvalActionName?: string;
  EvalResourceName?: string;
  EvalDecision?: string;
  MatchedStatements?: MatchedStatement[];
  MissingContextValues?: string[];
}

/** Registers `simulate` under `iam`. */
export function addSimulate(iam: Command): void {
  const simulate = iam
    .command('simulate')
    .description("Show what the policy engine decides for a principal's policies or for policy files, and which statements decided it.")
    .option('--principal <arn|name>', 'a user, group or role: its ARN, a user name, or role/NAME, group/NAME')
    .option('--policy <file|json>', 'simulate this policy instead of a principal (repeatable)', collect)
    .requiredOption('--action <action>', 'an action, e.g. iam:CreateUser (repeatable)', collect)
    .option('--resource <arn>', 'a resource ARN (repeatable; default *)', collect)
    .option('--context <key=value>', 'a request context value, e.g. aws:SourceIp=10.0.0.1 (repeatable; a key twice makes a list)', collect)
    .action(async (flags: SimulateFlags, command: Command) => {
      const runtime = runtimeFor(command);
      if (!flags.principal === !flags.policy) throw new UsageError('give either --principal or --policy (one of them, not both)');
      const common = {
        ActionNames: flags.action,
        ...(flags.resource && { ResourceArns: flags.resource }),
        ...(flags.context && { ContextEntries: contextEntries(flags.context) }),
      };
      const response = flags.principal
        ? await runtime.call('iam', 'SimulatePrincipalPolicy', { PolicySourceArn: await principalArn(flags.principal, runtime), ...common })
        : await runtime.call('iam', 'SimulateCustomPolicy', { PolicyInputList: (flags.policy ?? []).map(readDocument), ...common });
      if (runtime.format === 'json' || runtime.globals.query) {
        runtime.print(response);
        return;
      }
      const results = (response['EvaluationResults'] ?? []) as EvaluationResult[];
      const rows = results.map((r) => ({
        Action: r.EvalActionName ?? '',
        Resource: r.EvalResourceName ?? '',
        Decision: r.EvalDecision ?? '',
        DecidedBy: (r.MatchedStatements ?? [])
          .map((m) => `${m.SourcePolicyId ?? '?'} (${m.SourcePolicyType ?? '?'}${m.StartPosition ? ` line ${m.StartPosition.Line ?? '?'} col ${m.StartPosition.Column ?? '?'}` : ''})`)
          .join('; ') || (r.EvalDecision === 'implicitDeny' ? 'no statement allows it' : ''),
        MissingContext: (r.MissingContextValues ?? []).join(', '),
      }));
      runtime.print({ Results: rows }, { rows: 'Results', columns: ['Action', 'Resource', 'Decision', 'DecidedBy', ...(rows.some((r) => r.MissingContext) ? ['MissingContext'] : [])] });
    });
  withExample(
    simulate,
    'deployport iam simulate --principal john-developer --action iam:ListUsers --action iam:CreateUser',
    'deployport iam simulate --policy policy.json --action s3:GetObject --resource arn:aws:s3:::bucket/key --context aws:SourceIp=10.0.0.1',
  );
}
