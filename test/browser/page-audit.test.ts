import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../support/chromium.ts';
import { auditPage } from './support/audit.ts';
import { visit } from './support/flows.ts';
import { openTab, WIDTHS } from './support/widths.ts';

/** The provider's policy for scripts and styles: no inline script or style. */
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'";

const CSS =
  '.wide { width: 2000px } .tall { height: 3000px } ' +
  '#first { border: 1px solid #ccc; background: #fff } #code { border: 1px solid #767676 }';

/** A page that breaks every rule the page checks enforce. */
const BROKEN = `<!doctype html><html lang="en"><head><title>Broken</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/test.css"></head><body><main>
<h1>Broken page</h1>
<div class="wide">Too wide</div>
<img src="/missing.png">
<label for="first">First</label><input id="first" aria-invalid="true">
<div class="tall"></div>
<label for="later">Later</label><input id="later" autofocus>
<script>document.title = 'inline'</script>
</main></body></html>`;

/** A page that keeps every rule. */
const CLEAN = `<!doctype html><html lang="en"><head><title>Clean</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/test.css"></head><body><main>
<h1>Clean page</h1>
<p role="alert" id="e">Enter a code.</p>
<label for="code">Code</label>
<input id="code" aria-invalid="true" aria-describedby="e" autofocus>
</main></body></html>`;

/**
 * The checks themselves: a page breaking each rule is refused with every problem named, and a
 * page keeping them passes (so loading axe through DevTools trips no CSP report of its own).
 */
describe('browser: the page checks', () => {
  let server: Server;
  let origin: string;
  let browser: Browser;

  beforeAll(async () => {
    server = createServer((request, response) => {
      const pages: Record<string, [string, string]> = {
        '/broken': ['text/html', BROKEN],
        '/clean': ['text/html', CLEAN],
        '/test.css': ['text/css', CSS],
      };
      const [type, body] = pages[request.url ?? ''] ?? ['text/plain', 'not found'];
      response.writeHead(pages[request.url ?? ''] ? 200 : 404, {
        'content-type': type,
        'content-security-policy': CSP,
      });
      response.end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
  });

  for (const width of WIDTHS) {
    it(`names every problem of a broken page at ${width.name} width`, async () => {
      const tab = await openTab(browser, width);
      try {
        await visit(tab.page, `${origin}/broken`);
        const audit = auditPage(tab, 'broken', { focus: '#first', screenshot: false });
        const message = await audit.then(
          () => 'no problem found',
          (error: Error) => error.message,
        );
        expect(message).toContain(`broken at ${width.name}`);
        expect(message).toMatch(/h1 "Broken page" is not in view/);
        expect(message).toMatch(/horizontal scrolling: .*div\.wide/);
        expect(message).toMatch(/focus: on .*input#later, not on the first field with an error/);
        expect(message).toMatch(/axe image-alt \(critical\).*target: img/);
        expect(message).toMatch(/CSP: .*script/);
        expect(message).toMatch(
          /resource: GET http:\/\/127\.0\.0\.1:\d+\/missing\.png answered 404/,
        );
        expect(message).toMatch(
          /non-text contrast .*input#first border rgb\(204, 204, 204\) is 1\.6/,
        );
      } finally {
        await tab.context.close();
      }
    });

    it(`passes a clean page at ${width.name} width`, async () => {
      const tab = await openTab(browser, width);
      try {
        await visit(tab.page, `${origin}/clean`);
        await auditPage(tab, 'clean', { focus: 'input#code', screenshot: false });
      } finally {
        await tab.context.close();
      }
    });
  }
});
