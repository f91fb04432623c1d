import assert from 'node:assert/strict';
import { test } from 'node:test';
import Fastify from 'fastify';
import { lazyValidators } from './lazy-validators.ts';

const schema = { type: 'object', properties: { n: { type: 'integer' } }, required: ['n'], additionalProperties: false };

test('validators compile on first use or in the background once ready, and validate as Fastify does', async (t) => {
  const validators = lazyValidators();
  // As the server configures Ajv: an unknown field is refused, not dropped.
  const app = Fastify({ ajv: { customOptions: { removeAdditional: false } }, schemaController: { compilersFactory: { buildValidator: validators.buildValidator } } });
  app.addHook('onReady', async () => validators.compileInBackground());
  app.post('/a', { schema: { body: schema } }, async (request) => request.body);
  app.post('/b', { schema: { body: schema } }, async (request) => request.body);
  t.after(() => app.close());
  await app.ready();
  assert.equal(validators.pendingCount(), 2, 'nothing compiled while the routes were built');
  const bad = await app.inject({ method: 'POST', url: '/a', payload: { n: 'x' } });
  assert.equal(bad.statusCode, 400);
  assert.match(bad.json().message, /body\/n must be integer/);
  assert.ok(validators.pendingCount() <= 1, 'the first request compiled its own route');
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(validators.pendingCount(), 0, 'the rest compiled in the background');
  assert.deepEqual((await app.inject({ method: 'POST', url: '/b', payload: { n: 3 } })).json(), { n: 3 });
  assert.equal((await app.inject({ method: 'POST', url: '/b', payload: { n: 3, extra: 1 } })).statusCode, 400);
});
