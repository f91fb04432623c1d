/**
 * @module api/lazy-validators
 * Fastify compiles every route's schemas with Ajv before the server can listen: on a 2-core machine that
 * was 0.8 s of CPU, longer than llama.cpp takes to load a small model, so it alone decided when the server
 * was ready. Here a route's validator is compiled when it is first needed instead, and the ones no request
 * has needed yet are compiled in the background, one per turn of the event loop, while the model loads
 * (from Fastify's ready), so requests are never held up for long and most first requests find their
 * validator compiled. The validators themselves are Fastify's own (@fastify/ajv-compiler, with the
 * server's Ajv options), unchanged.
 */
import { AjvCompiler } from '@fastify/ajv-compiler';
import type { AnyValidateFunction } from 'ajv/dist/core.js';
import type { FastifyServerOptions } from 'fastify';

type BuildValidator = NonNullable<NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>['buildValidator']>;

export interface LazyValidators {
  /** For `schemaController.compilersFactory.buildValidator`. */
  readonly buildValidator: BuildValidator;
  /** Compiles, a turn of the event loop each, the validators not compiled yet. */
  compileInBackground(): void;
  /** How many are not compiled yet. */
  pendingCount(): number;
}

export function lazyValidators(): LazyValidators {
  const build = AjvCompiler();
  const pending = new Set<() => AnyValidateFunction>();
  const buildValidator: BuildValidator = (externalSchemas, options) => {
    const compile = build(externalSchemas, options);
    return (route) => {
      let compiled: AnyValidateFunction | undefined;
      const get = () => {
        if (compiled === undefined) {
          compiled = compile(route);
          pending.delete(get);
        }
        return compiled;
      };
      pending.add(get);
      const validate = (...args: Parameters<AnyValidateFunction>) => get()(...args);
      // Fastify reads how to call it (schemaEnv) and why it failed (errors) from the function it was given.
      for (const property of ['errors', 'schema', 'schemaEnv'] as const) Object.defineProperty(validate, property, { get: () => get()[property] });
      return validate as AnyValidateFunction;
    };
  };
  return {
    buildValidator,
    pendingCount: () => pending.size,
    compileInBackground() {
      const next = () => {
        const first = pending.values().next();
        if (first.done) return;
        first.value();
        setImmediate(next).unref();
      };
      setImmediate(next).unref();
    },
  };
}
