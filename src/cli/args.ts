/**
 * @module cli/args
 * A command's options are defined once, with their help: the same definition parses the command line
 * (node's parseArgs) and prints `--help`, so the help cannot drift from what the command accepts. An
 * unknown option is answered with the nearest known one.
 */
import { parseArgs } from 'node:util';

export interface OptionSpec {
  type: 'string' | 'boolean';
  multiple?: boolean;
  short?: string;
  default?: string | boolean | string[];
  /** One line for `--help`. */
  help?: string;
  /** The value's placeholder in `--help` (`--port <N>`). */
  value?: string;
}

type Options = Record<string, OptionSpec>;
type Values<T extends Options> = ReturnType<typeof parseArgs<{ args: string[]; options: T }>>['values'];

export interface CommandSpec<T extends Options = Options> {
  /** What follows the command name besides options (`<model>`, `[prompt]`), if anything. */
  operands?: string;
  options: T;
  /** Lines printed after the options (what environment variables do, exit codes…). */
  notes?: string;
}

export function defineCommand<const T extends Options>(spec: CommandSpec<T>): CommandSpec<T> {
  return spec;
}

/** `seekstack <name> --help`; the summary is the one line the command list shows. */
export function helpText(name: string, summary: string, spec: CommandSpec): string {
  const rows = Object.entries(spec.options).map(([flag, o]) => {
    const left = `${o.short ? `-${o.short}, ` : '    '}--${flag}${o.type === 'string' ? ` <${o.value ?? 'value'}>` : ''}${o.multiple ? ' …' : ''}`;
    const hasDefault = o.default !== undefined && o.default !== false && !(Array.isArray(o.default) && o.default.length === 0);
    return [left, `${o.help ?? ''}${hasDefault ? ` (default: ${String(o.default)})` : ''}`];
  });
  rows.push(['-h, --help', 'show this help']);
  const width = Math.max(...rows.map(([left]) => left.length));
  const lines = [
    `usage: seekstack ${name}${spec.operands ? ` ${spec.operands}` : ''} [options]`,
    '',
    summary,
    '',
    'options:',
    ...rows.map(([left, right]) => `  ${left.padEnd(width)}  ${right}`.trimEnd()),
  ];
  if (spec.notes) lines.push('', spec.notes);
  return `${lines.join('\n')}\n`;
}

/** Whether the arguments ask for help (before any `--`). */
export function asksForHelp(args: string[]): boolean {
  const end = args.indexOf('--');
  return (end === -1 ? args : args.slice(0, end)).some((a) => a === '--help' || a === '-h');
}

/** A command's options; a bad one prints `seekstack <command>: <reason>` and gives null (exit code 2). */
export function parseCommandArgs<const T extends Options>(command: string, args: string[], options: T): Values<T> | null {
  return parseCommandLine(command, args, options, { allowPositionals: false })?.values ?? null;
}

/** The same for a command that also takes operands (`seekstack pull <model>`). */
export function parseCommandLine<const T extends Options>(
  command: string,
  args: string[],
  options: T,
  { allowPositionals = true } = {},
): { values: Values<T>; positionals: string[] } | null {
  try {
    const { values, positionals } = parseArgs({ args, options, allowPositionals });
    return { values, positionals };
  } catch (error) {
    const unknown = /^Unknown option '(-{1,2}[^']+)'/.exec((error as Error).message)?.[1];
    const near = unknown === undefined ? undefined : nearest(unknown.replace(/^-+/, '').split('=')[0], [...Object.keys(options), 'help']);
    const hint = near === undefined ? '' : `; did you mean '--${near}'?`;
    // parseArgs adds hint lines; the first line says what is wrong.
    console.error(`seekstack ${command}: ${(error as Error).message.split('\n')[0]}${hint} (seekstack ${command} --help lists the options)`);
    return null;
  }
}

/** The known word closest to `word` by edit distance, if it is close enough to be a likely typo. */
export function nearest(word: string, known: readonly string[]): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const name of known) {
    const distance = editDistance(word.toLowerCase(), name.toLowerCase());
    if (!best || distance < best.distance) best = { name, distance };
  }
  const isPrefix = best !== undefined && word.length >= 2 && best.name.startsWith(word);
  return best && (best.distance <= Math.max(2, Math.floor(word.length / 3)) || isPrefix) ? best.name : undefined;
}

/** Optimal string alignment distance: insertions, deletions, substitutions and adjacent swaps. */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}
