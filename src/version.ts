/** @module Seekstack's version, from package.json: what `seekstack --version`, /api/version and /openapi.json report. */
import { createRequire } from 'node:module';

export const VERSION = (createRequire(import.meta.url)('../package.json') as { version: string }).version;
