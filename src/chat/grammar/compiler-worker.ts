/**
 * The grammar compiler's worker thread: compiles one job per message (see compiler.ts). An
 * UnsupportedSchemaError crosses back as its fields, so the caller can rebuild it.
 */
import { parentPort } from 'node:worker_threads';
import { compileGrammar, type GrammarJob, type WorkerReply } from './compiler.ts';
import { UnsupportedSchemaError } from './errors.ts';

parentPort?.on('message', ({ id, job }: { id: number; job: GrammarJob }) => {
  let reply: WorkerReply;
  try {
    reply = { id, grammar: compileGrammar(job) };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    reply = { id, error: error instanceof UnsupportedSchemaError ? { keyword: error.keyword, pointer: error.pointer, reason: error.reason } : { message } };
  }
  parentPort?.postMessage(reply);
});
