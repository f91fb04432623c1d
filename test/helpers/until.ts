import assert from 'node:assert/strict';

/** Waits until `condition` holds, checking every `everyMs`; after `timeoutMs` fails the test, saying what it waited for. */
export async function until(what: string, condition: () => boolean | Promise<boolean>, { timeoutMs = 10_000, everyMs = 25 } = {}): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) assert.fail(`timed out after ${timeoutMs} ms waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
