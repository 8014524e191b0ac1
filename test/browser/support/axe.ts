import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';

/**
 * axe-core from the npm package, evaluated through DevTools (`page.evaluate`), which the page's
 * Content-Security-Policy does not govern: the production CSP (`script-src 'self'`, no inline)
 * stays in force and nothing is added to the page's markup.
 */
const AXE_SOURCE = readFileSync(
  createRequire(import.meta.url).resolve('axe-core/axe.min.js'),
  'utf8',
);

/** WCAG 2.0 and 2.1, levels A and AA, and axe's best practices. */
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'];

/** One axe violation, as much as a failure message needs. */
interface Violation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: string; html: string; message: string }>;
}

/** The slice of the axe API used here (the package's own types need the DOM library). */
interface AxeApi {
  run(
    context: unknown,
    options: { runOnly: { type: 'tag'; values: string[] }; resultTypes: string[] },
  ): Promise<{
    violations: Array<{
      id: string;
      impact?: string | null;
      help: string;
      nodes: Array<{
        target: unknown[];
        html: string;
        any: Array<{ message: string }>;
        all: Array<{ message: string }>;
        none: Array<{ message: string }>;
      }>;
    }>;
  }>;
}

/** Runs axe on the whole document; loads it first when this document does not have it yet. */
async function violations(page: Page): Promise<Violation[]> {
  const loaded = await page.evaluate(
    () => typeof (globalThis as { axe?: unknown }).axe === 'object',
  );
  if (!loaded) await page.evaluate(AXE_SOURCE);
  return page.evaluate(async (tags) => {
    const g = globalThis as unknown as { axe: AxeApi; document: unknown };
    const results = await g.axe.run(g.document, {
      runOnly: { type: 'tag', values: tags },
      resultTypes: ['violations'],
    });
    return results.violations.map((v) => ({
      id: v.id,
      impact: v.impact ?? null,
      help: v.help,
      nodes: v.nodes.map((n) => ({
        target: n.target.map((t) => (Array.isArray(t) ? t.join(' >> ') : String(t))).join(' '),
        html: n.html,
        message: [...n.any, ...n.all, ...n.none][0]?.message ?? '',
      })),
    }));
  }, TAGS);
}

const clip = (text: string, max: number) =>
  text.length > max ? `${text.slice(0, max - 1)}…` : text;

/** Every axe violation on the page, one line per element: rule, impact, target, html, why. */
export async function axeProblems(page: Page): Promise<string[]> {
  return (await violations(page)).flatMap((v) =>
    v.nodes.map(
      (n) =>
        `axe ${v.id} (${v.impact ?? 'no impact'}): ${v.help} | target: ${n.target} | ` +
        `html: ${clip(n.html.replace(/\s+/g, ' '), 140)}` +
        (n.message ? ` | ${clip(n.message, 160)}` : ''),
    ),
  );
}
