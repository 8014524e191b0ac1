import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** The distribution's Chromium; we never download a browser. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Flags for a quiet, offline-friendly headless Chromium: no sandbox (tests run as root in CI),
 * no background traffic to Google (updates, sync, field trials), no GPU.
 */
const ARGS = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-gpu',
];

/**
 * Launches the system Chromium headless. A missing browser is a failure with instructions, never
 * a silent skip: end-to-end tests that do not run prove nothing.
 */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM_PATH}. Browser end-to-end tests need the distribution's ` +
        'Chromium: on Debian/Ubuntu run `sudo apt-get update && sudo apt-get install -y chromium` ' +
        '(.ci/run does this), or set CHROMIUM_PATH to an installed Chromium/Chrome binary.',
    );
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: ARGS });
}
