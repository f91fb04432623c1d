/**
 * The assistant app end to end in Debian's Chromium against the real server and a tiny generated
 * R1-template model. One signed-up user goes through the whole app in order. The test steers the app's
 * chat requests (seed, max_tokens, a logit bias towards </think>) through request interception, so a
 * random-weight model still reasons, answers and runs long when the test needs it to.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { AppClient } from './helpers/app-client.ts';
import { ARTIFACTS_DIR, ensureWebBuilt, launchBrowser, noChromium } from './helpers/browser.ts';
import { openSlowLink, type SlowLink } from './helpers/slow-link.ts';
import { tinyModel } from '../helpers/models.ts';
import { serverForSuite } from '../helpers/server.ts';
import { synthVocab } from '../../src/engine/gguf/vocab.ts';

const USERNAME = 'ada';
const PASSWORD = 'analytical-engine';
const FIRST_MESSAGE = 'Line one\nline two ultramarine';
const EDITED_MESSAGE = 'An edited question about vermilion';
const END_OF_THINKING = synthVocab().specialIds.get('</think>')!;

/** What the reasoning block and the answer looked like at each DOM change of the last assistant message (record-streaming.js). */
interface Seen {
  label: string;
  isOpen: boolean;
  reasoningChars: number;
  answerChars: number;
}

describe('assistant app in a browser', { skip: noChromium }, () => {
  const suite = serverForSuite(async () => [await tinyModel('qwen2')], { assistant: true });
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const requested: string[] = [];
  let csrfToken = '';
  const pageErrors: string[] = [];
  /** Merged into the next chat request the page sends. */
  let steering: Record<string, unknown> = {};
  /** When set, chat answers reach the page through this slow link. */
  let slowLink: SlowLink | undefined;

  const streamEnds = async () => {
    await page.getByRole('button', { name: 'Stop' }).waitFor({ state: 'hidden' });
    await page.getByRole('button', { name: 'Send', exact: true }).waitFor();
  };
  const lastAnswer = () => page.getByTestId('answer').last();
  const send = async (text: string) => {
    await page.getByLabel('Message').fill(text);
    await page.getByLabel('Message').press('Enter');
  };

  /**
   * A seed for which the model reasons for at least `reasoningTokens` tokens and then answers this prompt,
   * found through the API with the page's own session.
   */
  async function seedThatAnswers(content: string, reasoningTokens: number): Promise<Record<string, unknown>> {
    const client = new AppClient(suite().origin);
    client.cookie = (await context.cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
    client.csrfToken = csrfToken;
    for (let seed = 1; seed <= 60; seed++) {
      const steer = { seed, max_tokens: reasoningTokens + 24, logit_bias: { [END_OF_THINKING]: 2 } };
      const reply = await client.chat({ model: 'deepseek-chat', messages: [{ role: 'user', content }], thinking: { type: 'enabled' }, ...steer });
      if (reply.usage.completion_tokens_details.reasoning_tokens >= reasoningTokens && reply.choices[0].message.content.trim().length > 8) return steer;
    }
    throw new Error(`no seed in 1..60 reasons for ${reasoningTokens} tokens and then answers`);
  }

  before(async () => {
    ensureWebBuilt();
    browser = await launchBrowser();
    context = await browser.newContext({ viewport: { width: 1200, height: 860 }, acceptDownloads: true });
    context.on('request', (request) => requested.push(request.url()));
    await context.addInitScript({ path: fileURLToPath(new URL('helpers/record-streaming.js', import.meta.url)) });
    page = await context.newPage();
    page.setDefaultTimeout(20_000);
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.route('**/v1/chat/completions', async (route) => {
      const body = JSON.parse(route.request().postData() ?? '{}') as Record<string, unknown>;
      await route.continue({ url: slowLink?.via(route.request().url()), postData: JSON.stringify({ ...body, ...steering }) });
    });
    // The app keeps its CSRF token in memory; the seed probe needs it too, so the test reads it off the sign-up response.
    page.on('response', async (response) => {
      if (/\/app\/api\/signup$/.test(response.url()) && response.ok()) csrfToken = ((await response.json()) as { csrf_token: string }).csrf_token;
    });
  });
  after(async () => {
    await browser?.close();
  });

  it('signs up (the recovery key is shown once) and opens the chat', async () => {
    await page.goto(suite().origin + '/');
    await page.getByRole('button', { name: 'Create an account' }).click();
    await page.getByLabel('Username').fill(USERNAME);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Create account' }).click();
    assert.match(await page.getByTestId('recovery-key').textContent() ?? '', /^rk-[A-Za-z0-9_-]{43}$/);
    await page.getByRole('button', { name: 'I saved it' }).click();
    await page.getByLabel('Message').waitFor();
    await page.locator('.model-current').getByText('No model').waitFor({ state: 'detached' });
  });

  it('streams the reasoning into an open block, then folds it to "Thought for N seconds" when the answer starts', async () => {
    steering = await seedThatAnswers(FIRST_MESSAGE, 30);
    await page.getByLabel('Message').fill('Line one');
    await page.getByLabel('Message').press('Shift+Enter');
    await page.getByLabel('Message').pressSequentially('line two ultramarine');
    assert.equal(await page.getByLabel('Message').inputValue(), FIRST_MESSAGE, 'Shift+Enter is a new line');
    await page.evaluate('window.seen.length = 0');
    // The tiny model writes its whole reasoning in a few milliseconds, which a busy browser may read and
    // render in one go (CI saw no "Thinking…" state at all). Chromium's throttling hands the body over in
    // ~1.5 KB packets, here 0.18 s apart; 30 reasoning chunks of ~250 bytes span about five of them.
    const devtools = await context.newCDPSession(page);
    await devtools.send('Network.enable');
    await devtools.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: 8192, uploadThroughput: -1 });
    await page.getByLabel('Message').press('Enter');
    await streamEnds();
    await devtools.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
    await devtools.detach();
    assert.equal(await page.getByTestId('user-message').first().locator('.bubble').textContent(), FIRST_MESSAGE);
    const seen = (await page.evaluate('window.seen')) as Seen[];
    const thinking = seen.filter((s) => s.label === 'Thinking…');
    assert.ok(thinking.length >= 2, `reasoning streamed in steps: ${JSON.stringify(seen)}`);
    assert.ok(thinking.every((s) => s.isOpen && s.answerChars === 0), 'open while thinking');
    assert.ok(thinking.at(-1)!.reasoningChars > thinking[0].reasoningChars, 'the reasoning grew live');
    const answering = seen.filter((s) => s.answerChars > 0);
    assert.ok(answering.length >= 1 && answering.every((s) => !s.isOpen && /^Thought for \d+ seconds?$/.test(s.label)), `folded once answering: ${JSON.stringify(answering)}`);
    assert.ok((await lastAnswer().textContent())!.length > 0);
    await page.getByRole('button', { name: /Thought for \d+ second/ }).click();
    assert.ok((await page.getByTestId('reasoning-text').textContent())!.length > 8, 'unfolds on click');
    fs.mkdirSync(ARTIFACTS_DIR, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS_DIR, 'chat-view.png'), fullPage: true });
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.screenshot({ path: path.join(ARTIFACTS_DIR, 'chat-view-dark.png'), fullPage: true });
    await page.emulateMedia({ colorScheme: 'light' });
    await page.getByTestId('conversation').first().waitFor();
  });

  it('stops a long answer', async () => {
    steering = { max_tokens: 1500, seed: 5 };
    await page.getByRole('button', { name: 'DeepThink' }).click();
    assert.equal(await page.getByRole('button', { name: 'DeepThink' }).getAttribute('aria-pressed'), 'false');
    slowLink = await openSlowLink(suite().origin);
    await send('Tell me a very long story');
    await page.getByTestId('answer').nth(1).filter({ hasText: /.{41}/s }).waitFor();
    await page.getByRole('button', { name: 'Stop' }).click();
    await streamEnds();
    const stoppedAt = (await lastAnswer().textContent())!.length;
    await page.waitForTimeout(800);
    assert.equal((await lastAnswer().textContent())!.length, stoppedAt, 'nothing more arrives after Stop');
    await slowLink.close();
    slowLink = undefined;
    assert.ok(stoppedAt < 3000, `stopped early (${stoppedAt} characters)`);
  });

  it('regenerates the last answer', async () => {
    const before = await lastAnswer().textContent();
    steering = { max_tokens: 24, seed: 11 };
    await page.getByRole('button', { name: 'Regenerate' }).click();
    await streamEnds();
    assert.equal(await page.getByTestId('assistant-message').count(), 2);
    const after = await lastAnswer().textContent();
    assert.ok(after && after !== before, 'a new answer replaced the old one');
  });

  it('edits a sent message and resends it, dropping what came after', async () => {
    steering = { max_tokens: 24, seed: 12 };
    await page.getByRole('button', { name: 'Edit' }).first().click();
    await page.getByLabel('Edit message').fill(EDITED_MESSAGE);
    await page.locator('.edit').getByRole('button', { name: 'Send' }).click();
    await streamEnds();
    assert.equal(await page.getByTestId('user-message').count(), 1);
    assert.equal(await page.getByTestId('user-message').locator('.bubble').textContent(), EDITED_MESSAGE);
    assert.equal(await page.getByTestId('assistant-message').count(), 1);
  });

  it('finds the conversation after a reload, and searches it', async () => {
    await page.reload();
    await page.getByTestId('conversation').first().waitFor();
    assert.equal(await page.getByTestId('conversation').count(), 1);
    await page.getByTestId('conversation').locator('.title').click();
    await page.getByTestId('user-message').waitFor();
    assert.equal(await page.getByTestId('user-message').locator('.bubble').textContent(), EDITED_MESSAGE);
    await page.getByLabel('Search conversations').fill('vermilion');
    await page.waitForTimeout(400);
    assert.equal(await page.getByTestId('conversation').count(), 1);
    await page.getByLabel('Search conversations').fill('no-such-words-anywhere');
    await page.getByText('Nothing found').waitFor();
    await page.getByLabel('Search conversations').fill('');
    await page.getByTestId('conversation').first().waitFor();
  });

  it('renames the conversation', async () => {
    await page.getByRole('button', { name: 'Rename' }).click();
    await page.getByLabel('New title').fill('Renamed chat');
    await page.getByLabel('New title').press('Enter');
    await page.getByTestId('conversation').getByText('Renamed chat').waitFor();
    await page.reload();
    await page.getByTestId('conversation').getByText('Renamed chat').waitFor();
  });

  it('keeps incognito chats off the server: nothing is left after a reload', async () => {
    steering = { max_tokens: 16, seed: 13 };
    await page.getByRole('button', { name: 'Incognito' }).click();
    await page.getByTestId('incognito').waitFor();
    await send('incognito-only tangerine question');
    await streamEnds();
    await page.waitForTimeout(300);
    assert.equal(await page.getByTestId('conversation').count(), 1, 'not added to the list');
    await page.reload();
    await page.getByTestId('conversation').first().waitFor();
    assert.equal(await page.getByTestId('conversation').count(), 1);
    assert.equal(await page.getByText('tangerine').count(), 0);
    const user = (await suite().assistant!.store.userByName(USERNAME))!;
    assert.equal((await suite().assistant!.store.listConversations(user.id)).length, 1, 'the store holds only the saved conversation');
  });

  it('exports all the user\'s data as a JSON download', async () => {
    await page.getByRole('button', { name: 'Settings' }).click();
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Export all my data' }).click()]);
    const exported = JSON.parse(fs.readFileSync((await download.path())!, 'utf8')) as {
      account: { username: string };
      conversations: Array<{ title: string; messages: Array<{ role: string; content: string }> }>;
    };
    assert.equal(exported.account.username, USERNAME);
    assert.deepEqual(exported.conversations.map((c) => c.title), ['Renamed chat']);
    assert.equal(exported.conversations[0].messages[0].content, EDITED_MESSAGE);
    assert.equal(exported.conversations[0].messages[1].role, 'assistant');
    await page.getByRole('button', { name: 'Close' }).click();
  });

  it('works at phone width: the conversation list folds behind a menu button', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    const sidebar = page.locator('.sidebar');
    await page.waitForTimeout(300);
    assert.ok(((await sidebar.boundingBox())?.x ?? 0) < 0, 'hidden off-screen');
    await page.getByRole('button', { name: 'Conversations' }).click();
    await page.waitForTimeout(300);
    assert.ok(((await sidebar.boundingBox())?.x ?? -1) >= 0, 'slides in');
    await page.screenshot({ path: path.join(ARTIFACTS_DIR, 'phone-conversations.png') });
    await page.getByTestId('backdrop').click({ position: { x: 370, y: 400 } });
    await page.waitForTimeout(300);
    assert.ok(((await sidebar.boundingBox())?.x ?? 0) < 0, 'a tap beside it folds it again');
    await page.setViewportSize({ width: 1200, height: 860 });
  });

  it('deletes the conversation', async () => {
    await page.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('button', { name: 'Delete', exact: true }).click();
    await page.getByText('No conversations yet').waitFor();
    const user = (await suite().assistant!.store.userByName(USERNAME))!;
    assert.deepEqual(await suite().assistant!.store.listConversations(user.id), []);
  });

  it('deletes the account: signed out, and the data is gone', async () => {
    steering = { max_tokens: 8, seed: 14 };
    await send('one more to delete');
    await streamEnds();
    await page.getByTestId('conversation').first().waitFor();
    const user = (await suite().assistant!.store.userByName(USERNAME))!;
    await page.getByRole('button', { name: 'Settings' }).click();
    await page.getByLabel('Password to delete account').fill(PASSWORD);
    await page.getByRole('button', { name: 'Delete my account' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    assert.equal(await suite().assistant!.store.userByName(USERNAME), undefined);
    assert.deepEqual(await suite().assistant!.store.allConversations(user.id), []);
    assert.notEqual((await suite().platform.store.key(user.keyId))?.revokedAt, null, 'the account\'s API key is revoked');
    await page.getByLabel('Username').fill(USERNAME);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').waitFor();
    await page.reload();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  });

  it('raised no error in the page, and made no request to any host but its own', () => {
    assert.deepEqual(pageErrors, []);
    assert.ok(requested.length > 20, `requests were recorded (${requested.length})`);
    const elsewhere = requested.filter((url) => !url.startsWith(suite().origin + '/'));
    assert.deepEqual(elsewhere, []);
  });
});
