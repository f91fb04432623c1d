/**
 * The app's controls beyond the chat itself, in Debian's Chromium against the real server and a tiny
 * generated model: logo and favicon, the model menu, DeepThink, copy buttons, the stopped note, usage on
 * hover, the theme switch, keyboard shortcuts, per-conversation settings, file attachments (text, code,
 * a PDF and a Word file written by the test), the administrator's page and the phone layout. The first
 * account is the administrator; a second one, made over HTTP, is the account it manages. Chat requests
 * are steered (seed, max_tokens) through request interception, which also records what the app sent.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { AppClient } from './helpers/app-client.ts';
import { ARTIFACTS_DIR, ensureWebBuilt, launchBrowser, noChromium } from './helpers/browser.ts';
import { openSlowLink, type SlowLink } from './helpers/slow-link.ts';
import { minimalChinesePdf, minimalDocx, minimalPdf } from './helpers/documents.ts';
import { tinyModel } from '../helpers/models.ts';
import { serverForSuite } from '../helpers/server.ts';

const ADMIN = 'grace';
const PASSWORD = 'compiler-pioneer';

interface SentRequest {
  model: string;
  messages: Array<{ role: string; content: string }>;
  temperature?: number;
  thinking?: { type: string };
  stream_options?: { include_usage: boolean };
}

describe('the polished app in a browser', { skip: noChromium }, () => {
  const suite = serverForSuite(async () => [await tinyModel('qwen2')], { assistant: true });
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const requested: string[] = [];
  const pageErrors: string[] = [];
  const sent: SentRequest[] = [];
  let steering: Record<string, unknown> = {};
  /** When set, chat answers reach the page through this slow link. */
  let slowLink: SlowLink | undefined;
  /** When set, the next chat request is answered with this SSE body instead of the model (for a fixed answer). */
  let cannedStream: string | null = null;
  let csrfToken = '';

  const lastSent = () => sent.at(-1)!;
  const streamEnds = async () => {
    await page.getByRole('button', { name: 'Stop' }).waitFor({ state: 'hidden' });
    await page.getByRole('button', { name: 'Send', exact: true }).waitFor();
  };
  const send = async (text: string) => {
    await page.getByLabel('Message').fill(text);
    await page.getByLabel('Message').press('Enter');
  };
  /** Sends a prompt whose reply runs long and reaches the page through a slow link, and waits until the reply (reasoning or answer) has begun. */
  const startLongAnswer = async (text: string) => {
    steering = { max_tokens: 1500, seed: 5, ignore_eos: true };
    slowLink = await openSlowLink(suite().origin);
    const repliesBefore = await page.getByTestId('assistant-message').count();
    await send(text);
    await page.getByTestId('assistant-message').nth(repliesBefore).filter({ hasText: /.{41}/s }).waitFor();
  };
  const closeSlowLink = async () => {
    await slowLink?.close();
    slowLink = undefined;
  };
  const shot = (name: string) => page.screenshot({ path: path.join(ARTIFACTS_DIR, name) });
  const conversations = async () => (await (await page.request.get(`${suite().origin}/app/api/conversations`)).json() as { data: Array<{ id: string; title: string }> }).data;
  const conversation = async (id: string) => (await page.request.get(`${suite().origin}/app/api/conversations/${id}`)).json() as Promise<{
    system_prompt?: string;
    temperature?: number;
    messages: Array<{ role: string; content: string; stopped?: boolean; attachments?: Array<{ name: string; text: string; tokens: number }>; usage?: unknown }>;
  }>;

  before(async () => {
    ensureWebBuilt();
    fs.mkdirSync(ARTIFACTS_DIR, { recursive: true });
    browser = await launchBrowser();
    context = await browser.newContext({ viewport: { width: 1200, height: 860 } });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: suite().origin });
    context.on('request', (request) => requested.push(request.url()));
    page = await context.newPage();
    page.setDefaultTimeout(20_000);
    page.on('pageerror', (error) => pageErrors.push(error.message));
    // The app keeps its CSRF token in memory; the token-count check needs it too.
    page.on('response', async (response) => {
      if (/\/app\/api\/(signup|session)$/.test(response.url()) && response.ok()) csrfToken = ((await response.json()) as { csrf_token: string }).csrf_token;
    });
    await page.route('**/v1/chat/completions', async (route) => {
      const body = JSON.parse(route.request().postData() ?? '{}') as SentRequest;
      sent.push(body);
      if (cannedStream !== null) {
        const stream = cannedStream;
        cannedStream = null;
        await route.fulfill({ status: 200, headers: { 'content-type': 'text/event-stream' }, body: stream });
        return;
      }
      await route.continue({ url: slowLink?.via(route.request().url()), postData: JSON.stringify({ ...body, ...steering }) });
    });
  });
  // A test that fails before it closes its slow link would otherwise keep the process alive.
  afterEach(closeSlowLink);
  after(async () => {
    await browser?.close();
  });

  it('shows the logo on the sign-up page, and the page has an SVG favicon', async () => {
    await page.goto(suite().origin + '/');
    const logo = page.locator('.brand img');
    await logo.waitFor();
    assert.ok(await page.evaluate("document.querySelector('.brand img').decode().then(() => true, () => false)"), 'the logo loaded');
    const favicon = await page.locator('link[rel=icon]').getAttribute('href');
    assert.ok(favicon, 'a favicon is linked');
    const response = await page.request.get(new URL(favicon, suite().origin).href);
    assert.equal(response.status(), 200);
    assert.equal(response.headers()['content-type'], 'image/svg+xml');
    assert.match(await response.text(), /<svg[\s>]/);
    await shot('polish-sign-up.png');
  });

  it('signs up the first account, which is the administrator', async () => {
    await page.getByRole('button', { name: 'Create an account' }).click();
    await page.getByLabel('Username').fill(ADMIN);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByRole('button', { name: 'I saved it' }).click();
    await page.getByLabel('Message').waitFor();
    await page.getByRole('button', { name: 'Administration' }).waitFor();
    assert.deepEqual(requested.filter((url) => /pdf/i.test(url)), [], 'PDF.js is fetched only when a PDF is attached');
  });

  it('labels every icon button with a tooltip and an accessible name', async () => {
    const unlabelled = await page.locator('button.icon-button').evaluateAll((buttons) =>
      buttons.filter((b) => !b.getAttribute('title') || !b.getAttribute('aria-label')).map((b) => b.outerHTML.slice(0, 80)));
    assert.deepEqual(unlabelled, []);
    assert.ok(await page.locator('button.icon-button svg').count() >= 6, 'the buttons are drawn with icons');
  });

  it('lists each served model once in the model menu, aliases under it, with its capabilities', async () => {
    const names = (await suite().client.models.list()).data.map((m) => m.id);
    assert.ok(names.length >= 3, `the API lists several names for the one model: ${names}`);
    await page.getByRole('button', { name: 'Model' }).click();
    const options = page.getByTestId('model-option');
    assert.equal(await options.count(), 1, 'one served model, one entry');
    const entry = (await options.first().textContent()) ?? '';
    assert.match(entry, /deepseek-chat/, 'the aliases are named under it');
    assert.match(entry, /Thinking/);
    assert.match(entry, /4K context/);
    assert.equal(await options.first().getAttribute('aria-selected'), 'true');
    await shot('polish-model-menu.png');
    await page.keyboard.press('Escape');
    await page.getByRole('listbox', { name: 'Models' }).waitFor({ state: 'hidden' });
  });

  it('shows DeepThink as pressed or not, and sends the mode it shows', async () => {
    const toggle = page.getByRole('button', { name: 'DeepThink' });
    assert.equal(await toggle.getAttribute('aria-pressed'), 'true');
    const background = () => page.evaluate("getComputedStyle(document.querySelector('button[aria-label=DeepThink]')).backgroundColor");
    const onColour = await background();
    steering = { max_tokens: 12, seed: 3 };
    await send('first question, thinking');
    await streamEnds();
    assert.deepEqual(lastSent().thinking, { type: 'enabled' });
    assert.deepEqual(lastSent().stream_options, { include_usage: true });
    await toggle.click();
    assert.equal(await toggle.getAttribute('aria-pressed'), 'false');
    assert.notEqual(await background(), onColour, 'on and off look different');
    await send('second question, no thinking');
    await streamEnds();
    assert.deepEqual(lastSent().thinking, { type: 'disabled' });
  });

  it('shows the answer\'s token usage and speed on hover', async () => {
    const usage = page.getByTestId('usage').last();
    await usage.hover();
    const card = usage.getByRole('tooltip');
    await card.waitFor({ state: 'visible' });
    const text = (await card.textContent()) ?? '';
    assert.match(text, /Prompt: \d+ tokens/);
    assert.match(text, /Answer: \d+ tokens/);
    assert.match(text, /[\d.]+ tokens\/s/);
    await shot('polish-usage.png');
  });

  it('copies an answer', async () => {
    await page.getByRole('button', { name: 'Copy answer' }).last().click();
    await page.getByRole('button', { name: 'Copied' }).waitFor();
    const [saved] = await conversations();
    const answer = (await conversation(saved.id)).messages.at(-1)!.content;
    assert.equal(await page.evaluate('navigator.clipboard.readText()'), answer);
  });

  it('copies a code block of an answer', async () => {
    const code = 'def total(xs):\n    return sum(xs)';
    const chunk = (delta: object) => `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 0, model: 'm', choices: [{ index: 0, delta, finish_reason: null }] })}\n\n`;
    cannedStream = chunk({ role: 'assistant', content: '' }) + chunk({ content: `Here it is:\n\n\`\`\`python\n${code}\n\`\`\`\n` }) + 'data: [DONE]\n\n';
    await send('show me code');
    await streamEnds();
    await page.locator('.code').last().getByRole('button', { name: 'Copy code' }).click();
    assert.equal(await page.evaluate('navigator.clipboard.readText()'), code);
    await page.locator('.code').last().getByRole('button', { name: 'Copied' }).waitFor();
    await shot('polish-code-copy.png');
  });

  it('notes a stopped answer as stopped, and keeps the note in history', async () => {
    await startLongAnswer('Tell me a very long story');
    await page.mouse.move(0, 0);
    await page.getByRole('button', { name: 'Stop' }).click();
    await streamEnds();
    await closeSlowLink();
    await page.getByTestId('stopped').waitFor();
    assert.equal(await page.getByTestId('stopped').count(), 1, 'only the stopped answer carries the note');
    const [saved] = await conversations();
    await page.waitForTimeout(300);
    assert.equal((await conversation(saved.id)).messages.at(-1)!.stopped, true);
    await page.reload();
    await page.getByTestId('conversation').first().locator('.title').click();
    await page.getByTestId('stopped').waitFor();
  });

  it('keeps a system prompt and a temperature with the conversation, and sends them', async () => {
    steering = { max_tokens: 8, seed: 9 };
    await page.getByRole('button', { name: 'System prompt and temperature' }).click();
    await page.getByRole('textbox', { name: 'System prompt', exact: true }).fill('You are a terse assistant named Quokka.');
    await page.getByRole('slider', { name: 'Temperature' }).fill('0.3');
    assert.equal(await page.getByTestId('temperature-value').textContent(), '0.3');
    await page.getByRole('button', { name: 'Save' }).click();
    await send('who are you?');
    await streamEnds();
    assert.deepEqual(lastSent().messages[0], { role: 'system', content: 'You are a terse assistant named Quokka.' });
    assert.equal(lastSent().temperature, 0.3);
    assert.equal(lastSent().messages.filter((m) => m.role === 'system').length, 1);
    const [saved] = await conversations();
    const stored = await conversation(saved.id);
    assert.equal(stored.system_prompt, 'You are a terse assistant named Quokka.');
    assert.equal(stored.temperature, 0.3);
    await page.reload();
    await page.getByTestId('conversation').first().locator('.title').click();
    await page.getByTestId('user-message').first().waitFor();
    await page.getByRole('button', { name: 'System prompt and temperature' }).click();
    assert.equal(await page.getByRole('textbox', { name: 'System prompt', exact: true }).inputValue(), 'You are a terse assistant named Quokka.');
    assert.equal(await page.getByTestId('temperature-value').textContent(), '0.3');
    await shot('polish-chat-settings.png');
    await page.getByRole('dialog', { name: 'Chat settings' }).getByRole('button', { name: 'Close' }).click();
  });

  it('starts a new chat, focuses the message box and opens the shortcuts help from the keyboard', async () => {
    await page.locator('body').click({ position: { x: 600, y: 300 } });
    await page.keyboard.press('Control+Shift+O');
    await page.getByText('How can I help you today?').waitFor();
    await page.locator('.messages').click();
    await page.keyboard.press('/');
    assert.equal(await page.evaluate("document.activeElement?.getAttribute('aria-label')"), 'Message');
    assert.equal(await page.getByLabel('Message').inputValue(), '', 'the slash is not typed');
    await page.locator('.messages').click();
    await page.keyboard.press('Shift+Escape');
    assert.equal(await page.evaluate("document.activeElement?.getAttribute('aria-label')"), 'Message');
    await page.keyboard.press('Control+Shift+S');
    await page.locator('.sidebar').waitFor({ state: 'hidden' });
    await page.getByRole('button', { name: 'Conversations' }).waitFor();
    await page.keyboard.press('Control+Shift+S');
    await page.locator('.sidebar').waitFor();
    await page.getByRole('button', { name: 'Hide conversations' }).click();
    await page.locator('.sidebar').waitFor({ state: 'hidden' });
    await page.getByRole('button', { name: 'Conversations' }).click();
    await page.locator('.sidebar').waitFor();
    await page.setViewportSize({ width: 390, height: 844 });
    await page.keyboard.press('Control+Shift+S');
    await page.getByTestId('backdrop').waitFor();
    await page.keyboard.press('Control+Shift+S');
    await page.getByTestId('backdrop').waitFor({ state: 'detached' });
    await page.setViewportSize({ width: 1200, height: 860 });
    await page.keyboard.press('Control+/');
    const help = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
    await help.waitFor();
    const listed = (await help.textContent()) ?? '';
    for (const entry of ['New chat', 'Ctrl+Shift+O', 'Focus the message box', 'Shift+Esc', 'Stop the answer', 'Esc', 'Ctrl+Shift+S']) assert.ok(listed.includes(entry), `${entry} is listed`);
    await shot('polish-shortcuts.png');
    await help.getByRole('button', { name: 'Close' }).click();
  });

  it('stops an answer with Esc', async () => {
    await startLongAnswer('Another very long story please');
    await page.keyboard.press('Escape');
    await streamEnds();
    await closeSlowLink();
    await page.getByTestId('stopped').waitFor();
  });

  it('sends once on a double click, and the second click does not stop the answer it started', async () => {
    steering = { max_tokens: 60, seed: 5, ignore_eos: true };
    slowLink = await openSlowLink(suite().origin);
    const [repliesBefore, sentBefore] = [await page.getByTestId('assistant-message').count(), sent.length];
    await page.getByLabel('Message').fill('Say something, twice clicked');
    await page.getByRole('button', { name: 'Send', exact: true }).dblclick();
    await streamEnds();
    await closeSlowLink();
    assert.equal(sent.length, sentBefore + 1);
    assert.equal(await page.getByTestId('assistant-message').count(), repliesBefore + 1);
    const reply = page.getByTestId('assistant-message').nth(repliesBefore);
    assert.equal(await reply.getByTestId('stopped').count(), 0, 'the answer was not stopped');
    assert.ok((await reply.textContent())!.length > 40);
  });

  it('switches between light, dark and system themes, and remembers the choice', async () => {
    const background = () => page.evaluate('getComputedStyle(document.documentElement).backgroundColor');
    await page.emulateMedia({ colorScheme: 'light' });
    await page.getByRole('button', { name: 'Settings' }).click();
    const light = await background();
    await page.getByRole('radio', { name: 'Dark' }).click();
    assert.equal(await page.locator('html').getAttribute('data-theme'), 'dark');
    assert.notEqual(await background(), light, 'dark while the system is light');
    await page.reload();
    await page.getByLabel('Message').waitFor();
    assert.equal(await page.locator('html').getAttribute('data-theme'), 'dark', 'kept across a reload');
    assert.notEqual(await background(), light);
    await page.getByTestId('conversation').first().locator('.title').click();
    await page.getByTestId('assistant-message').first().waitFor();
    await shot('polish-dark.png');
    await page.getByRole('button', { name: 'Settings' }).click();
    await page.getByRole('radio', { name: 'Light' }).click();
    await page.emulateMedia({ colorScheme: 'dark' });
    assert.equal(await background(), light, 'light while the system is dark');
    await page.getByRole('radio', { name: 'System' }).click();
    assert.notEqual(await background(), light, 'System follows the system: dark');
    await page.emulateMedia({ colorScheme: 'light' });
    assert.equal(await background(), light);
    await page.getByRole('dialog', { name: 'Settings' }).getByRole('button', { name: 'Close' }).click();
  });

  it('reads text, code, PDF and Word files into the message, with their token counts, and keeps them with the conversation', async () => {
    await page.keyboard.press('Control+Shift+O');
    steering = { max_tokens: 8, seed: 21 };
    const files = [
      { name: 'notes.md', mimeType: 'text/markdown', buffer: Buffer.from('# Notes\n\nThe harbour code word is saffron-heron.\n') },
      { name: 'sum.py', mimeType: 'text/x-python', buffer: Buffer.from('def add(a, b):\n    return a + b  # teal-walrus\n') },
      { name: 'report.pdf', mimeType: 'application/pdf', buffer: minimalPdf(['Quarterly report', 'Revenue rose by cobalt-falcon percent.']) },
      { name: 'memo.docx', mimeType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', buffer: minimalDocx(['Memo to staff', 'The password is amber-gecko.']) },
    ];
    await page.getByLabel('Attach files').setInputFiles(files);
    const pending = page.getByTestId('pending-attachments').getByTestId('attachment');
    while ((await pending.count()) < 4 || (await page.getByTestId('pending-attachments').getByText('reading…').count()) > 0) await page.waitForTimeout(50);
    const chips = await pending.allTextContents();
    for (const file of files) assert.ok(chips.some((c) => c.includes(file.name) && /\d+ tokens/.test(c)), `${file.name}: ${chips}`);
    await shot('polish-attachments.png');
    await send('Summarise these files');
    await streamEnds();
    const question = lastSent().messages.at(-1)!.content;
    for (const needle of ['saffron-heron', 'teal-walrus', 'cobalt-falcon', 'amber-gecko', '<file name="report.pdf">', 'Summarise these files']) assert.ok(question.includes(needle), `the model is sent ${needle}`);
    const [saved] = await conversations();
    const stored = (await conversation(saved.id)).messages[0].attachments!;
    assert.deepEqual(stored.map((a) => a.name), files.map((f) => f.name));
    assert.ok(requested.some((url) => /\/assets\/pdf\.worker[^/]*\.mjs$/.test(url)), 'the PDF.js worker came from this server');
    const pdfText = stored.find((a) => a.name === 'report.pdf')!.text;
    assert.match(pdfText, /Revenue rose by cobalt-falcon percent\./);
    const counted = await page.request.post(`${suite().origin}/app/api/tokens`, { data: { model: lastSent().model, text: pdfText }, headers: { 'x-csrf-token': csrfToken } });
    assert.equal(counted.status(), 200);
    const { tokens } = (await counted.json()) as { tokens: number };
    assert.ok(tokens > 5);
    assert.equal(stored.find((a) => a.name === 'report.pdf')!.tokens, tokens, 'the count is the server tokenizer\'s');
    assert.match(stored.find((a) => a.name === 'memo.docx')!.text, /The password is amber-gecko\./);
    assert.equal(await page.getByTestId('user-message').last().getByTestId('attachment').count(), 4, 'the sent message shows its files');
    await page.reload();
    await page.getByTestId('conversation').first().locator('.title').click();
    await page.getByTestId('user-message').first().getByTestId('attachment').first().waitFor();
    assert.equal(await page.getByTestId('user-message').first().getByTestId('attachment').count(), 4, 'kept with the conversation');
  });

  it('reads the text of a Chinese PDF whose font is not embedded', async () => {
    await page.getByLabel('Attach files').setInputFiles({ name: '报告.pdf', mimeType: 'application/pdf', buffer: minimalChinesePdf('你好世界，季度报告') });
    const chip = page.getByTestId('pending-attachments').getByTestId('attachment');
    await chip.getByText(/\d+ tokens/).waitFor();
    steering = { max_tokens: 4, seed: 22 };
    await send('这是什么？');
    await streamEnds();
    assert.match(lastSent().messages.at(-1)!.content, /<file name="报告\.pdf">\n你好世界，季度报告\n<\/file>/);
    assert.ok(requested.some((url) => /\/assets\/pdfjs-[\d.]+\/cmaps\/UniGB-UCS2-H\.bcmap$/.test(url)), 'the character map came from this server');
  });

  it('takes a dropped file, and lets a pending one be removed', async () => {
    const dropped = await page.evaluateHandle('(() => { const data = new DataTransfer(); data.items.add(new File(["dropped note: indigo-otter"], "dropped.txt", { type: "text/plain" })); return data; })()');
    await page.locator('.composer').dispatchEvent('drop', { dataTransfer: dropped });
    const chip = page.getByTestId('pending-attachments').getByTestId('attachment');
    await chip.getByText(/\d+ tokens/).waitFor();
    assert.match((await chip.textContent()) ?? '', /dropped\.txt/);
    await page.getByRole('button', { name: 'Remove dropped.txt' }).click();
    await page.getByTestId('pending-attachments').waitFor({ state: 'detached' });
  });

  it('refuses a file that does not fit the model\'s context, and one it cannot read, saying why', async () => {
    const words = (n: number) => Array.from({ length: n }, (_, i) => `word${i}`).join(' ');
    const error = page.getByTestId('attachment-error');
    await page.getByLabel('Attach files').setInputFiles({ name: 'huge.txt', mimeType: 'text/plain', buffer: Buffer.from(words(20_000)) });
    await error.getByText(/huge\.txt does not fit: it is longer than the model's whole context \(4,096 tokens\)/).waitFor();
    assert.equal(await page.getByTestId('pending-attachments').count(), 0, 'not attached');
    await shot('polish-attachment-too-big.png');

    // Under the whole context, but more than this conversation has left of it.
    const count = async (text: string) => ((await (await page.request.post(`${suite().origin}/app/api/tokens`, { data: { model: lastSent().model, text }, headers: { 'x-csrf-token': csrfToken } })).json()) as { tokens: number }).tokens;
    let n = 500;
    let tokens = await count(words(n));
    for (let i = 0; i < 8 && !(tokens > 3950 && tokens <= 4090); i++) {
      n = Math.max(1, Math.floor(n * (4020 / tokens)));
      tokens = await count(words(n));
    }
    assert.ok(tokens > 3950 && tokens <= 4090, `a text of ${tokens} tokens`);
    await page.getByLabel('Attach files').setInputFiles({ name: 'nearly.txt', mimeType: 'text/plain', buffer: Buffer.from(words(n)) });
    await error.getByText(new RegExp(`nearly\\.txt does not fit: it is ${tokens.toLocaleString('en')} tokens, but the model's context holds 4,096 and only about [\\d,]+ are left`)).waitFor();
    assert.equal(await page.getByTestId('pending-attachments').count(), 0, 'not attached');
    await page.getByLabel('Attach files').setInputFiles({ name: 'photo.bin', mimeType: 'application/octet-stream', buffer: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 1, 2, 3]) });
    await page.getByText(/photo\.bin: this looks like a binary file/).waitFor();
    await page.getByLabel('Attach files').setInputFiles({ name: 'old.doc', mimeType: 'application/msword', buffer: Buffer.from('not really') });
    await page.getByText(/old Word \(\.doc\) files cannot be read; save it as \.docx/).waitFor();
  });

  it('gives the administrator a page of accounts with their usage, limits, disabling and deletion', async () => {
    const bob = new AppClient(suite().origin);
    await bob.signUp('bob', 'bob-password');
    await bob.chat({ model: 'deepseek-chat', messages: [{ role: 'user', content: 'hi' }], max_tokens: 2 });
    await page.getByRole('button', { name: 'Administration' }).click();
    await page.getByRole('heading', { name: 'Administration' }).waitFor();
    const bobRow = page.locator('[data-testid=account][data-username=bob]');
    await bobRow.waitFor();
    assert.equal(await page.getByTestId('account').count(), 2);
    assert.equal(await bobRow.getByTestId('requests').textContent(), '1');
    assert.ok(Number((await page.locator('[data-testid=account][data-username=grace]').getByTestId('requests').textContent())!.replace(/,/g, '')) >= 5, 'the administrator\'s own chats are counted');
    await shot('polish-admin.png');

    await bobRow.getByRole('button', { name: 'Limits of bob' }).click();
    await bobRow.getByLabel('Requests per minute').fill('5');
    await bobRow.getByLabel('Token budget').fill('100000');
    await bobRow.getByRole('button', { name: 'Save limits' }).click();
    await bobRow.getByTestId('limits').getByText('Requests per minute: 5 · Token budget: 100,000').waitFor();
    const account = (await suite().assistant!.accountAdmin.get('bob'));
    assert.equal(account.key?.rpm, 5);
    assert.equal(account.key?.budgetTokens, 100_000);

    await bobRow.getByRole('button', { name: 'Disable bob' }).click();
    await bobRow.getByTestId('disabled-badge').waitFor();
    assert.equal((await new AppClient(suite().origin).request('POST', '/app/api/signin', { username: 'bob', password: 'bob-password' })).status, 403);
    await bobRow.getByRole('button', { name: 'Enable bob' }).click();
    await bobRow.getByTestId('disabled-badge').waitFor({ state: 'detached' });
    assert.equal((await new AppClient(suite().origin).request('POST', '/app/api/signin', { username: 'bob', password: 'bob-password' })).status, 200);

    await page.getByRole('switch', { name: 'Anyone may sign up' }).uncheck();
    await page.getByText('Sign-up is closed').waitFor();
    assert.deepEqual(await new AppClient(suite().origin).json('GET', '/app/api/status'), { is_sign_up_open: false });
    await page.getByRole('switch', { name: 'Anyone may sign up' }).check();
    await page.getByText('Sign-up is open').waitFor();
    assert.deepEqual(await new AppClient(suite().origin).json('GET', '/app/api/status'), { is_sign_up_open: true });

    await page.getByLabel('Maximum retention').selectOption({ label: '30 days' });
    await page.getByText('Retention saved').waitFor();
    const limitsForm = page.locator('.card-section').first();
    await limitsForm.getByLabel('Tokens per minute').fill('20000');
    await limitsForm.getByRole('button', { name: 'Save default limits' }).click();
    await page.getByText('Default limits saved').waitFor();
    const settings = await suite().assistant!.settings.get();
    assert.equal(settings.maxRetentionDays, 30);
    assert.deepEqual(settings.defaultLimits, { rpm: null, tpm: 20_000, maxConcurrency: null, budgetTokens: null });

    await bobRow.getByRole('button', { name: 'Delete bob' }).click();
    await bobRow.getByRole('button', { name: 'Delete bob and their history' }).click();
    await bobRow.waitFor({ state: 'detached' });
    assert.equal(await suite().assistant!.store.userByName('bob'), undefined);
    assert.equal(await page.getByTestId('account').count(), 1);

    await page.reload();
    await page.getByRole('heading', { name: 'Administration' }).waitFor();
    await page.getByRole('button', { name: 'Back to chat' }).click();
    await page.getByLabel('Message').waitFor();
  });

  it('shows no administration to an account that is not the administrator', async () => {
    await new AppClient(suite().origin).signUp('dora', 'dora-password');
    const other = await browser.newContext({ viewport: { width: 1200, height: 860 } });
    try {
      const visitor = await other.newPage();
      visitor.setDefaultTimeout(20_000);
      await visitor.goto(suite().origin + '/#admin');
      await visitor.getByLabel('Username').fill('dora');
      await visitor.getByLabel('Password').fill('dora-password');
      await visitor.getByRole('button', { name: 'Sign in' }).click();
      await visitor.getByLabel('Message').waitFor();
      assert.equal(await visitor.getByRole('button', { name: 'Administration' }).count(), 0);
      assert.equal(await visitor.getByRole('heading', { name: 'Administration' }).count(), 0, '#admin opens nothing');
      assert.equal((await visitor.request.get(`${suite().origin}/app/api/admin/accounts`)).status(), 403);
    } finally {
      await other.close();
    }
  });

  it('works at phone width: menu, model menu, composer and admin page fit the screen', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    const fits = async (selector: string) => {
      const box = await page.locator(selector).first().boundingBox();
      assert.ok(box && box.x >= 0 && box.x + box.width <= 390 + 0.5, `${selector} fits: ${JSON.stringify(box)}`);
    };
    await page.waitForTimeout(300);
    assert.ok(((await page.locator('.sidebar').boundingBox())?.x ?? 0) < 0, 'the list is folded away');
    for (const selector of ['.chat header', '.composer', 'button[aria-label=Send]', 'button[aria-label=DeepThink]', 'label.icon-button']) await fits(selector);
    await page.getByRole('button', { name: 'Model' }).click();
    await fits('.model-menu');
    await shot('polish-phone-models.png');
    await page.keyboard.press('Escape');
    await page.getByRole('button', { name: 'Conversations' }).click();
    await page.waitForTimeout(300);
    assert.ok(((await page.locator('.sidebar').boundingBox())?.x ?? -1) >= 0, 'the menu opens the list');
    await shot('polish-phone-menu.png');
    await page.getByTestId('backdrop').click({ position: { x: 370, y: 400 } });
    await page.getByRole('button', { name: 'Administration' }).click();
    await page.getByRole('heading', { name: 'Administration' }).waitFor();
    await fits('[data-testid=account]');
    await shot('polish-phone-admin.png');
    await page.getByRole('button', { name: 'Back to chat' }).click();
    await page.setViewportSize({ width: 1200, height: 860 });
  });

  it('raised no error in the page, and made no request to any host but its own', () => {
    assert.deepEqual(pageErrors, []);
    const elsewhere = requested.filter((url) => !url.startsWith(suite().origin + '/'));
    assert.deepEqual(elsewhere, []);
  });
});
