import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { PROJECT_ROOT } from '../../../src/config.ts';

/**
 * Where screenshots go: `SCREENSHOT_DIR` (relative to the project) or `test-results/pages/`.
 * `SCREENSHOT_ONLY` (comma-separated page names) keeps only those pages, for the README images.
 */
function screenshotPath(pageName: string, width: string): string | null {
  const only = (process.env.SCREENSHOT_ONLY ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  if (only.length && !only.includes(pageName)) return null;
  const dir = resolve(PROJECT_ROOT, process.env.SCREENSHOT_DIR || 'test-results/pages');
  mkdirSync(dir, { recursive: true });
  return join(dir, `${pageName}-${width}.png`);
}

/** Saves a full-page screenshot named `<page>-<width>.png`, unless SCREENSHOT_ONLY leaves it out. */
export async function saveScreenshot(page: Page, pageName: string, width: string): Promise<void> {
  const path = screenshotPath(pageName, width);
  if (path) await page.screenshot({ path, fullPage: true, animations: 'disabled' });
}
