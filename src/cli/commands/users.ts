/**
 * `seekstack users create <name> [--admin] | list`: the assistant app's accounts, from the operator's shell.
 * This is how a server closed to strangers gets its first administrator: never its first visitor. The
 * password is read from standard input (typed without echo on a terminal, or piped by a script), never
 * from the command line, where other users of the machine could read it.
 */
import { createInterface } from 'node:readline';
import { openAssistant } from '../../platform/assistant.ts';
import { parseCommandLine } from '../args.ts';
import { CLI_ACTOR, STORE_OPTIONS, dispatch, listing, withPlatform } from '../platform-command.ts';

/** One line of standard input; on a terminal the prompt is shown and the typing is not echoed. */
async function readPassword(prompt: string): Promise<string> {
  const isTerminal = process.stdin.isTTY === true;
  const lines = createInterface({ input: process.stdin, output: isTerminal ? process.stderr : undefined, terminal: isTerminal });
  if (isTerminal) {
    process.stderr.write(prompt);
    (lines as unknown as { _writeToOutput: (text: string) => void })._writeToOutput = () => {};
  }
  try {
    for await (const line of lines) return line;
    return '';
  } finally {
    lines.close();
    if (isTerminal) process.stderr.write('\n');
  }
}

const CREATE_OPTIONS = { ...STORE_OPTIONS, admin: { type: 'boolean', default: false, help: 'an administrator of the assistant app' } } as const;

async function create(rest: string[]): Promise<number> {
  const parsed = parseCommandLine('users create', rest, CREATE_OPTIONS);
  if (!parsed) return 2;
  if (parsed.positionals.length !== 1) {
    console.error('seekstack users create: give exactly one username');
    return 2;
  }
  const [username] = parsed.positionals;
  const password = await readPassword(`password for ${username}: `);
  return withPlatform('users create', parsed.values, async (platform) => {
    const assistant = await openAssistant(platform);
    try {
      const { user, recoveryKey } = await assistant.accounts.createAccount(username, password, { isAdmin: parsed.values.admin, actor: CLI_ACTOR });
      console.log(`recovery key: ${recoveryKey}`);
      console.error(`created ${user.isAdmin ? 'administrator ' : ''}account ${user.username}; the recovery key above is shown only now: give it to its owner`);
      return 0;
    } finally {
      await assistant.close();
    }
  });
}

const list = listing('users list', "the assistant app's accounts with their usage", {}, ['USERNAME', 'ROLE', 'STATUS', 'TENANT', 'REQUESTS', 'TOKENS USED', 'CREATED'], async (platform) => {
  const assistant = await openAssistant(platform);
  try {
    return (await assistant.accountAdmin.list()).map(({ user, key, usage }) => [
      user.username, user.isAdmin ? 'admin' : 'user', user.disabledAt === null ? 'active' : 'disabled', key?.tenantName ?? '-',
      String(usage?.requests ?? 0), String(key?.spentTokens ?? 0), new Date(user.createdAt).toISOString(),
    ]);
  } finally {
    await assistant.close();
  }
});

export function run(args: string[]): Promise<number> {
  return dispatch('users', args, {
    create: {
      summary: "create an account of the assistant app (the first administrator, say)",
      spec: { operands: '<username>', options: CREATE_OPTIONS, notes: 'the password is read from standard input (typed without echo on a terminal)' },
      run: create,
    },
    list,
  });
}
