import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileGrammar, GrammarCompiler, type GrammarJob } from './compiler.ts';
import { UnsupportedSchemaError } from './errors.ts';
import { SCHEMA_LIMITS } from './limits.ts';

const PERSON: GrammarJob = { kind: 'schema', schema: { type: 'object', properties: { name: { type: 'string' }, age: { type: 'integer' } }, required: ['name'] }, strict: false };
const TOOL: GrammarJob = { kind: 'tool-call', format: 'deepseek-r1', tools: [{ name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } }], strict: true };

/** An object of `n` optional properties: its grammar takes time that grows faster than n. */
function wideSchema(n: number): unknown {
  return { type: 'object', properties: Object.fromEntries(Array.from({ length: n }, (_, i) => [`field${i}`, { type: 'string' }])) };
}

function wide(n: number): GrammarJob {
  return { kind: 'schema', schema: wideSchema(n), strict: false };
}

function nested(depth: number): unknown {
  let schema: unknown = { type: 'string' };
  for (let i = 0; i < depth; i++) schema = { type: 'array', items: schema };
  return schema;
}

describe('GrammarCompiler', () => {
  it('compiles on a worker thread exactly what compileGrammar gives on this one', async (t) => {
    const compiler = new GrammarCompiler();
    t.after(() => compiler.close());
    for (const job of [PERSON, TOOL]) assert.equal(await compiler.compile(job), compileGrammar(job));
  });

  it('keeps the event loop running while a large schema compiles', async (t) => {
    const compiler = new GrammarCompiler();
    t.after(() => compiler.close());
    await compiler.compile(PERSON);
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 1);
    const started = performance.now();
    await compiler.compile(wide(SCHEMA_LIMITS.maxKeysPerObject - 1));
    const elapsed = performance.now() - started;
    clearInterval(ticker);
    assert.ok(ticks > 0, `the event loop ticked ${ticks} times during a ${elapsed.toFixed(0)} ms compile`);
  });

  it('refuses schemas past the documented limits before compiling anything', async (t) => {
    const compiler = new GrammarCompiler();
    t.after(() => compiler.close());
    const cases: Array<[string, unknown, RegExp]> = [
      ['nested 10,000 deep', nested(10_000), /nests more than 32 levels/],
      ['an enum of 60,000 values', { enum: Array.from({ length: 60_000 }, (_, i) => i) }, /more than 20000 values/],
      ['1 MB of enum text', { enum: Array.from({ length: 1000 }, (_, i) => `${i}`.padEnd(1000, 'x')) }, /exceed 100000 characters/],
      ['an object of 1,000 properties', wideSchema(1000), /more than 256 keys/],
    ];
    for (const [name, schema, message] of cases) {
      await assert.rejects(compiler.compile({ kind: 'schema', schema, strict: false }), (error: Error) => {
        assert.ok(error instanceof UnsupportedSchemaError, name);
        assert.match(error.message, message, name);
        return true;
      });
    }
  });

  it('refuses a schema whose grammar does not compile within the time budget', async (t) => {
    const impatient = new GrammarCompiler({ timeoutMs: 1 });
    t.after(() => impatient.close());
    await assert.rejects(impatient.compile(wide(200)), /did not compile within 1 ms/);
    const patient = new GrammarCompiler();
    t.after(() => patient.close());
    assert.equal(await patient.compile(wide(200)), compileGrammar(wide(200)));
  });
});
