import { axeProblems } from './axe.ts';
import { contrastProblems } from './contrast-checks.ts';
import { layoutProblems, settle } from './layout-checks.ts';
import { saveScreenshot } from './screenshots.ts';
import type { Tab } from './widths.ts';

/** What a page visit expects beyond the checks every page gets. */
export interface AuditOptions {
  /**
   * The page shows a form error: focus must be on the first element with aria-invalid="true",
   * and that element must match this selector (e.g. `input[name="password"]`).
   */
  focus?: string;
  /** Whether to save a screenshot (default true). */
  screenshot?: boolean;
}

/**
 * Checks the page a tab shows now, as it loaded (nothing scrolled or clicked by the test):
 * its h1 in view, no horizontal scrolling, focus after a form error, form fields with 3:1
 * non-text contrast, zero axe violations, no CSP refusal or script error since the last check;
 * then saves its screenshot. Throws one error naming the page and the width and listing every
 * problem.
 */
export async function auditPage(tab: Tab, pageName: string, options: AuditOptions = {}) {
  const { page, watch, width } = tab;
  await settle(page);
  const screenWidth = width.options.viewport?.width ?? 0;
  const problems = await layoutProblems(page, screenWidth, options.focus);
  problems.push(...watch.take());
  problems.push(...(await contrastProblems(page)));
  problems.push(...(await axeProblems(page)));
  if (options.screenshot !== false) await saveScreenshot(page, pageName, width.name);
  if (problems.length) {
    const url = page.url().replace(/^https?:\/\/[^/]+/, '');
    throw new Error(
      `${pageName} at ${width.name} (${url}): ${problems.length} problem(s)\n` +
        problems.map((p) => `  - ${p}`).join('\n'),
    );
  }
}
