import { parseArgs, type ParseArgsConfig } from 'node:util';

type Options = NonNullable<ParseArgsConfig['options']>;
type Values<T extends Options> = ReturnType<typeof parseArgs<{ args: string[]; options: T }>>['values'];

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
    // parseArgs adds hint lines; the first line says what is wrong.
    console.error(`seekstack ${command}: ${(error as Error).message.split('\n')[0]}`);
    return null;
  }
}
