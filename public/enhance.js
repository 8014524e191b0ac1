// Progressive enhancement, the only script the pages load (the CSP allows no inline script):
// "Copy" and "Print" buttons. Without JavaScript they stay hidden, and what they do can still be
// done by hand: the text is on the page, selectable, downloadable or printable from the browser.
//
// data-copy="<id>": copies that element's text; a list copies its <code> items, one per line;
// data-copy-compact drops spaces (a secret key shown in groups of four).
// data-print: prints the page.
for (const button of document.querySelectorAll('[data-copy], [data-print]')) {
  button.hidden = false;
  button.addEventListener('click', async () => {
    if (button.hasAttribute('data-print')) {
      window.print();
      return;
    }
    const source = document.getElementById(button.dataset.copy);
    const items = source.tagName === 'CODE' ? [source] : [...source.querySelectorAll('code')];
    let text = items.map((item) => item.textContent.trim()).join('\n');
    if (button.hasAttribute('data-copy-compact')) text = text.replace(/\s+/g, '');
    try {
      await navigator.clipboard.writeText(text);
      button.textContent = 'Copied';
    } catch {
      button.textContent = 'Copy failed: select the text instead';
    }
  });
}
