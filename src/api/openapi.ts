/**
 * @module api/openapi
 * The whole HTTP surface as an OpenAPI 3.1 document (`GET /openapi.json`), built from the routes as they
 * are registered, with the same (strict) TypeBox schemas that validate them: a route added anywhere
 * appears here, and the document cannot drift from the validation.
 */
import type { FastifyInstance, RouteOptions } from 'fastify';
import { VERSION as version } from '../version.ts';

interface Operation {
  method: string;
  url: string;
  schema: Record<string, unknown>;
}

const ERROR_SHAPE = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['message', 'type', 'param', 'code'],
      properties: { message: { type: 'string' }, type: { type: 'string' }, param: { type: ['string', 'null'] }, code: { type: 'string' } },
    },
  },
};

/** `/models/:id` → `/models/{id}`, and a wildcard to `{path}`. */
function openApiPath(url: string): string {
  return url.replace(/:([A-Za-z0-9_]+)/g, '{$1}').replace(/\*$/, '{path}');
}

function tagOf(url: string): string {
  if (url.startsWith('/app/api/admin') || url.startsWith('/admin')) return 'administration';
  if (url.startsWith('/app/')) return 'assistant app';
  return url.startsWith('/v1') ? 'inference' : 'server';
}

function parameters(schema: Record<string, unknown>) {
  return (['params', 'querystring'] as const).flatMap((part) => {
    const object = schema[part] as { properties?: Record<string, Record<string, unknown>>; required?: string[] } | undefined;
    return Object.entries(object?.properties ?? {}).map(([name, property]) => ({
      name,
      in: part === 'params' ? 'path' : 'query',
      required: part === 'params' || (object?.required ?? []).includes(name),
      ...(typeof property.description === 'string' && { description: property.description }),
      schema: property,
    }));
  });
}

function operation({ method, url, schema }: Operation) {
  const responses: Record<string, unknown> = {};
  for (const [status, body] of Object.entries((schema.response ?? {}) as Record<string, unknown>)) {
    responses[status] = { description: `HTTP ${status}`, content: { 'application/json': { schema: body } } };
  }
  if (Object.keys(responses).length === 0) responses['200'] = { description: 'Success' };
  responses['4XX'] = { $ref: '#/components/responses/Error' };
  responses['5XX'] = { $ref: '#/components/responses/Error' };
  return {
    tags: [tagOf(url)],
    summary: `${method} ${url}`,
    ...(parameters(schema).length > 0 && { parameters: parameters(schema) }),
    ...(schema.body !== undefined && { requestBody: { required: true, content: { 'application/json': { schema: schema.body } } } }),
    responses,
  };
}

/** Records every route registered after this call; returns the document's builder. */
export function collectOpenApi(app: FastifyInstance): () => object {
  const operations: Operation[] = [];
  app.addHook('onRoute', (route: RouteOptions) => {
    for (const method of [route.method].flat()) {
      // Fastify adds a HEAD for every GET by itself.
      if (method !== 'HEAD') operations.push({ method, url: route.url, schema: (route.schema ?? {}) as Record<string, unknown> });
    }
  });
  return () => {
    const urls = new Set(operations.map((o) => o.url));
    const paths: Record<string, Record<string, unknown>> = {};
    // A route served with and without /v1 is listed once: under /v1 for the inference API (as OpenAI
    // clients call it), without it for administration (as the README names it).
    const isTwin = (url: string) => (url.startsWith('/v1/admin') ? urls.has(url.slice(3)) : urls.has(`/v1${url}`) && !url.startsWith('/admin'));
    for (const op of operations) {
      if (isTwin(op.url)) continue;
      (paths[openApiPath(op.url)] ??= {})[op.method.toLowerCase()] = operation(op);
    }
    return {
      openapi: '3.1.0',
      info: { title: 'Seekstack', version, description: 'DeepSeek- and OpenAI-compatible API, platform administration and the assistant app. Every /v1 route is also served without the /v1 prefix.' },
      paths,
      components: {
        schemas: { Error: ERROR_SHAPE },
        responses: { Error: { description: "An error in DeepSeek's shape", content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } } },
        securitySchemes: {
          apiKey: { type: 'http', scheme: 'bearer', description: 'An API key (seekstack keys create), or the metrics token for /metrics' },
          session: { type: 'apiKey', in: 'cookie', name: 'seekstack_session', description: "The assistant app's session; changes also need the x-csrf-token header" },
        },
      },
      security: [{ apiKey: [] }, { session: [] }, {}],
    };
  };
}
