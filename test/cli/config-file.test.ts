/** `serve --config seekstack.yaml`: every option is a key; the command line wins; bad files are refused with a reason. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { configArgs, ConfigFileError } from '../../src/cli/config-file.ts';
import { spec } from '../../src/cli/commands/serve.ts';
import { parseUpstreamSpec } from '../../src/routing/upstream-spec.ts';
import { scratchDir } from '../helpers/models.ts';
import { BIN } from '../helpers/serve-process.ts';

function file(text: string): string {
  const at = path.join(scratchDir(), 'seekstack.yaml');
  fs.writeFileSync(at, text);
  return at;
}

describe('serve --config', () => {
  it('turns every kind of setting into the options', () => {
    const args = configArgs(
      file(`port: 9000
exact: true
insecure-no-auth: false
model: [a.gguf, b.gguf]
alias:
  deepseek-chat: a
upstream:
  - name: gpu1
    url: http://10.0.0.1:8000
    kind: vllm
    max: 32
  - n2=http://10.0.0.2:8080,key=secret
`),
      spec.options,
    );
    assert.deepEqual(args, [
      '--port=9000', '--exact', '--model=a.gguf', '--model=b.gguf', '--alias=deepseek-chat=a',
      '--upstream=gpu1=http://10.0.0.1:8000,kind=vllm,max=32', '--upstream=n2=http://10.0.0.2:8080,key=secret',
    ]);
  });

  it('takes a kind=openai upstream written as a map', () => {
    const [arg] = configArgs(file('upstream:\n  - name: oa\n    url: https://api.openai.com/v1\n    kind: openai\n    key: sk-test\n'), spec.options);
    assert.equal(arg, '--upstream=oa=https://api.openai.com/v1,kind=openai,key=sk-test');
    assert.equal(parseUpstreamSpec(arg.slice('--upstream='.length)).kind, 'openai');
  });

  for (const [what, text] of [
    ['an unknown key', 'prot: 8080'],
    ['a list for a single option', 'port: [1, 2]'],
    ['a non-boolean flag', 'exact: yes please'],
    ['an upstream map without a url', 'upstream: [{name: x}]'],
    ['invalid YAML', 'port: [8080'],
    ['a list at the top', '- port'],
  ] as const) {
    it(`refuses ${what}`, () => assert.throws(() => configArgs(file(text), spec.options), ConfigFileError));
  }

  it('is read by serve, which says what is wrong, and the command line overrides it', () => {
    const bad = spawnSync(process.execPath, [BIN, 'serve', '--config', file('port: 8080\nthreads: many\n')], { encoding: 'utf8' });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--threads must be 'auto'/);
    const overridden = spawnSync(process.execPath, [BIN, 'serve', '--config', file('threads: many\n'), '--threads', 'zero'], { encoding: 'utf8' });
    assert.match(overridden.stderr, /got 'zero'/);
    const unknown = spawnSync(process.execPath, [BIN, 'serve', '--config', file('colour: blue\n')], { encoding: 'utf8' });
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /unknown setting 'colour'/);
  });
});
