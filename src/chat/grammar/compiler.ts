/**
 * @module chat/grammar/compiler
 * Grammars for structured output and forced tool calls, compiled off the HTTP server's event loop.
 * Converting a JSON Schema takes time that grows with the schema (and faster than linearly for objects
 * with many optional properties); on the event loop, one large schema would hold up every other
 * request the server is handling. A worker thread compiles them one at a time, each within a time
 * budget (past it the worker is replaced and the request refused), after the size checks in limits.ts.
 * Clients tend to send the same schema with every request, so recent results are kept.
 */
import { Worker } from 'node:worker_threads';
import { toolCallSyntax, type ToolCallFormat } from '../tool-syntax.ts';
import { UnsupportedSchemaError } from './errors.ts';
import { schemaToGrammar } from './index.ts';
import { checkSchemaLimits } from './limits.ts';
import { toolCallGrammar, type GrammarTool } from './tool-call.ts';
import { siblingModule } from '../../runtime/sibling-module.ts';

export type GrammarJob =
  | { kind: 'schema'; schema: unknown; strict: boolean }
  | { kind: 'tool-call'; format: ToolCallFormat; tools: GrammarTool[]; strict: boolean };

/** Most GBNF text one grammar may have: llama.cpp parses it while the request is prepared. */
export const MAX_GRAMMAR_CHARS = 512 * 1024;
const DEFAULT_TIMEOUT_MS = 3000;
const CACHE_SIZE = 64;

/** The grammar of a job, on the calling thread: what the worker runs. Throws UnsupportedSchemaError. */
export function compileGrammar(job: GrammarJob): string {
  const text = job.kind === 'schema' ? schemaToGrammar(job.schema, { strict: job.strict }) : toolCallGrammar(toolCallSyntax(job.format), job.tools, job.strict);
  if (text.length > MAX_GRAMMAR_CHARS) {
    throw new UnsupportedSchemaError('size', '', `its grammar would have ${text.length} characters, more than the ${MAX_GRAMMAR_CHARS} allowed`);
  }
  return text;
}

/** Messages between the compiler and its worker. */
export type WorkerReply = { id: number; grammar: string } | { id: number; error: { keyword: string; pointer: string; reason: string } | { message: string } };

interface Task {
  id: number;
  job: GrammarJob;
  resolve(grammar: string): void;
  reject(error: Error): void;
}

export class GrammarCompiler {
  readonly #timeoutMs: number;
  readonly #cache = new Map<string, string>();
  readonly #queue: Task[] = [];
  #worker: Worker | null = null;
  #current: { task: Task; timer: NodeJS.Timeout } | null = null;
  #nextId = 0;

  constructor(options: { timeoutMs?: number } = {}) {
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  /** The grammar of `job`. Rejects with UnsupportedSchemaError for a schema it refuses or cannot compile in time. */
  async compile(job: GrammarJob): Promise<string> {
    for (const schema of job.kind === 'schema' ? [job.schema] : job.tools.map((t) => t.parameters)) checkSchemaLimits(schema);
    const key = JSON.stringify(job);
    const cached = this.#cache.get(key);
    if (cached !== undefined) {
      this.#cache.delete(key);
      this.#cache.set(key, cached);
      return cached;
    }
    const grammar = await new Promise<string>((resolve, reject) => {
      this.#queue.push({ id: ++this.#nextId, job, resolve, reject });
      this.#next();
    });
    this.#cache.set(key, grammar);
    if (this.#cache.size > CACHE_SIZE) this.#cache.delete(this.#cache.keys().next().value as string);
    return grammar;
  }

  async close(): Promise<void> {
    const worker = this.#worker;
    this.#worker = null;
    await worker?.terminate();
  }

  #next(): void {
    if (this.#current || this.#queue.length === 0) return;
    const task = this.#queue.shift() as Task;
    const timer = setTimeout(() => {
      // The worker may be stuck in one conversion for long: replace it rather than wait.
      void this.#worker?.terminate();
      this.#worker = null;
      this.#settle(task.id, { id: task.id, error: { keyword: 'size', pointer: '', reason: `the schema is too complex: its grammar did not compile within ${this.#timeoutMs} ms` } });
    }, this.#timeoutMs);
    this.#current = { task, timer };
    this.#workerThread().postMessage({ id: task.id, job: task.job });
  }

  #settle(id: number, reply: WorkerReply): void {
    const current = this.#current;
    if (!current || current.task.id !== id) return;
    clearTimeout(current.timer);
    this.#current = null;
    if ('grammar' in reply) current.task.resolve(reply.grammar);
    else if ('keyword' in reply.error) current.task.reject(new UnsupportedSchemaError(reply.error.keyword, reply.error.pointer, reply.error.reason));
    else current.task.reject(new Error(reply.error.message));
    this.#next();
  }

  #workerThread(): Worker {
    if (this.#worker) return this.#worker;
    const worker = startWorker(siblingModule('compiler-worker', import.meta.url));
    worker.on('message', (reply: WorkerReply) => this.#settle(reply.id, reply));
    worker.on('error', (error) => {
      if (this.#worker === worker) this.#worker = null;
      if (this.#current) this.#settle(this.#current.task.id, { id: this.#current.task.id, error: { message: `the grammar compiler failed: ${error.message}` } });
    });
    // After the listeners, which would otherwise hold a reference again: an idle compiler never keeps the process alive.
    worker.unref();
    this.#worker = worker;
    return worker;
  }
}

/** A worker thread running a TypeScript module: through tsx, as the rest of the process runs. */
function startWorker(module: URL): Worker {
  if (!module.pathname.endsWith('.ts')) return new Worker(module);
  const boot = `import { register } from ${JSON.stringify(import.meta.resolve('tsx/esm/api'))}; register(); await import(${JSON.stringify(module.href)});`;
  return new Worker(new URL(`data:text/javascript,${encodeURIComponent(boot)}`));
}
