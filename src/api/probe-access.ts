/**
 * @module api/probe-access
 * Who may see what on the endpoints that stay reachable for probes and scrapers. `/health` answers anyone
 * whether the server is up, and shows its models and engines only to an admin key. `/metrics`, which
 * names every model, is as closed as the API: once keys are required it needs the operator's metrics
 * token (`--metrics-token`, for a scraper) or an admin key.
 */
import { timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { PlatformError } from '../platform/errors.ts';
import type { Platform } from '../platform/platform.ts';
import { ApiError } from './errors.ts';

/** Whether the request carries a valid, live admin key; never throws for a missing or wrong one. */
export async function isAdminRequest(platform: Platform, request: FastifyRequest): Promise<boolean> {
  if (request.headers.authorization === undefined) return false;
  try {
    return (await platform.gate.authenticate(request.headers.authorization)).key?.isAdmin === true;
  } catch (error) {
    if (error instanceof PlatformError) return false;
    throw error;
  }
}

/** Whether the Authorization header is `Bearer <token>`, compared in constant time. */
export function isBearer(authorization: string | undefined, token: string): boolean {
  const sent = Buffer.from(/^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1] ?? '');
  const expected = Buffer.from(token);
  return sent.length === expected.length && timingSafeEqual(sent, expected);
}

export async function checkMetricsAccess(platform: Platform, request: FastifyRequest, metricsToken: string | undefined): Promise<void> {
  if (metricsToken !== undefined && isBearer(request.headers.authorization, metricsToken)) return;
  if (!(await platform.gate.isAuthRequired()) && metricsToken === undefined) return;
  if (await isAdminRequest(platform, request)) return;
  throw new ApiError('authentication_failed', 'Authentication Fails (/metrics needs the metrics token, --metrics-token, or an admin key)');
}
