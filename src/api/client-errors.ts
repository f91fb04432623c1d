/**
 * @module api/client-errors
 * Answers for what never reaches the router, in DeepSeek's error shape like every other error: requests
 * Node's HTTP parser refuses (headers too large, a malformed chunked body, a method it does not know), a
 * request that has not fully arrived within the request timeout, and CONNECT, which this server (not a
 * proxy) refuses instead of dropping the connection. Also the router's own refusals (a path that is not
 * valid percent-encoding, a path parameter longer than Fastify's bound), which bypass the error handler.
 */
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError, type ApiErrorCode } from './errors.ts';

/** The methods the router knows, for the Allow header of a 405. */
const ALLOWED_METHODS = 'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS';

function parserError(code: string | undefined): ApiError {
  const refuse = (apiCode: ApiErrorCode, message: string) => new ApiError(apiCode, message, null, apiCode === 'method_not_allowed' ? { allow: ALLOWED_METHODS } : {});
  switch (code) {
    case 'HPE_HEADER_OVERFLOW':
      return refuse('headers_too_large', 'the request headers are too large');
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return refuse('request_timeout', 'the request (headers and body) did not arrive in time');
    case 'HPE_INVALID_METHOD':
      return refuse('method_not_allowed', 'the HTTP method is not one this server knows');
    default:
      return refuse('invalid_request', `malformed HTTP request${code?.startsWith('HPE_') ? ` (${code.slice(4).toLowerCase().replaceAll('_', ' ')})` : ''}`);
  }
}

/** Writes a whole HTTP/1.1 response on a raw socket and closes it: the parser's state is unusable after an error. */
function answer(socket: Duplex, error: ApiError): void {
  const body = JSON.stringify(error.toBody());
  const headers = { 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(body)), connection: 'close', ...error.headers };
  const head = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`).join('');
  socket.end(`HTTP/1.1 ${error.status} ${STATUS_CODES[error.status]}\r\n${head}\r\n${body}`);
}

/** Fastify's `clientErrorHandler`: Node emits `clientError` for every parser error and request timeout. */
export function onClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  // A reset connection has nobody to answer; a response already started cannot be replaced.
  const inFlight = (socket as Duplex & { _httpMessage?: ServerResponse | null })._httpMessage;
  if (error.code !== 'ECONNRESET' && socket.writable && !inFlight?.headersSent) {
    answer(socket, parserError(error.code));
    return;
  }
  socket.destroy(error);
}

/** The server's `connect` listener: without one, Node closes a CONNECT's connection without a word. */
export function onConnect(_request: IncomingMessage, socket: Duplex): void {
  socket.on('error', () => {});
  answer(socket, new ApiError('method_not_allowed', 'CONNECT is not supported: this server is an API, not a proxy', null, { allow: ALLOWED_METHODS }));
}

/** Fastify's `frameworkErrors`: what the router refuses before any route or error handler runs. */
export function onFrameworkError(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  const apiError = error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? new ApiError('uri_too_long', 'a path parameter is too long')
    : error.code === 'FST_ERR_BAD_URL' ? new ApiError('invalid_request', 'the path is not valid percent-encoded UTF-8')
    : new ApiError('invalid_request', 'the request could not be routed');
  void reply.code(apiError.status).send(apiError.toBody());
}
