/**
 * The `deployport` command tree: global options, then one registration per area. Built by a
 * function so tests (and the completion script) can walk it without running anything.
 */
import { Command, Option } from 'commander';
import { addAssume } from './assume.js';
import { addCompletion } from './completion.js';
import { addConfigure } from './configure.js';
import { IAM_FAMILIES, STS_COMMANDS } from './iam-commands.js';
import { addFamily, addOperation, withExample } from './operations.js';
import { addPolicy } from './policy-validate.js';
import { addServer } from './server-command.js';
import { addSimulate } from './simulate.js';

/** Builds the whole command tree. */
export function buildProgram(): Command {
  const program = new Command('deployport')
    .description('Deployport IAM: identities, policies and temporary credentials, AWS-compatible.')
    .addOption(new Option('--profile <name>', 'the profile to use (default: DEPLOYPORT_PROFILE, then "default")'))
    .addOption(new Option('--output <format>', 'json, table or text (default: table on a terminal, json otherwise)'))
    .addOption(new Option('--query <jmespath>', 'a JMESPath expression applied to the response, as in the AWS CLI'))
    .addOption(new Option('--debug', 'log each request (without secrets) to stderr'))
    .exitOverride()
    .showSuggestionAfterError()
    // Commander puts "(Did you mean …?)" on a line of its own: every failure is one line.
    .configureOutput({ outputError: (message, write) => write(`${message.trimEnd().replace(/\n+/g, ' ')}\n`) });
  withExample(program, 'deployport iam users create john-developer', 'deployport iam roles assume developer-access', 'deployport --profile temp-role sts whoami');

  addServer(program);
  addConfigure(program);

  const iam = program.command('iam').description('Users, groups, roles, policies and access keys.');
  withExample(iam, 'deployport iam users list');
  for (const family of IAM_FAMILIES) {
    const group = addFamily(iam, family);
    if (family.name === 'roles') addAssume(group);
  }
  addSimulate(iam);

  const sts = program.command('sts').description('Temporary credentials and who you are.');
  withExample(sts, 'deployport sts whoami');
  for (const spec of STS_COMMANDS) addOperation(sts, spec);

  addPolicy(program);
  addCompletion(program);
  return program;
}
