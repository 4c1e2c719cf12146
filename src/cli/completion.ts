/**
 * `deployport completion bash|zsh`: a completion script generated from the command tree itself, so
 * it knows every command and option without being kept in step by hand. zsh runs the bash script
 * through bashcompinit.
 */
import type { Command } from 'commander';
import { UsageError } from './errors.js';
import { withExample } from './operations.js';

/** The completion script's table: command path → the words that may follow it. */
export function completionTable(root: Command): Map<string, string[]> {
  const table = new Map<string, string[]>();
  const walk = (command: Command, path: string) => {
    const words = [
      ...command.commands.map((c) => c.name()),
      ...command.options.flatMap((o) => [o.long, o.short].filter((f): f is string => f !== undefined)),
      ...(command === root ? [] : ['--help']),
    ];
    table.set(path, words);
    for (const sub of command.commands) walk(sub, `${path} ${sub.name()}`);
  };
  walk(root, root.name());
  const globals = root.options.flatMap((o) => [o.long].filter((f): f is string => f !== undefined));
  for (const [path, words] of table) if (path !== root.name()) table.set(path, [...new Set([...words, ...globals])]);
  return table;
}

/** The bash completion script (also sourced by zsh after bashcompinit). */
export function bashScript(root: Command): string {
  const name = root.name();
  const fn = `_${name.replace(/\W/g, '_')}_complete`;
  const entries = [...completionTable(root)].map(([path, words]) => `  [${JSON.stringify(path)}]=${JSON.stringify(words.join(' '))}`);
  return `# ${name} completion for bash; for zsh: autoload -U +X bashcompinit && bashcompinit, then source this.
declare -gA ${fn}_table=(
${entries.join('\n')}
)
${fn}() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" path="${name}" word i
  for ((i = 1; i < COMP_CWORD; i++)); do
    word="\${COMP_WORDS[i]}"
    [[ -n "\${${fn}_table["$path $word"]+set}" ]] && path="$path $word"
  done
  COMPREPLY=($(compgen -W "\${${fn}_table["$path"]}" -- "$cur"))
}
complete -o default -F ${fn} ${name}
`;
}

/** Registers `completion`. */
export function addCompletion(program: Command): void {
  const completion = program
    .command('completion')
    .description('Print a shell completion script for bash or zsh.')
    .argument('<shell>', 'bash or zsh')
    .action((shell: string) => {
      if (shell === 'bash') process.stdout.write(bashScript(program));
      else if (shell === 'zsh') process.stdout.write(`autoload -U +X compinit && compinit\nautoload -U +X bashcompinit && bashcompinit\n${bashScript(program)}`);
      else throw new UsageError(`unknown shell "${shell}": use bash or zsh`);
    });
  withExample(completion, 'deployport completion bash >> ~/.bashrc', 'deployport completion zsh >> ~/.zshrc');
}
