/**
 * @module api/server
 * The Fastify application: strict JSON parsing (invalid UTF-8 and malformed JSON are 400s), request
 * schemas validated once at the edge without type coercion, one error handler producing DeepSeek's
 * error shape, metrics, every route both with and without the /v1 prefix, Anthropic's Messages API
 * under /anthropic with Anthropic's error shape, and Ollama's API under /api with Ollama's.
 */
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { EngineConfig } from '../engine/protocol.ts';
import type { ModelRegistry } from '../routing/registry.ts';
import type { UpstreamPool } from '../routing/upstreams.ts';
import { PlatformError } from '../platform/errors.ts';
import type { Assistant } from '../platform/assistant.ts';
import type { Caller } from '../platform/gate.ts';
import type { Platform } from '../platform/platform.ts';
import { anthropicErrorBody, anthropicStatus } from './anthropic-errors.ts';
import { onClientError, onConnect, onFrameworkError } from './client-errors.ts';
import { closeUnusedConnectionsOnClose } from './unused-connections.ts';
import { ApiError, fromPlatformError } from './errors.ts';
import { parseJsonBody } from './json-body.ts';
import { lazyValidators } from './lazy-validators.ts';
import { collectOpenApi } from './openapi.ts';
import { checkMetricsAccess, isAdminRequest } from './probe-access.ts';
import { Metrics } from './metrics.ts';
import { adminRoutes } from './routes/admin.ts';
import { anthropicRoutes } from './routes/anthropic.ts';
import { appModelRoutes } from './routes/app-models.ts';
import { appRoutes } from './routes/app.ts';
import { sessionCaller } from './routes/app-session.ts';
import { webRoutes } from './routes/app-web.ts';
import { balanceRoutes } from './routes/balance.ts';
import { chatRoutes } from './routes/chat.ts';
import { completionRoutes } from './routes/completions.ts';
import { embeddingRoutes } from './routes/embeddings.ts';
import { modelRoutes } from './routes/models.ts';
import { ollamaEmbedRoutes } from './routes/ollama-embed.ts';
import { ollamaGenerateRoutes } from './routes/ollama-generate.ts';
import { ollamaModelRoutes, ollamaVersionRoute } from './routes/ollama-models.ts';
import { ollamaError } from './ollama/stream.ts';
import { VERSION } from '../version.ts';
import { nodeRoutes } from './routes/node.ts';
import { psRoutes } from './routes/ps.ts';
import { useStrictSchemas } from './schemas/strict.ts';
import { validationError } from './validation-error.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who is calling: set by the authentication hook on every route that needs a key. */
    caller: Caller;
  }
}

export interface ServerOptions {
  models: ModelRegistry;
  /** The remote inference servers whose models `models` also serves (for `ps` and /metrics). */
  upstreams?: UpstreamPool;
  /** Serve as a node behind a gateway: the /node routes, opened by this token (`--role node --node-token`). */
  nodeToken?: string;
  platform: Platform;
  /** The assistant web app (served at `/`, its API under /app/api); without it the server is API only. */
  assistant?: Assistant;
  /** Where pulled models go and how to serve one (Ollama's /api/pull and /api/delete); without it they are refused. */
  library?: ModelLibrary;
  /** Largest accepted request body. */
  bodyLimitBytes?: number;
  /** How long a request (headers and body) may take to arrive before it is answered 408; default 60 s. */
  requestTimeoutMs?: number;
  /** The bearer token a metrics scraper sends (`--metrics-token`); an admin key works too. */
  metricsToken?: string;
  /** Interval of `: keep-alive` SSE comments while a streamed request waits for its first token. */
  keepAliveMs?: number;
  logger?: boolean;
}

export interface ModelLibrary {
  dataDir: string;
  configFor(modelPath: string): EngineConfig;
}

export interface AppContext {
  models: ModelRegistry;
  upstreams?: UpstreamPool;
  platform: Platform;
  assistant?: Assistant;
  library?: ModelLibrary;
  metrics: Metrics;
  keepAliveMs: number;
}

export async function buildServer(options: ServerOptions): Promise<FastifyInstance> {
  const requestTimeout = options.requestTimeoutMs ?? 60_000;
  const validators = lazyValidators();
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: options.bodyLimitBytes ?? 16 * 1024 * 1024,
    requestTimeout,
    // Given at creation too, where Node derives its header timeout from it; Node checks for late requests
    // at the interval (30 s by default, too coarse for short timeouts).
    http: { requestTimeout, connectionsCheckingInterval: Math.min(1000, requestTimeout) },
    clientErrorHandler: onClientError,
    frameworkErrors: onFrameworkError,
    // Strict validation: "1" is not a number, and unknown fields are refused (schemas/strict.ts).
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, useDefaults: false, allErrors: false } },
    schemaController: { compilersFactory: { buildValidator: validators.buildValidator } },
  });
  // From ready() on: `serve` builds the server while the model loads, and the cores are idle meanwhile.
  app.addHook('onReady', async () => validators.compileInBackground());
  app.server.on('connect', onConnect);
  closeUnusedConnectionsOnClose(app);
  useStrictSchemas(app);
  const openApi = collectOpenApi(app);
  const assistant = options.assistant;
  const context: AppContext = {
    models: options.models, upstreams: options.upstreams, platform: options.platform, assistant, library: options.library,
    metrics: new Metrics(options.models, options.upstreams), keepAliveMs: options.keepAliveMs ?? 5000,
  };

  // Only JSON bodies: Fastify's text/plain parser would turn a mislabelled body into a confusing 400.
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) => {
    try {
      done(null, parseJsonBody(body as Buffer));
    } catch (error) {
      done(error as ApiError, undefined);
    }
  });

  app.addHook('onResponse', async (request, reply) => {
    context.metrics.requests.inc({ route: request.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) });
  });

  app.decorateRequest('caller', null as unknown as Caller);
  app.setErrorHandler(errorHandler((error) => error.status, (error) => error.toBody()));
  app.setNotFoundHandler((request, reply) => {
    const error = new ApiError('not_found', `no route for ${request.method} ${request.url}`);
    void reply.code(error.status).send(error.toBody());
  });

  // Anyone may ask whether the server is up, and it answers 503 'degraded' while a loaded engine is
  // restarting or has stopped stepping with work pending, so a load balancer stops sending it requests
  // that would wait; what it serves is for an admin key (probe-access.ts).
  app.get('/health', async (request, reply) => {
    const models = context.models.list().map((m) => ({ id: m.id, state: m.state, engine: m.client?.health().status ?? null, restarts: m.client?.restarts ?? 0 }));
    const isDegraded = models.some((m) => m.engine !== null && m.engine !== 'ok');
    void reply.code(isDegraded ? 503 : 200);
    return { status: isDegraded ? 'degraded' : 'ok', ...((await isAdminRequest(context.platform, request)) && { models }) };
  });
  app.get('/openapi.json', async () => openApi());
  app.get('/metrics', async (request, reply) => {
    await checkMetricsAccess(context.platform, request, options.metricsToken);
    void reply.type(context.metrics.registry.contentType);
    return context.metrics.registry.metrics();
  });
  // Every route in these scopes needs a key once keys exist (checked before the body is even read);
  // /health, /metrics and /api/version stay open for probes, scrapers and clients finding the server.
  const authenticate = async (request: FastifyRequest) => {
    request.caller = (assistant && (await sessionCaller(request, assistant, context.platform.gate))) ?? (await context.platform.gate.authenticate(request.headers.authorization));
  };
  for (const prefix of ['', '/v1']) {
    await app.register(async (scope) => {
      scope.addHook('onRequest', authenticate);
      balanceRoutes(scope);
      adminRoutes(scope, context);
      modelRoutes(scope, context);
      psRoutes(scope, context);
      chatRoutes(scope, context);
      completionRoutes(scope, context);
      embeddingRoutes(scope, context);
    }, { prefix });
  }
  const nodeToken = options.nodeToken;
  if (nodeToken !== undefined) await app.register(async (scope) => nodeRoutes(scope, context, nodeToken), { prefix: '/node' });
  ollamaVersionRoute(app, VERSION);
  await app.register(async (scope) => {
    scope.addHook('onRequest', authenticate);
    // Ollama's clients show `error` as the message; a missing model is Ollama's 404.
    scope.setErrorHandler(errorHandler((error) => (error.code === 'model_not_found' ? 404 : error.status), ollamaError));
    ollamaGenerateRoutes(scope, context);
    ollamaModelRoutes(scope, context);
    ollamaEmbedRoutes(scope, context);
  }, { prefix: '/api' });

  // Anthropic's Messages API: its key header (x-api-key, or Authorization), its error shape, its 404.
  await app.register(async (scope) => {
    scope.setErrorHandler(errorHandler(anthropicStatus, anthropicErrorBody));
    scope.setNotFoundHandler((request, reply) => {
      const error = new ApiError('not_found', `no route for ${request.method} ${request.url}`);
      void reply.code(error.status).send(anthropicErrorBody(error));
    });
    scope.addHook('onRequest', async (request) => {
      const apiKey = request.headers['x-api-key'];
      request.caller = await context.platform.gate.authenticate(request.headers.authorization ?? (typeof apiKey === 'string' ? `Bearer ${apiKey}` : undefined));
    });
    anthropicRoutes(scope, context);
  }, { prefix: '/anthropic' });
  if (assistant) {
    await app.register(async (scope) => appRoutes(scope, assistant), { prefix: '/app/api' });
    await app.register(async (scope) => {
      scope.addHook('onRequest', authenticate);
      appModelRoutes(scope, context);
    }, { prefix: '/app/api' });
    webRoutes(app);
  }
  app.addHook('onClose', async () => {
    await assistant?.close();
    context.upstreams?.close();
    await context.models.close();
    await context.platform.close();
  });
  return app;
}

/** An error handler answering in one API's shape: `status` and `body` of the API error the failure is. */
function errorHandler(status: (error: ApiError) => number, body: (error: ApiError) => object) {
  return (error: FastifyError | ApiError | PlatformError, request: FastifyRequest, reply: FastifyReply) => {
    const apiError = toApiError(error);
    if (apiError.status >= 500) request.log.error(error);
    void reply.code(status(apiError)).headers(apiError.headers).send(body(apiError));
  };
}

function toApiError(error: FastifyError | ApiError | PlatformError): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof PlatformError) return fromPlatformError(error);
  if (error.validation) return validationError(error);
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ApiError('payload_too_large', error.message);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new ApiError('unsupported_media_type', 'send the request body as application/json');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new ApiError('invalid_json', 'the request body is empty');
    default:
      return new ApiError('internal', 'internal server error');
  }
}
