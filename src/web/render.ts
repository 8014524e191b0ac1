import { join } from 'node:path';
import pug from 'pug';
import { rememberHint, requiredBecause, WORDS } from './vocabulary.ts';

const MOMENT = new Intl.DateTimeFormat('en-GB', {
  day: 'numeric',
  month: 'long',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  timeZone: 'UTC',
  timeZoneName: 'short',
});

/** A moment as pages show it, unambiguous for every reader: "1 December 2026 at 18:48 UTC". */
export function formatMoment(date: Date): string {
  return MOMENT.format(date);
}

/**
 * Compiles pug views once and renders them with HTML escaping on (pug's `=` escapes). `isDev`
 * recompiles on every render so template edits show without a restart.
 */
export function createRenderer(viewsDir: string, options: { productName: string; isDev: boolean }) {
  const cache = new Map<string, pug.compileTemplate>();
  return (view: string, locals: Record<string, unknown> = {}): string => {
    let template = cache.get(view);
    if (!template) {
      template = pug.compileFile(join(viewsDir, `${view}.pug`), { basedir: viewsDir });
      if (!options.isDev) cache.set(view, template);
    }
    return template({
      productName: options.productName,
      formatMoment,
      words: WORDS,
      requiredBecause,
      rememberHint,
      ...locals,
    });
  };
}

export type Renderer = ReturnType<typeof createRenderer>;
