/**
 * @module api/routes/app-web
 * Serves the built single-page app (dist/web) at `/`. A dozen lines of file serving instead of
 * @fastify/static: the build is a fixed, small set of hashed files. Every page goes out under a strict
 * Content-Security-Policy: scripts, styles, fonts and connections from this origin only. Inline style
 * attributes are allowed because KaTeX positions math with them; they cannot run code.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { ApiError } from '../errors.ts';

export const WEB_DIR = fileURLToPath(new URL('../../../dist/web/', import.meta.url));

export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'", "script-src 'self'", "style-src 'self'", "style-src-attr 'unsafe-inline'", "img-src 'self'",
  "font-src 'self'", "connect-src 'self'", "object-src 'none'", "base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'",
].join('; ');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml', '.woff2': 'font/woff2', '.woff': 'font/woff', '.ttf': 'font/ttf', '.png': 'image/png', '.json': 'application/json',
};

function send(reply: FastifyReply, file: string, cacheControl: string) {
  return reply
    .headers({
      'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream', 'cache-control': cacheControl,
      'content-security-policy': CONTENT_SECURITY_POLICY, 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer',
    })
    .send(fs.createReadStream(file));
}

export function webRoutes(app: FastifyInstance, webDir = WEB_DIR): void {
  app.get('/', async (_request, reply) => {
    const index = path.join(webDir, 'index.html');
    if (!fs.existsSync(index)) throw new ApiError('not_found', 'the web app is not built: run `npm run build:web` (npm install does it)');
    return send(reply, index, 'no-cache');
  });
  app.get<{ Params: { '*': string } }>('/assets/*', async (request, reply) => {
    const file = path.join(webDir, 'assets', request.params['*']);
    // Hashed names only, no way out of the folder.
    if (!file.startsWith(path.join(webDir, 'assets') + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      throw new ApiError('not_found', `no asset ${request.params['*']}`);
    }
    return send(reply, file, 'public, max-age=31536000, immutable');
  });
}
