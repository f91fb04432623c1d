/**
 * @module cli/config-file
 * `serve --config seekstack.yaml`: every option of the command is a key of the file, spelled as on the
 * command line without the dashes (`port: 8080`, `ctx-size: 16384`). A repeatable option takes a list;
 * `alias` also takes a map (name: model) and `upstream` a list of maps (name, url, key, kind, max,
 * template) as well as `name=URL,…` strings. The file becomes command-line arguments, so it is
 * checked exactly as they are, and the command line overrides it.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import type { OptionSpec } from './args.ts';

export class ConfigFileError extends Error {
  override name = 'ConfigFileError';
}

const UPSTREAM_FIELDS = ['key', 'kind', 'max', 'template'] as const;

function scalar(file: string, key: string, value: unknown): string {
  if (typeof value === 'string' || typeof value === 'number') return String(value);
  throw new ConfigFileError(`${file}: '${key}' takes a string or a number, got ${JSON.stringify(value)}`);
}

/** An upstream written as a map, in the command line's spelling. */
function upstreamSpec(file: string, value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new ConfigFileError(`${file}: each upstream is a 'name=URL,…' string or a map with name and url`);
  const { name, url, ...rest } = value as Record<string, unknown>;
  if (typeof name !== 'string' || typeof url !== 'string') throw new ConfigFileError(`${file}: each upstream map needs a name and a url`);
  const unknown = Object.keys(rest).find((field) => !(UPSTREAM_FIELDS as readonly string[]).includes(field));
  if (unknown !== undefined) throw new ConfigFileError(`${file}: the upstream '${name}' has an unknown field '${unknown}' (fields: name, url, ${UPSTREAM_FIELDS.join(', ')})`);
  return [`${name}=${url}`, ...Object.entries(rest).map(([field, v]) => `${field}=${scalar(file, `upstream ${name}: ${field}`, v)}`)].join(',');
}

function values(file: string, key: string, value: unknown): string[] {
  if (key === 'upstream') return (Array.isArray(value) ? value : [value]).map((v) => upstreamSpec(file, v));
  if (key === 'alias' && value !== null && typeof value === 'object' && !Array.isArray(value)) {
    return Object.entries(value).map(([alias, target]) => `${alias}=${scalar(file, `alias ${alias}`, target)}`);
  }
  return (Array.isArray(value) ? value : [value]).map((v) => scalar(file, key, v));
}

/** The file's settings as command-line arguments for a command with these options. */
export function configArgs(file: string, options: Record<string, OptionSpec>): string[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigFileError(`cannot read the config file ${file}: ${(error as Error).message}`);
  }
  let document: unknown;
  try {
    // Required only when a config file is given: the YAML parser would slow every start.
    document = (createRequire(import.meta.url)('yaml') as typeof import('yaml')).parse(text);
  } catch (error) {
    throw new ConfigFileError(`${file} is not valid YAML: ${(error as Error).message}`);
  }
  if (document === null || document === undefined) return [];
  if (typeof document !== 'object' || Array.isArray(document)) throw new ConfigFileError(`${file}: the config is a map of option names to values`);
  const args: string[] = [];
  for (const [key, value] of Object.entries(document)) {
    const option = options[key];
    if (!option || key === 'config') throw new ConfigFileError(`${file}: unknown setting '${key}' (the settings are serve's options: ${Object.keys(options).filter((k) => k !== 'config').join(', ')})`);
    if (value === null) continue;
    if (option.type === 'boolean') {
      if (typeof value !== 'boolean') throw new ConfigFileError(`${file}: '${key}' takes true or false, got ${JSON.stringify(value)}`);
      if (value) args.push(`--${key}`);
      continue;
    }
    const list = values(file, key, value);
    if (list.length > 1 && !option.multiple) throw new ConfigFileError(`${file}: '${key}' takes one value, got ${list.length}`);
    for (const item of list) args.push(`--${key}=${item}`);
  }
  return args;
}
