/**
 * What the operator commands (tenants, keys, usage, prices, audit) share: subcommand dispatch, the
 * platform opened on the data directory `serve` uses, and refusals printed as one line with exit code 1.
 */
import { PlatformError } from '../platform/errors.ts';
import { openPlatform, type Platform } from '../platform/platform.ts';
import { asksForHelp, defineCommand, helpText, nearest, parseCommandLine, type CommandSpec, type OptionSpec } from './args.ts';
import { DATA_DIR_OPTION } from './model-options.ts';
import { formatTable } from './table.ts';

/** Where the platform's state is: the data directory (its secret, and its SQLite file unless --database names a shared one). */
export const STORE_OPTIONS = {
  ...DATA_DIR_OPTION,
  database: { type: 'string', default: process.env.SEEKSTACK_DATABASE, value: 'postgres://…', help: "a shared PostgreSQL database instead of the data directory's SQLite file (SEEKSTACK_DATABASE)" },
} as const;

export interface StoreLocation {
  'data-dir': string;
  database?: string;
}

/** The audit log's actor for changes made from this machine's shell. */
export const CLI_ACTOR = `cli:${process.env.USER ?? process.env.USERNAME ?? 'unknown'}`;

export interface Subcommand {
  summary: string;
  /** Its options (with their help) and operands: what it parses and what `--help` shows. */
  spec: CommandSpec;
  run(args: string[]): Promise<number>;
}

/** Runs `seekstack <command> <subcommand> …`; `--help` on either level prints the help made from the specs. */
export async function dispatch(command: string, args: string[], subcommands: Record<string, Subcommand>): Promise<number> {
  const [name, ...rest] = args;
  const subcommand = name !== undefined && Object.hasOwn(subcommands, name) ? subcommands[name] : undefined;
  if (subcommand && asksForHelp(rest)) {
    process.stdout.write(helpText(`${command} ${name}`, subcommand.summary, subcommand.spec));
    return 0;
  }
  if (!subcommand) {
    const width = Math.max(...Object.keys(subcommands).map((sub) => sub.length));
    const list = Object.entries(subcommands).map(([sub, s]) => `  ${sub.padEnd(width)}  ${s.summary}`).join('\n');
    const text = `usage: seekstack ${command} <subcommand> [options]\n\nsubcommands:\n${list}\n\nseekstack ${command} <subcommand> --help shows its options\n`;
    if (name === undefined || asksForHelp([name])) {
      process.stdout.write(text);
      return name === undefined ? 2 : 0;
    }
    const near = nearest(name, Object.keys(subcommands));
    console.error(`seekstack ${command}: unknown subcommand '${name}'${near ? `; did you mean '${near}'?` : ''}\n\n${text}`);
    return 2;
  }
  return subcommand.run(rest);
}

export async function withPlatform(command: string, location: StoreLocation, body: (platform: Platform) => Promise<number>): Promise<number> {
  let platform: Platform;
  try {
    platform = await openPlatform(location['data-dir'], { databaseUrl: location.database });
  } catch (error) {
    console.error(`seekstack ${command}: ${(error as Error).message}`);
    return 1;
  }
  try {
    return await body(platform);
  } catch (error) {
    if (!(error instanceof PlatformError)) throw error;
    console.error(`seekstack ${command}: ${error.message}`);
    return 1;
  } finally {
    await platform.close();
  }
}

/** A positive integer flag that may be absent: the number, null when absent, or undefined after printing why not. */
export function optionalCount(command: string, flag: string, value: string | undefined): number | null | undefined {
  if (value === undefined) return null;
  const number = Number(value);
  if (Number.isSafeInteger(number) && number > 0) return number;
  console.error(`seekstack ${command}: --${flag} must be a positive integer, got '${value}'`);
  return undefined;
}

/** A `list` subcommand: options (always where the store is), then one table of what `rows` reads from the platform. */
export function listing<const T extends Record<string, OptionSpec>>(
  command: string,
  summary: string,
  options: T,
  header: string[],
  rows: (platform: Platform, values: Record<keyof T | keyof typeof STORE_OPTIONS, string | boolean | undefined>) => Promise<string[][]>,
): Subcommand {
  const spec = defineCommand({ options: { ...STORE_OPTIONS, ...options } });
  return {
    summary,
    spec,
    async run(args) {
      const parsed = parseCommandLine(command, args, spec.options, { allowPositionals: false });
      if (!parsed) return 2;
      const values = parsed.values as unknown as Record<keyof T | keyof typeof STORE_OPTIONS, string | boolean | undefined>;
      return withPlatform(command, values as unknown as StoreLocation, async (platform) => {
        console.log(formatTable([header, ...(await rows(platform, values))]));
        return 0;
      });
    },
  };
}
