import { fileURLToPath } from 'node:url';

/** The model bundled in the repository, used when none is configured. */
export const DEFAULT_MODEL = fileURLToPath(new URL('../../models/stories260K.gguf', import.meta.url));
