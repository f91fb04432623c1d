/**
 * @module api/schemas/strict
 * Strict request schemas for every route, present and future: each object in a route's body, query string
 * or params schema that does not say otherwise admits only its listed properties, so an unknown field is
 * refused (422, naming it) instead of dropped. A schema that means "any object" (a client's JSON Schema)
 * says so with `additionalProperties: true`; extra fields a client family sends are listed in extensions.ts.
 */
import type { FastifyInstance, RouteOptions } from 'fastify';

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

/** Makes every route registered from now on (in this instance and its plugins) validate strictly. */
export function useStrictSchemas(app: FastifyInstance): void {
  app.addHook('onRoute', (route: RouteOptions) => {
    if (!route.schema) return;
    const schema: Record<string, unknown> = { ...route.schema };
    for (const part of VALIDATED_PARTS) if (schema[part] !== undefined) schema[part] = strictSchema(schema[part]);
    route.schema = schema;
  });
}
