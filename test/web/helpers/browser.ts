/**
 * Debian's Chromium driven by playwright-core (nothing downloaded): headless, with the flags that keep it
 * off the network on its own, and a fresh profile per launch. The web app is built first if it is not, or
 * if its sources changed since.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { WEB_DIR } from '../../../src/api/routes/app-web.ts';

export const CHROMIUM = process.env.SEEKSTACK_CHROMIUM ?? '/usr/bin/chromium';

/** A reason to skip browser tests on a machine without Chromium (CI installs it: .ci/run). */
export const noChromium = fs.existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM} (apt-get install chromium, or set SEEKSTACK_CHROMIUM)`;

export const ARTIFACTS_DIR = new URL('../../../test-artifacts/', import.meta.url).pathname;

/** What the built app is made of: its own folder and the shared types it imports. */
const WEB_SOURCES = ['../../../src/web/', '../../../src/platform/conversation.ts'].map((relative) => new URL(relative, import.meta.url).pathname);

function newestSourceMs(): number {
  return Math.max(...WEB_SOURCES.flatMap((source) =>
    fs.statSync(source).isDirectory()
      ? fs.readdirSync(source, { recursive: true, encoding: 'utf8' }).map((file) => fs.statSync(path.join(source, file)).mtimeMs)
      : [fs.statSync(source).mtimeMs]));
}

/** Builds the app when it is missing or older than its sources, so a browser test never drives a stale build. */
export function ensureWebBuilt(): void {
  const index = path.join(WEB_DIR, 'index.html');
  if (!fs.existsSync(index) || fs.statSync(index).mtimeMs < newestSourceMs()) execFileSync('npm', ['run', 'build:web'], { stdio: 'inherit' });
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}
