/** The prefix cache is namespaced by tenant: the same long prompt never hits another tenant's cache. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { tinyModel } from '../helpers/models.ts';
import { serverForSuite } from '../helpers/server.ts';
import { UNLIMITED_KEY } from '../../src/platform/admin.ts';

describe('prefix cache isolation between tenants', () => {
  const server = serverForSuite(async () => [await tinyModel('qwen2')]);

  it('gives a tenant its own hits and never another tenant\'s', async () => {
    const { platform, clientWithKey } = server();
    const clients = [];
    for (const tenant of ['alpha', 'beta']) {
      await platform.admin.createTenant(tenant, 'test');
      clients.push(clientWithKey((await platform.admin.createKey({ ...UNLIMITED_KEY, tenant }, 'test')).secret));
    }
    const [alpha, beta] = clients;
    const content = `Summarise this shared document. ${'The quick brown fox jumps over the lazy dog. '.repeat(30)}`;
    const ask = { model: 'deepseek-chat', messages: [{ role: 'user' as const, content }], max_tokens: 2, temperature: 0 };
    const hits = async (client: typeof alpha) => (await client.chat.completions.create(ask)).usage as unknown as { prompt_cache_hit_tokens: number; prompt_tokens: number };

    const cold = await hits(alpha);
    assert.equal(cold.prompt_cache_hit_tokens, 0);
    assert.ok(cold.prompt_tokens > 200);
    const otherTenant = await hits(beta);
    assert.equal(otherTenant.prompt_cache_hit_tokens, 0, 'beta must not be served from alpha\'s cache');
    const sameTenant = await hits(alpha);
    assert.ok(sameTenant.prompt_cache_hit_tokens > 200, `alpha hits its own cache (${sameTenant.prompt_cache_hit_tokens})`);
    const betaAgain = await hits(beta);
    assert.ok(betaAgain.prompt_cache_hit_tokens > 200, 'beta has its own entry now');
  });
});
