/**
 * End to end through llama.cpp's grammar sampler: a tiny random-weight model samples at temperature 1,
 * so whatever structure the output has comes from the grammar alone.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { collect, engineConfig, GREEDY } from '../../../test/helpers/engine.ts';
import { EngineClient, type GenerateInput } from '../../engine/client.ts';
import { EngineError } from '../../engine/errors.ts';
import { synthModel } from '../../engine/gguf/synth.ts';
import { jsonGrammar, schemaToGrammar } from './index.ts';
import { GRAMMAR_CASES, grammarOf } from './testing/cases.ts';
import { validate } from './testing/validate.ts';

const SEEDS = [1, 2, 3, 4, 5, 6, 7, 8];

const PERSON = {
  type: 'object',
  properties: {
    name: { type: 'string', maxLength: 12 },
    age: { type: 'integer', minimum: 0, maximum: 150 },
    id: { type: 'integer' },
    kind: { enum: ['cat', 'dog', 1, null, true] },
    tags: { type: 'array', items: { type: 'string', maxLength: 6 }, maxItems: 3 },
    score: { type: 'number', minimum: 0, maximum: 1 },
    nick: { type: ['string', 'null'], maxLength: 8 },
  },
  required: ['name', 'age', 'id', 'kind', 'tags'],
};

const SHAPE = {
  $defs: { point: { type: 'array', prefixItems: [{ type: 'integer' }, { type: 'integer', minimum: -9, maximum: 9 }], items: false } },
  type: 'object',
  properties: {
    shape: {
      anyOf: [
        { type: 'object', properties: { kind: { const: 'circle' }, r: { type: 'integer', minimum: 1, maximum: 99 } }, required: ['kind', 'r'] },
        {
          allOf: [
            { type: 'object', properties: { kind: { const: 'poly' } }, required: ['kind'] },
            { properties: { points: { type: 'array', items: { $ref: '#/$defs/point' }, minItems: 1, maxItems: 3 } }, required: ['points'] },
          ],
        },
      ],
    },
    code: { type: 'string', pattern: '^[A-Z]{2}-\\d{3}$' },
    day: { type: 'string', format: 'date' },
    uid: { type: 'string', format: 'uuid' },
  },
  required: ['shape', 'code', 'day', 'uid'],
};

const TREE = {
  $defs: {
    node: {
      type: 'object',
      properties: { v: { type: 'integer', minimum: 0, maximum: 9 }, kids: { type: 'array', items: { $ref: '#/$defs/node' }, maxItems: 2 } },
      required: ['v', 'kids'],
    },
  },
  $ref: '#/$defs/node',
};

const SAMPLED: ReadonlyArray<readonly [name: string, schema: unknown, isStrict: boolean]> = [
  ['optional fields, a mixed enum, a nullable string, bounded numbers', PERSON, false],
  ['the same schema in strict mode', { ...PERSON, additionalProperties: true }, true],
  ['anyOf, allOf, tuples, const, pattern and formats', SHAPE, false],
  ['a recursive $ref', TREE, false],
];

/** The text with its strings blanked out, so a search for number syntax cannot hit string contents. */
const outsideStrings = (text: string) => text.replace(/"(?:[^"\\]|\\.)*"/g, '""');

describe('grammars through llama.cpp on a tiny random-weight model', () => {
  let engine: EngineClient;
  /** Tokens that are part of a UTF-8 sequence, not whole characters (see the last test). */
  let byteFragments: number[] = [];
  const modelDir = fs.mkdtempSync(path.join(os.tmpdir(), 'seekstack-grammar-test-'));

  before(async () => {
    const model = synthModel({ arch: 'qwen2', preset: 'tiny', out: path.join(modelDir, 'qwen2.gguf') });
    engine = await EngineClient.start(engineConfig(model.path, { flashAttention: false, threads: 2 }));
    const texts = await Promise.all(Array.from({ length: engine.model.vocabSize }, (_, token) => engine.detokenize([token])));
    byteFragments = texts.flatMap((text, token) => (text.includes('\uFFFD') ? [token] : []));
  });

  after(async () => {
    await engine.close();
    fs.rmSync(modelDir, { recursive: true, force: true });
  });

  const request = (grammar: string, seed: number, overrides: Partial<GenerateInput> = {}): GenerateInput => ({
    cacheKey: 'grammar',
    prompt: { text: 'Reply with JSON.', addSpecial: true },
    sampling: { ...GREEDY, temperature: 1, seed, grammar: { text: grammar, root: 'root' } },
    maxTokens: 400,
    stop: [],
    stopOnEog: true,
    ...overrides,
  });
  /** Whole characters only: the model cannot spell invalid UTF-8 that llama.cpp's grammar would let by. */
  const wholeCharacters = (grammar: string, seed: number) => request(grammar, seed, {
    sampling: { ...request(grammar, seed).sampling, logitBias: byteFragments.map((token) => ({ token, bias: -1e9 })) },
  });

  it('parses every grammar the unit tests produce', async () => {
    await Promise.all(GRAMMAR_CASES.map(async (c) => {
      const run = await collect(engine.generate(request(grammarOf(c), 1, { maxTokens: 1 })));
      assert.equal(run.tokens.length, 1, c.name);
    }));
  });

  it('reports a grammar it cannot parse as invalid_request (what the check above relies on)', async () => {
    await assert.rejects(
      collect(engine.generate(request('root ::= "unterminated', 1, { maxTokens: 1 }))),
      (error: unknown) => error instanceof EngineError && error.code === 'invalid_request',
    );
  });

  for (const [name, schema, isStrict] of SAMPLED) {
    it(`samples only valid JSON, ending at end-of-generation, for ${name}`, async () => {
      const grammar = schemaToGrammar(schema, { strict: isStrict });
      const runs = await Promise.all(SEEDS.map((seed) => collect(engine.generate(wholeCharacters(grammar, seed)))));
      runs.forEach((run, i) => {
        const where = `seed ${SEEDS[i]}: ${JSON.stringify(run.text)}`;
        assert.equal(run.finishReason, 'stop', where);
        assert.equal(run.text, run.text.trimEnd(), `nothing after the value (${where})`);
        assert.deepEqual(validate(JSON.parse(run.text), schema as Record<string, unknown>), [], where);
        if (isStrict) assert.deepEqual(Object.keys(JSON.parse(run.text)), Object.keys(PERSON.properties), where);
        // Every number these schemas allow outside `score` is an integer: no fraction, no exponent.
        if (schema !== PERSON && !isStrict) assert.doesNotMatch(outsideStrings(run.text), /[.eE]/, where);
      });
    });
  }

  it('samples JSON objects in json_object mode whenever the model reaches the end', async (t) => {
    const runs = await Promise.all(SEEDS.map((seed) => collect(engine.generate(wholeCharacters(jsonGrammar(), seed)))));
    const finished = runs.filter((run) => run.finishReason === 'stop');
    // Strings and nesting are unbounded here, so a random model may still be inside one at maxTokens.
    t.diagnostic(`${finished.length} of ${runs.length} reached the end within 400 tokens`);
    assert.ok(finished.length > 0);
    for (const run of finished) {
      const value = JSON.parse(run.text);
      assert.ok(typeof value === 'object' && value !== null && !Array.isArray(value), run.text);
    }
    for (const run of runs.filter((r) => r.finishReason !== 'stop')) assert.equal(run.finishReason, 'length');
  });

  it('without the ban, invalid UTF-8 across byte tokens gets past llama.cpp: JSON still parses, lengths may not hold', async (t) => {
    // llama.cpp checks a partial UTF-8 sequence only for overlong ASCII, so F0 8C 97 BE (an overlong
    // U+C5FE) passes as one character, and the text decodes it to four U+FFFD.
    const grammar = schemaToGrammar(PERSON, { strict: true });
    const runs = await Promise.all(SEEDS.map((seed) => collect(engine.generate(request(grammar, seed, { topLogprobs: 0 })))));
    let numInvalid = 0;
    for (const run of runs) {
      assert.equal(run.finishReason, 'stop');
      const bytes = Uint8Array.from(run.events.flatMap((e) => e.logprobs ?? []).flatMap((sampled) => sampled.logprob?.bytes ?? []));
      const isValidUtf8 = (() => {
        try {
          new TextDecoder('utf-8', { fatal: true }).decode(bytes);
          return true;
        } catch {
          return false;
        }
      })();
      if (!isValidUtf8) numInvalid++;
      const problems = validate(JSON.parse(run.text), PERSON);
      assert.ok(problems.length === 0 || (!isValidUtf8 && problems.every((p) => p.endsWith('is too long'))), `${problems.join('; ')} in ${JSON.stringify(run.text)}`);
    }
    t.diagnostic(`${numInvalid} of ${runs.length} outputs held invalid UTF-8`);
  });
});
