import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { endpoint } from './dialect.ts';
import { parseUpstreamSpec, UpstreamSpecError } from './upstream-spec.ts';

describe('parseUpstreamSpec', () => {
  it('reads name, URL and fields', () => {
    const spec = parseUpstreamSpec('gpu-1=http://10.0.0.5:8000/v1,kind=vllm,key=sk-abc,max=64,template=/etc/r1.jinja');
    assert.equal(spec.name, 'gpu-1');
    assert.equal(spec.url.href, 'http://10.0.0.5:8000/');
    assert.equal(spec.kind, 'vllm');
    assert.equal(spec.key, 'sk-abc');
    assert.equal(spec.maxInFlight, 64);
    assert.equal(spec.templatePath, '/etc/r1.jinja');
    assert.equal(parseUpstreamSpec('n=https://node.example').kind, 'seekstack');
  });

  it('takes kind=openai, and keeps a base URL\'s path for its endpoints', () => {
    const spec = parseUpstreamSpec('router=https://openrouter.ai/api/v1,kind=openai,key=sk-or');
    assert.equal(spec.kind, 'openai');
    assert.equal(endpoint({ spec }, '/v1/chat/completions').href, 'https://openrouter.ai/api/v1/chat/completions');
    assert.equal(endpoint({ spec: parseUpstreamSpec('local=http://127.0.0.1:8080') }, '/v1/models').href, 'http://127.0.0.1:8080/v1/models');
  });

  for (const bad of ['no-url', '=http://x', 'a=ftp://x', 'a=http://x,kind=tgi', 'a=http://x,max=0', 'a=http://x,color=red', 'a=http://x,key=', 'a b=http://x']) {
    it(`refuses '${bad}' with a reason`, () => assert.throws(() => parseUpstreamSpec(bad), UpstreamSpecError));
  }
});
