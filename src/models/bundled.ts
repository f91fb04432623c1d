import { fileURLToPath } from 'node:url';

/** The demo reasoning model trained by this repository (models/README.md), used when none is configured. */
export const DEFAULT_MODEL = fileURLToPath(new URL('../../models/seekstack-demo-r1.gguf', import.meta.url));
