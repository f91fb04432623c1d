/**
 * @module runtime/sibling-module
 * The file of a module next to the caller, for starting it as a process or worker thread: `.ts` when the
 * caller runs from source (tests, tsx), `.js` when it runs from the JavaScript `npm run build` compiled
 * into dist/. TypeScript rewrites import specifiers, not paths built at run time, so this does.
 */
export function siblingModule(name: string, callerUrl: string): URL {
  const extension = callerUrl.endsWith('.ts') ? '.ts' : '.js';
  return new URL(`./${name}${extension}`, callerUrl);
}

/** Whether the caller runs from TypeScript source, so a process or worker it starts needs tsx too. */
export function isSource(callerUrl: string): boolean {
  return callerUrl.endsWith('.ts');
}
