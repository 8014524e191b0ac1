import type { Page } from 'playwright-core';
import type { DomElement, DomWindow } from './dom.ts';

/** A form field whose outline does not stand out enough from what is around it. */
interface WeakField {
  field: string;
  border: string;
  fill: string;
  around: string;
  borderRatio: number;
  fillRatio: number;
}

/**
 * Fields people type into (and custom-drawn boxes) must be recognisable: WCAG 2.1 SC 1.4.11
 * (non-text contrast) asks 3:1 against the adjacent colour, which axe does not check. A field
 * passes when its border, or else its own fill, reaches 3:1 against the background around it.
 * Colours are read through a canvas, so any CSS colour syntax (oklch, color-mix...) counts.
 */
function weakFields(page: Page): Promise<WeakField[]> {
  return page.evaluate(() => {
    const w = globalThis as unknown as DomWindow;
    const doc = w.document;
    const canvas = doc.createElement('canvas');
    canvas.width = 1;
    canvas.height = 1;
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    if (!ctx) return [];
    type Rgba = [number, number, number, number];
    const rgba = (css: string): Rgba => {
      ctx.clearRect(0, 0, 1, 1);
      ctx.fillStyle = '#000';
      ctx.fillStyle = css;
      ctx.fillRect(0, 0, 1, 1);
      const d = ctx.getImageData(0, 0, 1, 1).data;
      return [d[0] ?? 0, d[1] ?? 0, d[2] ?? 0, (d[3] ?? 0) / 255];
    };
    const over = (top: Rgba, below: Rgba): Rgba => {
      const a = top[3];
      return [
        top[0] * a + below[0] * (1 - a),
        top[1] * a + below[1] * (1 - a),
        top[2] * a + below[2] * (1 - a),
        1,
      ];
    };
    const luminance = (c: Rgba) => {
      const lin = (v: number) => {
        const s = v / 255;
        return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
      };
      return 0.2126 * lin(c[0]) + 0.7152 * lin(c[1]) + 0.0722 * lin(c[2]);
    };
    const ratio = (a: Rgba, b: Rgba) => {
      const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
      return (hi + 0.05) / (lo + 0.05);
    };
    const text = (c: Rgba) => `rgb(${c.slice(0, 3).map(Math.round).join(', ')})`;
    /** The colour behind an element: its ancestors' backgrounds composited over the canvas. */
    const behind = (el: DomElement): Rgba => {
      const chain: DomElement[] = [];
      for (let p = el.parentElement; p; p = p.parentElement) chain.unshift(p);
      // The tests run in the light colour scheme: the canvas is white.
      let colour: Rgba = [255, 255, 255, 1];
      for (const p of chain) {
        colour = over(rgba(w.getComputedStyle(p).getPropertyValue('background-color')), colour);
      }
      return colour;
    };
    const name = (el: DomElement) => {
      let s = el.tagName.toLowerCase();
      if (el.id) s += `#${el.id}`;
      const field = el.getAttribute('name');
      if (field) s += `[name="${field}"]`;
      return s;
    };
    const fields = Array.from(
      doc.querySelectorAll(
        'input:not([type="hidden"]):not([type="submit"]):not([type="button"]):not([type="reset"]):not([type="image"]), select, textarea',
      ),
    );
    const weak: WeakField[] = [];
    for (const el of fields) {
      const style = w.getComputedStyle(el);
      const box = el.getBoundingClientRect();
      if (box.width === 0 || style.visibility === 'hidden' || style.display === 'none') continue;
      const type = (el.getAttribute('type') ?? '').toLowerCase();
      const native = style.getPropertyValue('appearance') !== 'none';
      // The browser draws native checkboxes and radios itself, in a colour that passes.
      if ((type === 'checkbox' || type === 'radio') && native) continue;
      const around = behind(el);
      const fill = over(rgba(style.getPropertyValue('background-color')), around);
      const sides = ['top', 'right', 'bottom', 'left'].map((side) => ({
        width: parseFloat(style.getPropertyValue(`border-${side}-width`)) || 0,
        colour: over(rgba(style.getPropertyValue(`border-${side}-color`)), around),
      }));
      const drawn = sides.filter((side) => side.width > 0);
      const borderRatio = Math.max(0, ...drawn.map((side) => ratio(side.colour, around)));
      const fillRatio = ratio(fill, around);
      if (borderRatio >= 3 || fillRatio >= 3) continue;
      weak.push({
        field: name(el),
        border: drawn[0] ? text(drawn[0].colour) : 'none',
        fill: text(fill),
        around: text(around),
        borderRatio,
        fillRatio,
      });
    }
    return weak;
  });
}

/** Problems with the non-text contrast of form fields (WCAG 1.4.11), one per field. */
export async function contrastProblems(page: Page): Promise<string[]> {
  return (await weakFields(page)).map(
    (f) =>
      `non-text contrast (WCAG 1.4.11): ${f.field} border ${f.border} is ` +
      `${f.borderRatio.toFixed(2)}:1 and fill ${f.fill} is ${f.fillRatio.toFixed(2)}:1 against ` +
      `${f.around} around it (needs 3:1)`,
  );
}
