/**
 * @module api/schemas/strict
 * Strict request schemas for every route, present and future: each object in a route's body, query string
 * or params schema that does not say otherwise admits only its listed properties, so an unknown field is
 * refused (422, naming it) instead of dropped. A schema that means "any object" (a client's JSON Schema)
 * says so with `additionalProperties: true`; extra fields a client family sends are listed in extensions.ts.
 * A null for a field that does not take null means "not set", as OpenAI clients send it.
 */
import type { FastifyInstance, preValidationHookHandler, RouteOptions } from 'fastify';

/** Keywords whose value is one subschema, or an array of them. */
const SUBSCHEMA = new Set(['items', 'prefixItems', 'additionalItems', 'anyOf', 'oneOf', 'allOf', 'not', 'contains', 'if', 'then', 'else', 'additionalProperties']);
/** Keywords whose value maps names to subschemas. */
const SUBSCHEMA_MAP = new Set(['properties', 'patternProperties', '$defs', 'definitions', 'dependentSchemas']);

/** A copy of `schema` in which every object without its own additionalProperties rule has `false`. */
export function strictSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(strictSchema);
  if (schema === null || typeof schema !== 'object') return schema;
  const copy: Record<string, unknown> = {};
  for (const [keyword, value] of Object.entries(schema)) {
    if (SUBSCHEMA.has(keyword)) copy[keyword] = strictSchema(value);
    else if (SUBSCHEMA_MAP.has(keyword) && value !== null && typeof value === 'object') {
      copy[keyword] = Object.fromEntries(Object.entries(value).map(([name, sub]) => [name, strictSchema(sub)]));
    } else copy[keyword] = value;
  }
  const isObject = copy.type === 'object' || copy.properties !== undefined;
  if (isObject && copy.additionalProperties === undefined && copy.patternProperties === undefined) copy.additionalProperties = false;
  return copy;
}

const VALIDATED_PARTS = ['body', 'querystring', 'params'] as const;

function acceptsNull(schema: unknown): boolean {
  if (schema === null || typeof schema !== 'object') return false;
  const { type, anyOf, oneOf } = schema as { type?: unknown; anyOf?: unknown[]; oneOf?: unknown[] };
  return type === 'null' || (Array.isArray(type) && type.includes('null')) || [...(anyOf ?? []), ...(oneOf ?? [])].some(acceptsNull);
}

/**
 * OpenAI clients send null for "not set": a top-level body field whose schema has no null is dropped when
 * null, so one schema per field covers both. A field that takes null (a limit to remove) keeps it.
 */
function nullMeansAbsent(body: unknown): preValidationHookHandler | undefined {
  const properties = (body as { properties?: Record<string, unknown> } | undefined)?.properties;
  if (!properties) return undefined;
  const absentWhenNull = new Set(Object.keys(properties).filter((name) => !acceptsNull(properties[name])));
  return async (request) => {
    const value = request.body;
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return;
    for (const [name, field] of Object.entries(value)) if (field === null && absentWhenNull.has(name)) delete (value as Record<string, unknown>)[name];
  };
}

/** Makes every route registered from now on (in this instance and its plugins) validate strictly. */
export function useStrictSchemas(app: FastifyInstance): void {
  app.addHook('onRoute', (route: RouteOptions) => {
    if (!route.schema) return;
    const schema: Record<string, unknown> = { ...route.schema };
    for (const part of VALIDATED_PARTS) if (schema[part] !== undefined) schema[part] = strictSchema(schema[part]);
    route.schema = schema;
    const dropNulls = nullMeansAbsent(schema.body);
    if (dropNulls) route.preValidation = [...[route.preValidation ?? []].flat(), dropNulls];
  });
}
