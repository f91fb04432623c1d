/**
 * Debian's Chromium driven by playwright-core (nothing downloaded): headless, with the flags that keep it
 * off the network on its own, and a fresh profile per launch. The web app is built first if it is not.
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

export function ensureWebBuilt(): void {
  if (!fs.existsSync(path.join(WEB_DIR, 'index.html'))) execFileSync('npm', ['run', 'build:web'], { stdio: 'inherit' });
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}
