#!/usr/bin/env node
/**
 * `deployport`: the command line of Deployport IAM. Exit codes: 0 success, 1 the service (or the
 * network) refused, 2 a usage or configuration mistake; every failure is one line on stderr.
 * @example deployport iam users create john-developer
 */
import { CommanderError } from 'commander';
import { EXIT, describeFailure } from './errors.js';
import { buildProgram } from './program.js';
import { lastTarget } from './runtime.js';

// Commander's own outcomes: help and version are successes; every other one is a usage mistake
// it has already printed.
const COMMANDER_SUCCESS = new Set(['commander.helpDisplayed', 'commander.version']);

// Node 20 is the runtime this project targets; the SDK's notice about its future releases is noise
// on every command's stderr.
process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';

try {
  await buildProgram().parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    process.exitCode = COMMANDER_SUCCESS.has(error.code) || error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  } else {
    const { line, exitCode } = describeFailure(error, lastTarget);
    process.stderr.write(`deployport: ${line}\n`);
    if (process.argv.includes('--debug') && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
    process.exitCode = exitCode;
  }
}
