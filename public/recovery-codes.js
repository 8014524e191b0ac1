// Progressive enhancement for the recovery-codes page: "Copy" and "Print" buttons. Without
// JavaScript the codes are still shown, downloadable as a file, and printable from the browser.
for (const button of document.querySelectorAll('[data-recovery-action]')) {
  button.hidden = false;
  button.addEventListener('click', async () => {
    if (button.dataset.recoveryAction === 'print') {
      window.print();
      return;
    }
    const list = document.getElementById('recovery-codes');
    const text = [...list.querySelectorAll('code')].map((code) => code.textContent).join('\n');
    try {
      await navigator.clipboard.writeText(text);
      button.textContent = 'Copied';
    } catch {
      button.textContent = 'Copy failed: select the codes instead';
    }
  });
}
