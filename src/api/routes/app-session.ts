/**
 * @module api/routes/app-session
 * The assistant app's session cookie and CSRF check. The cookie is HttpOnly and SameSite=Strict and
 * carries the session secret; requests that change anything must also send the session's CSRF token in
 * `x-csrf-token`, which a page only learns from a same-origin JSON response. A Bearer header always
 * wins: API clients never see any of this.
 */
import { timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from '../errors.ts';
import { SESSION_TTL_MS, type IssuedSession, type SignedIn } from '../../platform/accounts.ts';
import type { Assistant } from '../../platform/assistant.ts';
import type { Caller, Gate } from '../../platform/gate.ts';

const COOKIE = 'seekstack_session';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function sessionCookie(request: FastifyRequest): string | undefined {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === COOKIE) return value.join('=');
  }
  return undefined;
}

function cookie(request: FastifyRequest, value: string, maxAgeSeconds: number): string {
  return `${COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${request.protocol === 'https' ? '; Secure' : ''}`;
}

export function setSessionCookie(request: FastifyRequest, reply: FastifyReply, session: IssuedSession): void {
  void reply.header('set-cookie', cookie(request, session.cookieValue, Math.floor(SESSION_TTL_MS / 1000)));
}

export function clearSessionCookie(request: FastifyRequest, reply: FastifyReply): void {
  void reply.header('set-cookie', cookie(request, '', 0));
}

function hasCsrfToken(request: FastifyRequest, signedIn: SignedIn): boolean {
  const sent = Buffer.from(String(request.headers['x-csrf-token'] ?? ''));
  const expected = Buffer.from(signedIn.csrfToken);
  return sent.length === expected.length && timingSafeEqual(sent, expected);
}

/** The session behind the request's cookie, or null; a state-changing request without its CSRF token is refused. */
export async function signedInOrNull(request: FastifyRequest, assistant: Assistant): Promise<SignedIn | null> {
  const signedIn = await assistant.accounts.resume(sessionCookie(request));
  if (signedIn && !SAFE_METHODS.has(request.method) && !hasCsrfToken(request, signedIn)) {
    throw new ApiError('permission_denied', 'this request needs the session\'s CSRF token in the x-csrf-token header');
  }
  return signedIn;
}

export async function requireSignedIn(request: FastifyRequest, assistant: Assistant): Promise<SignedIn> {
  const signedIn = await signedInOrNull(request, assistant);
  if (!signedIn) throw new ApiError('authentication_failed', 'not signed in (or the session has expired)');
  return signedIn;
}

/** For the public API: the signed-in user's tenant and key when the request has no Authorization header but a session. */
export async function sessionCaller(request: FastifyRequest, assistant: Assistant, gate: Gate): Promise<Caller | null> {
  if (request.headers.authorization !== undefined || sessionCookie(request) === undefined) return null;
  const signedIn = await signedInOrNull(request, assistant);
  return signedIn && gate.callerForKey(signedIn.user.keyId);
}
