/**
 * @module api/metrics
 * Prometheus metrics, one registry per server: requests by route and status, token counters, time to
 * first token and inter-token latency, which models are loaded, engine gauges from each loaded
 * engine's last heartbeat, and per upstream: requests (routed by cache, load or round-robin), failures,
 * latency to the upstream's acceptance, requests in flight, health and breaker state.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { EngineHealth } from '../engine/client.ts';
import type { EngineStats } from '../engine/protocol.ts';
import type { BreakerState } from '../routing/breaker.ts';
import type { ModelRegistry, ModelState } from '../routing/registry.ts';
import type { UpstreamPool } from '../routing/upstreams.ts';
import type { Usage } from '../engine/types.ts';

const LOADED: Record<ModelState, number> = { unloaded: 0, loading: 0.5, loaded: 1 };
const STALLED: Record<EngineHealth['status'], number> = { ok: 0, restarting: 0.5, stalled: 1 };
const BREAKER: Record<BreakerState, number> = { closed: 0, 'half-open': 0.5, open: 1 };
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export class Metrics {
  readonly registry = new Registry();
  readonly requests = new Counter({ name: 'seekstack_http_requests_total', help: 'HTTP requests by route and status', labelNames: ['route', 'status'], registers: [this.registry] });
  readonly promptTokens = new Counter({ name: 'seekstack_prompt_tokens_total', help: 'Prompt tokens', labelNames: ['model'], registers: [this.registry] });
  readonly cacheHitTokens = new Counter({ name: 'seekstack_prompt_cache_hit_tokens_total', help: 'Prompt tokens served from the prefix cache', labelNames: ['model'], registers: [this.registry] });
  readonly completionTokens = new Counter({ name: 'seekstack_completion_tokens_total', help: 'Generated tokens', labelNames: ['model'], registers: [this.registry] });
  readonly timeToFirstToken = new Histogram({ name: 'seekstack_time_to_first_token_seconds', help: 'Time from request to first generated token', labelNames: ['model'], buckets: LATENCY_BUCKETS, registers: [this.registry] });
  readonly interTokenLatency = new Histogram({ name: 'seekstack_inter_token_latency_seconds', help: 'Time between generated tokens of one stream', labelNames: ['model'], buckets: LATENCY_BUCKETS, registers: [this.registry] });

  constructor(models: ModelRegistry, upstreams?: UpstreamPool) {
    // Read from each engine's last heartbeat, never asked at scrape time: a scrape must answer even
    // when an engine is stuck, and that is when its figures matter most.
    const registers = [this.registry];
    const gauge = (name: string, help: string, read: (stats: EngineStats) => number) =>
      new Gauge({ name, help, labelNames: ['model'], registers, collect() {
        this.reset();
        for (const [model, stats] of heartbeats(models)) this.set({ model }, read(stats));
      } });
    const counter = (name: string, help: string, read: (stats: EngineStats) => number) =>
      new Counter({ name, help, labelNames: ['model'], registers, collect() {
        this.reset();
        for (const [model, stats] of heartbeats(models)) this.inc({ model }, read(stats));
      } });
    gauge('seekstack_queue_depth', 'Requests waiting for a slot', (s) => s.numWaiting);
    gauge('seekstack_running_sequences', 'Requests being decoded', (s) => s.numRunning);
    gauge('seekstack_preparing_requests', 'Requests being tokenized or having their grammar compiled', (s) => s.numPreparing);
    gauge('seekstack_cached_tokens', 'Prompt tokens held in the prefix cache', (s) => s.numCachedTokens);
    gauge('seekstack_parked_cache_tokens', 'Prefix-cache tokens parked in host memory, out of the KV cells, until a request needs them', (s) => s.numParkedTokens);
    gauge('seekstack_free_kv_cells', 'KV cells neither cached nor used by a running request', (s) => s.numFreeCells);
    gauge('seekstack_engine_threads', 'Threads the last decode step ran on', (s) => s.numThreads);
    gauge('seekstack_engine_resident_bytes', 'Resident memory of the engine process (model pages read, KV cache, buffers, heap)', (s) => s.residentBytes);
    gauge('seekstack_engine_buffer_bytes', 'Engine memory held in JavaScript buffers: parked cache branches, and copies not yet collected', (s) => s.bufferBytes);
    counter('seekstack_preemptions_total', 'Running requests sent back to the queue to free KV cells (since the engine started)', (s) => s.numPreemptions);
    counter('seekstack_inflight_prefix_hit_tokens_total', 'Prompt tokens a request took from the cache while another request was still computing them (since the engine started)', (s) => s.numInFlightHitTokens);
    counter('seekstack_kv_compactions_total', 'Times the prefix cache was packed into the lowest KV cells while idle (since the engine started)', (s) => s.numCompactions);
    counter('seekstack_evicted_tokens_total', 'Cached prefix tokens evicted to free KV cells (since the engine started)', (s) => s.numEvictedTokens);
    new Gauge({
      name: 'seekstack_engine_stalled', help: 'Whether the engine has not stepped for too long with work pending (1) or is restarting (0.5)', labelNames: ['model'], registers: [this.registry],
      collect() {
        this.reset();
        for (const model of models.list()) if (model.client) this.set({ model: model.id }, STALLED[model.client.health().status]);
      },
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
    if (upstreams) this.#observe(upstreams);
  }

  #observe(pool: UpstreamPool): void {
    const registers = [this.registry];
    const routed = new Counter({ name: 'seekstack_upstream_requests_total', help: 'Requests sent to each upstream, by how the router chose it (cache, load, round-robin)', labelNames: ['upstream', 'model', 'routed_by'], registers });
    const failed = new Counter({ name: 'seekstack_upstream_errors_total', help: 'Failed attempts on each upstream: unreachable (counts against its breaker), refused (its own 429/503), rejected (the request was at fault)', labelNames: ['upstream', 'model', 'kind'], registers });
    const latency = new Histogram({ name: 'seekstack_upstream_latency_seconds', help: 'Time from sending a request to the upstream until it accepted it', labelNames: ['upstream'], buckets: [0.001, 0.0025, ...LATENCY_BUCKETS], registers });
    pool.on('routed', (upstream: string, model: string, by: string) => routed.inc({ upstream, model, routed_by: by }));
    pool.on('failed', (upstream: string, model: string, kind: string) => failed.inc({ upstream, model, kind }));
    pool.on('answered', (upstream: string, _model: string, seconds: number) => latency.observe({ upstream }, seconds));
    const gauge = (name: string, help: string, read: (u: ReturnType<UpstreamPool['snapshot']>[number]) => number) =>
      new Gauge({ name, help, labelNames: ['upstream'], registers, collect() {
        this.reset();
        for (const upstream of pool.snapshot()) this.set({ upstream: upstream.name }, read(upstream));
      } });
    gauge('seekstack_upstream_breaker_state', 'Circuit breaker of each upstream: closed (0), half-open (0.5), open (1)', (u) => BREAKER[u.breaker]);
    gauge('seekstack_upstream_in_flight', 'Requests in flight to each upstream', (u) => u.inFlight);
    gauge('seekstack_upstream_healthy', 'Whether the last active health check of each upstream passed', (u) => (u.isHealthy ? 1 : 0));
  }

  recordUsage(model: string, usage: Usage): void {
    this.promptTokens.inc({ model }, usage.promptTokens);
    this.cacheHitTokens.inc({ model }, usage.promptCacheHitTokens);
    this.completionTokens.inc({ model }, usage.completionTokens);
  }
}

/** Each loaded engine's figures from its last heartbeat. */
function* heartbeats(models: ModelRegistry): Generator<[string, EngineStats]> {
  for (const model of models.list()) {
    const stats = model.client?.lastStats;
    if (stats) yield [model.id, stats];
  }
}
