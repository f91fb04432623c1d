/** `--help` on every command (made from the same option definitions the command parses), `--version`, and typo hints. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { VERSION } from '../../src/version.ts';
import { scratchDir } from '../helpers/models.ts';
import { BIN } from '../helpers/serve-process.ts';
import { runCli } from '../models/run-cli.ts';

const COMMANDS_DIR = new URL('../../src/cli/commands/', import.meta.url);
const commands = fs.readdirSync(COMMANDS_DIR).filter((f) => f.endsWith('.ts')).map((f) => f.replace(/\.ts$/, ''));

describe('seekstack --help and --version', () => {
  it('prints help for every command, listing every option the command parses, with exit code 0', async () => {
    for (const name of commands) {
      const module = (await import(new URL(`${name}.ts`, COMMANDS_DIR).href)) as { spec?: { options: Record<string, unknown> } };
      const result = await runCli([name, '--help']);
      assert.equal(result.code, 0, `${name}: ${result.stderr}`);
      assert.match(result.stdout, new RegExp(`^usage: seekstack ${name} `), name);
      // Commands with subcommands list those instead; each subcommand has its own --help (below).
      for (const option of Object.keys(module.spec?.options ?? {})) assert.match(result.stdout, new RegExp(`--${option}\\b`), `${name} --help lists --${option}`);
    }
  });

  it('prints help for subcommands and -h works as --help', async () => {
    const create = await runCli(['keys', 'create', '--help']);
    assert.equal(create.code, 0);
    for (const option of ['tenant', 'rpm', 'budget-tokens', 'expires', 'admin', 'data-dir']) assert.match(create.stdout, new RegExp(`--${option}\\b`));
    const list = await runCli(['keys', '-h']);
    assert.equal(list.code, 0);
    assert.match(list.stdout, /create .*\n.*list .*\n.*revoke/);
    assert.match((await runCli(['serve', '-h'])).stdout, /--port <N> +the port to listen on \(default: 8080\)/);
  });

  it('prints its version', async () => {
    for (const flag of ['--version', '-v']) {
      const result = await runCli([flag]);
      assert.equal(result.code, 0);
      assert.equal(result.stdout, `seekstack ${VERSION}\n`);
    }
  });

  it('suggests the nearest option, subcommand or command for a typo, with exit code 2', async () => {
    const option = await runCli(['serve', '--prot', '8081']);
    assert.equal(option.code, 2);
    assert.match(option.stderr, /Unknown option '--prot'; did you mean '--port'\?/);
    assert.match((await runCli(['pull', 'x', '--revison', 'main'])).stderr, /did you mean '--revision'\?/);
    assert.match((await runCli(['keys', 'craete'])).stderr, /unknown subcommand 'craete'; did you mean 'create'\?/);
    const command = await runCli(['sevre']);
    assert.equal(command.code, 2);
    assert.match(command.stderr, /unknown command 'sevre'; did you mean 'serve'\?/);
    assert.doesNotMatch((await runCli(['serve', '--zzzzzzzz'])).stderr, /did you mean/, 'no hint when nothing is close');
  });
});

describe('the launcher (bin/seekstack.js)', () => {
  it('refuses to run stale sources through tsx when SEEKSTACK_REQUIRE_BUILD=1, as benchmarks ask', () => {
    // A checkout whose src/ has TypeScript newer than its build (here: no build at all).
    const root = scratchDir();
    fs.mkdirSync(path.join(root, 'bin'));
    fs.mkdirSync(path.join(root, 'src'));
    fs.copyFileSync(BIN, path.join(root, 'bin', 'seekstack.js'));
    fs.writeFileSync(path.join(root, 'src', 'edited.ts'), 'export {};\n');
    const result = spawnSync(process.execPath, [path.join(root, 'bin', 'seekstack.js'), '--version'], {
      env: { ...process.env, SEEKSTACK_REQUIRE_BUILD: '1' },
      encoding: 'utf8',
    });
    assert.equal(result.status, 1);
    assert.match(result.stderr, /src\/ is newer than dist\/.*run npm run build/);
  });
});
