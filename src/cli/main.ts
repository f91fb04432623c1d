/**
 * @module cli/main
 * `seekstack <command>`: each command is a module in ./commands exporting `run(args) → exit code`.
 * Commands load lazily so `seekstack doctor` never pays for the server's imports.
 */
const COMMANDS: Record<string, { summary: string; load: () => Promise<{ run(args: string[]): Promise<number> }> }> = {
  serve: { summary: 'serve the DeepSeek/OpenAI-compatible API', load: () => import('./commands/serve.ts') },
  doctor: { summary: 'libraries, llama.cpp release, backends, devices and threads', load: () => import('./commands/doctor.ts') },
  'synth-model': { summary: 'write a random-weight test or benchmark GGUF', load: () => import('./commands/synth-model.ts') },
  generate: { summary: 'run one prompt through the engine and stream the output', load: () => import('./commands/generate.ts') },
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
  return `usage: seekstack <command> [options]\n\ncommands:\n${lines.join('\n')}\n`;
}

const [name, ...args] = process.argv.slice(2);
const command = name !== undefined && Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
if (!command) {
  process.stderr.write(name && !['-h', '--help', 'help'].includes(name) ? `unknown command: ${name}\n\n${usage()}` : usage());
  process.exitCode = name && !['-h', '--help', 'help'].includes(name) ? 2 : 0;
} else {
  process.exitCode = await (await command.load()).run(args);
}
