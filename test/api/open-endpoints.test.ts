/**
 * The endpoints that stay reachable without an API key reveal nothing a key's allow-list hides
 * (observation 7): /health says only whether the server is up unless an admin key asks, and /metrics
 * needs the metrics token or an admin key once the API needs keys.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UNLIMITED_KEY } from '../../src/platform/admin.ts';
import { tinyModel } from '../helpers/models.ts';
import { serverForSuite } from '../helpers/server.ts';

const METRICS_TOKEN = 'scraper-token-for-this-test';

describe('open endpoints', () => {
  const server = serverForSuite(async () => [await tinyModel('llama')], { metricsToken: METRICS_TOKEN });
  const get = (path: string, key?: string) => fetch(`${server().origin}${path}`, { headers: key ? { authorization: `Bearer ${key}` } : {} });

  it('name no model to a caller without an admin key', async () => {
    const { platform, models } = server();
    const modelId = models.list()[0].id;
    await platform.admin.createTenant('acme', 'test');
    const { secret: limited } = await platform.admin.createKey({ ...UNLIMITED_KEY, tenant: 'acme', models: ['deepseek-reasoner'] }, 'test');
    const { secret: admin } = await platform.admin.createKey({ ...UNLIMITED_KEY, tenant: 'acme', isAdmin: true }, 'test');

    for (const key of [undefined, limited, 'sk-wrong']) {
      const health = await get('/health', key);
      assert.equal(health.status, 200);
      assert.deepEqual(await health.json(), { status: 'ok' }, `as ${key ?? 'nobody'}`);
      const metrics = await get('/metrics', key);
      assert.equal(metrics.status, 401, `metrics as ${key ?? 'nobody'}`);
      const text = await metrics.text();
      assert.ok(!text.includes(modelId));
      assert.equal((JSON.parse(text) as { error: { code: string } }).error.code, 'invalid_request_error');
    }
    const details = (await (await get('/health', admin)).json()) as { status: string; models: Array<{ id: string; state: string }> };
    assert.equal(details.status, 'ok');
    assert.deepEqual(details.models.map((m) => m.id), [modelId]);
    for (const credential of [METRICS_TOKEN, admin]) {
      const metrics = await get('/metrics', credential);
      assert.equal(metrics.status, 200);
      assert.match(await metrics.text(), /seekstack_model_loaded\{model=/);
    }
  });
});
