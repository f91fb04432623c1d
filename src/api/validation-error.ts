/**
 * Turns Fastify's schema validation error into the API's: a missing field or a body that is not an
 * object is a malformed request (400); a field with a wrong type or value is an invalid parameter
 * (422) whose message names the parameter and what it must be; so is a field the route does not know.
 */
import type { FastifyError } from 'fastify';
import { ApiError } from './errors.ts';

export function validationError(error: FastifyError): ApiError {
  const [issue] = error.validation ?? [];
  if (!issue) return new ApiError('invalid_request', error.message);
  const pointer = issue.instancePath.replace(/^\//, '').split('/').filter(Boolean);
  if (issue.keyword === 'required') {
    const missing = String((issue.params as { missingProperty?: string }).missingProperty);
    const param = [...pointer, missing].join('.');
    return new ApiError('invalid_request', `missing required parameter '${param}'`, param);
  }
  if (issue.keyword === 'additionalProperties') {
    const param = paramName([...pointer, String((issue.params as { additionalProperty?: string }).additionalProperty)]);
    return new ApiError('invalid_parameter', `unknown parameter '${param}'${where(error)}: check its spelling (names are snake_case)`, param);
  }
  if (pointer.length === 0) return new ApiError('invalid_request', `the request body ${issue.message}`);
  const param = paramName(pointer);
  return new ApiError('invalid_parameter', `${param} ${describe(issue)}`, param);
}

/** `messages`, `0`, `content` → `messages[0].content`. */
function paramName(pointer: string[]): string {
  return pointer.map((p) => (/^\d+$/.test(p) ? `[${p}]` : p)).join('.').replace(/\.\[/g, '[');
}

function where(error: FastifyError): string {
  const context = (error as FastifyError & { validationContext?: string }).validationContext;
  return context === 'querystring' ? ' in the query string' : context === 'params' ? ' in the path' : '';
}

function describe(issue: NonNullable<FastifyError['validation']>[number]): string {
  const params = issue.params as Record<string, unknown>;
  switch (issue.keyword) {
    case 'maximum':
    case 'minimum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return `${issue.message} (got an out-of-range value)`;
    case 'maxItems':
      return `must have at most ${String(params.limit)} items`;
    case 'minItems':
      return `must have at least ${String(params.limit)} item${params.limit === 1 ? '' : 's'}`;
    case 'anyOf':
      return 'has an invalid type or value';
    default:
      return issue.message ?? 'is invalid';
  }
}
