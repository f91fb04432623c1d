/**
 * @module api/metrics
 * Prometheus metrics, one registry per server: requests by route and status, token counters, time to
 * first token and inter-token latency, which models are loaded, and engine gauges read from each loaded
 * engine at scrape time.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ModelRegistry, ModelState } from '../engine/registry.ts';
import type { Usage } from '../engine/types.ts';

const LOADED: Record<ModelState, number> = { unloaded: 0, loading: 0.5, loaded: 1 };
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export class Metrics {
  readonly registry = new Registry();
  readonly requests = new Counter({ name: 'seekstack_http_requests_total', help: 'HTTP requests by route and status', labelNames: ['route', 'status'], registers: [this.registry] });
  readonly promptTokens = new Counter({ name: 'seekstack_prompt_tokens_total', help: 'Prompt tokens', labelNames: ['model'], registers: [this.registry] });
  readonly cacheHitTokens = new Counter({ name: 'seekstack_prompt_cache_hit_tokens_total', help: 'Prompt tokens served from the prefix cache', labelNames: ['model'], registers: [this.registry] });
  readonly completionTokens = new Counter({ name: 'seekstack_completion_tokens_total', help: 'Generated tokens', labelNames: ['model'], registers: [this.registry] });
  readonly timeToFirstToken = new Histogram({ name: 'seekstack_time_to_first_token_seconds', help: 'Time from request to first generated token', labelNames: ['model'], buckets: LATENCY_BUCKETS, registers: [this.registry] });
  readonly interTokenLatency = new Histogram({ name: 'seekstack_inter_token_latency_seconds', help: 'Time between generated tokens of one stream', labelNames: ['model'], buckets: LATENCY_BUCKETS, registers: [this.registry] });

  constructor(models: ModelRegistry) {
    const perModel = async (gauge: Gauge, read: (stats: { numWaiting: number; numRunning: number }) => number) => {
      gauge.reset();
      for (const model of models.list()) {
        // An unloaded model has no engine to ask, and a model unloading under the scrape has none to answer.
        const stats = await model.client?.stats().catch(() => null);
        if (stats) gauge.set({ model: model.id }, read(stats));
      }
    };
    new Gauge({
      name: 'seekstack_queue_depth', help: 'Requests waiting for a slot', labelNames: ['model'], registers: [this.registry],
      async collect() { await perModel(this, (s) => s.numWaiting); },
    });
    new Gauge({
      name: 'seekstack_running_sequences', help: 'Requests being decoded', labelNames: ['model'], registers: [this.registry],
      async collect() { await perModel(this, (s) => s.numRunning); },
    });
    new Gauge({
      name: 'seekstack_engine_restarts', help: 'Engine process restarts since the server started', labelNames: ['model'], registers: [this.registry],
      collect() {
        this.reset();
        for (const model of models.list()) if (model.client) this.set({ model: model.id }, model.client.restarts);
      },
    });
    new Gauge({
      name: 'seekstack_model_loaded', help: 'Whether the model is loaded (1), loading (0.5) or not (0)', labelNames: ['model'], registers: [this.registry],
      collect() {
        for (const model of models.list()) this.set({ model: model.id }, LOADED[model.state]);
      },
    });
  }

  recordUsage(model: string, usage: Usage): void {
    this.promptTokens.inc({ model }, usage.promptTokens);
    this.cacheHitTokens.inc({ model }, usage.promptCacheHitTokens);
    this.completionTokens.inc({ model }, usage.completionTokens);
  }
}
