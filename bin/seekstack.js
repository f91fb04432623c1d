#!/usr/bin/env node
// The CLI is TypeScript run through tsx, so `npm install` is the only install step (no build).
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
