/**
 * Commands that are one API call: declared as data (arguments → input members, the operation, how
 * the output looks) and turned into commander commands by one function, so a new command is a new
 * table row, not a new handler.
 */
import { existsSync, readFileSync } from 'node:fs';
import { Command, InvalidArgumentError, Option } from 'commander';
import type { IamOperation, StsOperation } from './client.js';
import { UsageError } from './errors.js';
import type { View } from './output.js';
import { callerAccount, runtimeFor, type Runtime } from './runtime.js';

/**
 * How a command-line value becomes an input member:
 * string as given; int a whole number; bool a flag (`--set-as-default`); document a JSON policy,
 * inline or from a file; tags repeated `--tag key=value`; list repeated values; policy-arn an ARN,
 * or a policy name in the caller's account.
 */
export const PARAM_KINDS = ['string', 'int', 'bool', 'document', 'tags', 'list', 'policy-arn'] as const;
/** One of PARAM_KINDS. */
export type ParamKind = (typeof PARAM_KINDS)[number];

/** One argument or option of an operation command. */
export interface Param {
  /** kebab-case: the option is `--${name}`, or the argument `<${name}>`. */
  readonly name: string;
  /** The input member it fills (`UserName`). */
  readonly member: string;
  readonly description: string;
  readonly kind?: ParamKind;
  /** A positional argument (required) instead of an option. */
  readonly positional?: boolean;
  readonly required?: boolean;
  readonly choices?: readonly string[];
  /** A one-letter alias (`-d`). */
  readonly short?: string;
}

/** A command that is one call of an IAM or STS operation. */
export type OperationCommand = {
  readonly name: string;
  readonly summary: string;
  readonly params?: readonly Param[];
  readonly view?: View;
  /** The member holding a list that IAM pages with Marker/IsTruncated: every page is fetched. */
  readonly pages?: string;
  /** e.g. `deployport iam users create john-developer` */
  readonly example: string;
  /** Fills what needs a lookup before the call (a default trust policy). */
  readonly prepare?: (input: Record<string, unknown>, runtime: Runtime) => Promise<void>;
} & ({ readonly service?: 'iam'; readonly operation: IamOperation } | { readonly service: 'sts'; readonly operation: StsOperation });

/** A group of commands (`users`, `roles`): its own commands and any hand-written ones. */
export interface Family {
  readonly name: string;
  readonly summary: string;
  readonly example: string;
  readonly commands: readonly OperationCommand[];
}

/** Adds `Example:` lines to a command's help (every command has one). */
export function withExample(command: Command, ...examples: string[]): Command {
  return command.addHelpText('after', `\nExample${examples.length > 1 ? 's' : ''}:\n${examples.map((e) => `  ${e}`).join('\n')}`);
}

/** A commander parser for whole numbers (exit 2 with the option's name when not one). */
export function intValue(value: string): number {
  if (!/^-?\d+$/.test(value)) throw new InvalidArgumentError('must be a whole number.');
  return Number(value);
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** Reads a policy document: `file://path`, a path to a file, or the JSON itself. */
export function readDocument(value: string): string {
  const path = value.startsWith('file://') ? value.slice('file://'.length) : value;
  if (value.startsWith('file://') || (!value.trimStart().startsWith('{') && existsSync(path))) {
    try {
      return readFileSync(path, 'utf8');
    } catch (error) {
      throw new UsageError(`cannot read policy document ${path}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  if (!value.trimStart().startsWith('{')) throw new UsageError(`policy document "${value}" is neither a file nor JSON`);
  return value;
}

function tags(values: readonly string[]): { Key: string; Value: string }[] {
  return values.map((pair) => {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`invalid --tag "${pair}": use key=value`);
    return { Key: pair.slice(0, eq), Value: pair.slice(eq + 1) };
  });
}

/** An ARN as given, or a customer managed policy name made into its ARN in the caller's account. */
export async function policyArn(value: string, runtime: Runtime): Promise<string> {
  if (value.startsWith('arn:')) return value;
  const { account, partition } = await callerAccount(runtime);
  return `arn:${partition}:iam::${account}:policy/${value}`;
}

/** Turns the parsed command line into the operation's input. */
async function inputOf(spec: OperationCommand, args: readonly unknown[], options: Record<string, unknown>, runtime: Runtime): Promise<Record<string, unknown>> {
  const input: Record<string, unknown> = {};
  let position = 0;
  for (const param of spec.params ?? []) {
    const raw = param.positional ? args[position++] : options[camel(param.name)];
    if (raw === undefined) continue;
    switch (param.kind ?? 'string') {
      case 'document':
        input[param.member] = readDocument(String(raw));
        break;
      case 'tags':
        input[param.member] = tags(raw as string[]);
        break;
      case 'policy-arn':
        input[param.member] = await policyArn(String(raw), runtime);
        break;
      default:
        input[param.member] = raw;
    }
  }
  return input;
}

function camel(name: string): string {
  return name.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** Calls the operation, following Marker through every page of a paged list. */
async function run(spec: OperationCommand, input: Record<string, unknown>, runtime: Runtime): Promise<Record<string, unknown>> {
  const service = spec.service ?? 'iam';
  const first = await runtime.call(service, spec.operation, input);
  if (!spec.pages) return first;
  const items = [...((first[spec.pages] as unknown[] | undefined) ?? [])];
  let page = first;
  while (page['IsTruncated'] === true && typeof page['Marker'] === 'string') {
    page = await runtime.call(service, spec.operation, { ...input, Marker: page['Marker'] });
    items.push(...((page[spec.pages] as unknown[] | undefined) ?? []));
  }
  return { ...first, [spec.pages]: items, IsTruncated: false, Marker: undefined };
}

/** Registers an operation command under a parent command. */
export function addOperation(parent: Command, spec: OperationCommand): Command {
  const command = parent.command(spec.name).description(spec.summary);
  for (const param of spec.params ?? []) {
    if (param.positional) {
      command.argument(`<${param.name}>`, param.description);
      continue;
    }
    const kind = param.kind ?? 'string';
    const flags = `${param.short ? `-${param.short}, ` : ''}--${param.name}${kind === 'bool' ? '' : ` <${kind === 'document' ? 'file|json' : 'value'}>`}`;
    const option = new Option(flags, param.description + (kind === 'tags' || kind === 'list' ? ' (repeatable)' : ''));
    if (param.required) option.makeOptionMandatory();
    if (param.choices) option.choices(param.choices);
    if (kind === 'int') option.argParser(intValue);
    if (kind === 'tags' || kind === 'list') option.argParser(collect);
    command.addOption(option);
  }
  withExample(command, spec.example);
  command.action(async (...received: unknown[]) => {
    const self = received[received.length - 1] as Command;
    const runtime = runtimeFor(self);
    const input = await inputOf(spec, self.processedArgs, self.opts(), runtime);
    await spec.prepare?.(input, runtime);
    runtime.print(await run(spec, input, runtime), spec.view);
  });
  return command;
}

/** Registers a family of operation commands as `parent name …`. */
export function addFamily(parent: Command, family: Family): Command {
  const group = parent.command(family.name).description(family.summary);
  withExample(group, family.example);
  for (const spec of family.commands) addOperation(group, spec);
  return group;
}
