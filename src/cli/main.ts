/**
 * @module cli/main
 * `seekstack <command>`: each command is a module in ./commands exporting `run(args) → exit code`, and
 * `spec` (its options with their help) unless it has subcommands, which print their own. Commands load
 * lazily so `seekstack doctor` never pays for the server's imports.
 */
import { asksForHelp, helpText, nearest, type CommandSpec } from './args.ts';
import { VERSION } from '../version.ts';

interface CommandModule {
  run(args: string[]): Promise<number>;
  spec?: CommandSpec;
}

const COMMANDS: Record<string, { summary: string; load: () => Promise<CommandModule> }> = {
  serve: { summary: 'serve the DeepSeek/OpenAI-compatible API', load: () => import('./commands/serve.ts') },
  doctor: { summary: 'libraries, llama.cpp release, backends, devices and threads', load: () => import('./commands/doctor.ts') },
  'synth-model': { summary: 'write a random-weight test or benchmark GGUF', load: () => import('./commands/synth-model.ts') },
  run: { summary: 'chat with a model in the terminal (or answer one prompt and exit), loaded here or on a server (--url)', load: () => import('./commands/run.ts') },
  generate: { summary: "run one prompt through the engine (in the model's chat template unless --raw) and stream the output", load: () => import('./commands/generate.ts') },
  pull: { summary: 'download a catalog model or a Hugging Face GGUF, resumable and verified', load: () => import('./commands/pull.ts') },
  models: { summary: 'list local models, or with --catalog the DeepSeek models to pull', load: () => import('./commands/models.ts') },
  show: { summary: "a model's facts, memory needs, chat template and capabilities", load: () => import('./commands/show.ts') },
  rm: { summary: 'delete a local model', load: () => import('./commands/rm.ts') },
  ps: { summary: "a running server's loaded models: memory, slots, requests, idle time", load: () => import('./commands/ps.ts') },
  tenants: { summary: 'create and list tenants (the teams or customers keys belong to)', load: () => import('./commands/tenants.ts') },
  keys: { summary: 'create, list and revoke API keys with their limits and budgets', load: () => import('./commands/keys.ts') },
  usage: { summary: 'metered usage by day, model, key or tenant', load: () => import('./commands/usage.ts') },
  prices: { summary: 'per-model prices that give the usage ledger its cost', load: () => import('./commands/prices.ts') },
  audit: { summary: 'verify or list the hash-chained audit log', load: () => import('./commands/audit.ts') },
  users: { summary: "the assistant app's accounts: create one (the first administrator), list them", load: () => import('./commands/users.ts') },
};

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length));
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return `usage: seekstack <command> [options]\n\ncommands:\n${lines.join('\n')}\n\nseekstack <command> --help shows its options; seekstack --version its version\n`;
}

async function main([name, ...args]: string[]): Promise<number> {
  if (name === '--version' || name === '-v' || name === 'version') {
    process.stdout.write(`seekstack ${VERSION}\n`);
    return 0;
  }
  if (name === undefined || name === '-h' || name === '--help' || name === 'help') {
    process.stdout.write(usage());
    return name === undefined ? 2 : 0;
  }
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!command) {
    const near = nearest(name, Object.keys(COMMANDS));
    process.stderr.write(`seekstack: unknown command '${name}'${near ? `; did you mean '${near}'?` : ''}\n\n${usage()}`);
    return 2;
  }
  const module = await command.load();
  if (module.spec && asksForHelp(args)) {
    process.stdout.write(helpText(name, command.summary, module.spec));
    return 0;
  }
  return module.run(args);
}

process.exitCode = await main(process.argv.slice(2));
