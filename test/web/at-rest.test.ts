/**
 * After a real conversation (a streamed-through-the-API answer with reasoning, saved to history with a
 * system prompt and an attached file), no file under the data directory holds its text, reasoning, title,
 * system prompt or attachment in clear: not the database, not its WAL, not anything else, while the
 * server runs and after it stops.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { AppClient } from './helpers/app-client.ts';
import { tinyModel } from '../helpers/models.ts';
import { startServer } from '../helpers/server.ts';

function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).map((f) => path.join(dir, f)).filter((f) => fs.statSync(f).isFile());
}

function findInClear(dir: string, needles: string[]): string[] {
  const found: string[] = [];
  for (const file of filesUnder(dir)) {
    const bytes = fs.readFileSync(file);
    for (const needle of needles) {
      for (const encoding of ['utf8', 'utf16le'] as const) if (bytes.includes(Buffer.from(needle, encoding))) found.push(`${path.basename(file)}: '${needle}' (${encoding})`);
    }
  }
  return found;
}

describe('history at rest', () => {
  it('leaves no message text, reasoning or title in clear anywhere under the data directory', async () => {
    const cleanups: Array<() => Promise<void>> = [];
    const server = await startServer({ after: (fn) => cleanups.push(fn) }, [await tinyModel('qwen2')], { assistant: true });
    const client = new AppClient(server.origin);
    await client.signUp('alice', 'alice-password');
    const question = 'my secret phrase is periwinkle-octopus-42';
    const title = 'Zanzibar quarterly plan';
    const reply = await client.chat({ model: 'deepseek-reasoner', messages: [{ role: 'user', content: question }], max_tokens: 40, seed: 7 });
    const reasoning = reply.choices[0].message.reasoning_content ?? '';
    assert.ok(reasoning.length > 20, 'the model reasoned');
    const answer = 'The answer mentions marmalade-lighthouse-17.';
    const systemPrompt = 'Speak as captain tangerine-nebula.';
    const attachment = { name: 'ledger-quasar.md', type: 'text/markdown', size_bytes: 40, text: 'confidential ledger: vermilion-abacus-9', tokens: 12 };
    await client.json('PUT', '/app/api/conversations/conversation-at-rest', {
      title,
      messages: [{ role: 'user', content: question, attachments: [attachment] }, { role: 'assistant', content: answer, reasoning, reasoning_ms: 1200 }],
      system_prompt: systemPrompt,
      temperature: 0.4,
    });
    await client.json('PATCH', '/app/api/conversations/conversation-at-rest', { title: `${title} v2` });
    const found = await client.json<{ data: Array<{ title: string }> }>('GET', '/app/api/conversations?q=periwinkle');
    assert.deepEqual(found.data.map((c) => c.title), [`${title} v2`], 'search still finds it: it decrypts in memory');

    // Random model output has short common runs; any 16-character window of it is specific enough.
    const needles = [question, 'periwinkle-octopus', title, 'marmalade-lighthouse', reasoning.slice(0, 16), reasoning.slice(-16), 'tangerine-nebula', 'vermilion-abacus', 'ledger-quasar'];
    assert.ok(filesUnder(server.dataDir).some((f) => f.endsWith('-wal')), 'the WAL is scanned too');
    assert.deepEqual(findInClear(server.dataDir, needles), [], 'while the server runs');
    assert.notDeepEqual(findInClear(server.dataDir, ['alice']), [], 'the scan does see what is stored in clear (the username)');
    for (const cleanup of cleanups) await cleanup();
    assert.deepEqual(findInClear(server.dataDir, needles), [], 'after it stopped');
  });
});
