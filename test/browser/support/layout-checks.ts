import type { Page } from 'playwright-core';
import type { DomElement, DomWindow } from './dom.ts';

/** What the page looks like right after it loaded, before the test scrolls or clicks anything. */
interface LayoutFacts {
  /** The width of the screen the test set (a phone's layout viewport grows to fit a wide page). */
  screenWidth: number;
  visible: { left: number; top: number; right: number; bottom: number; scale: number };
  innerWidth: number;
  innerHeight: number;
  scrollX: number;
  scrollY: number;
  scrollWidth: number;
  headings: Array<{ text: string; top: number; bottom: number; left: number; right: number }>;
  active: string;
  /** The expected focus target matches document.activeElement. */
  activeMatchesExpected: boolean | null;
  firstInvalid: string | null;
  activeIsFirstInvalid: boolean;
  /** Elements sticking out sideways: the outermost ones, then the innermost, widest first. */
  overflowing: Array<{ element: string; left: number; right: number; width: number }>;
}

/** Waits two frames (autofocus and its scrolling happen at a rendering step) and for fonts. */
export async function settle(page: Page): Promise<void> {
  await page.evaluate(async () => {
    const w = globalThis as unknown as DomWindow;
    await w.document.fonts.ready;
    await new Promise<void>((done) => w.requestAnimationFrame(() => w.requestAnimationFrame(done)));
  });
}

/** Reads {@link LayoutFacts} in the page; `expectedFocus` is a CSS selector or null. */
function readFacts(
  page: Page,
  expectedFocus: string | null,
  screenWidth: number,
): Promise<LayoutFacts> {
  return page.evaluate(
    ([expected, screen]) => {
      const w = globalThis as unknown as DomWindow;
      const vv = w.visualViewport;
      const doc = w.document;
      const name = (el: DomElement | null): string => {
        if (!el) return '(nothing)';
        const own = (e: DomElement) => {
          let s = e.tagName.toLowerCase();
          if (e.id) s += `#${e.id}`;
          for (const c of Array.from(e.classList)) s += `.${c}`;
          const field = e.getAttribute('name');
          if (field) s += `[name="${field}"]`;
          return s;
        };
        const parent = el.parentElement;
        return parent && parent !== doc.body ? `${own(parent)} > ${own(el)}` : own(el);
      };
      const clipped = (el: DomElement): boolean => {
        for (let p = el.parentElement; p && p !== doc.documentElement; p = p.parentElement) {
          if (p === doc.body) return false;
          if (w.getComputedStyle(p).overflowX !== 'visible') return true;
        }
        return false;
      };
      const limit = Math.min(w.innerWidth, screen);
      const sticksOut = (el: DomElement) => {
        const r = el.getBoundingClientRect();
        return r.width > 0 && (r.right > limit + 0.5 || r.left < -0.5);
      };
      const widest = (list: DomElement[]) =>
        [...list].sort((a, b) => b.getBoundingClientRect().width - a.getBoundingClientRect().width);
      const offenders = Array.from(doc.querySelectorAll('body *')).filter(
        (el) => sticksOut(el) && !clipped(el),
      );
      const outermost = offenders.filter(
        (el) => !el.parentElement || !offenders.includes(el.parentElement),
      );
      const innermost = offenders.filter(
        (el) => !offenders.some((other) => other !== el && other.parentElement === el),
      );
      const invalid = doc.querySelector('[aria-invalid="true"]');
      return {
        screenWidth: screen,
        visible: {
          left: vv.offsetLeft,
          top: vv.offsetTop,
          right: vv.offsetLeft + vv.width,
          bottom: vv.offsetTop + vv.height,
          scale: vv.scale,
        },
        innerWidth: w.innerWidth,
        innerHeight: w.innerHeight,
        scrollX: w.scrollX,
        scrollY: w.scrollY,
        scrollWidth: doc.documentElement.scrollWidth,
        headings: Array.from(doc.querySelectorAll('h1')).map((h) => {
          const r = h.getBoundingClientRect();
          const text = (h.textContent ?? '').replace(/\s+/g, ' ').trim();
          return { text, top: r.top, bottom: r.bottom, left: r.left, right: r.right };
        }),
        active: name(doc.activeElement),
        activeMatchesExpected:
          expected === null ? null : Boolean(doc.activeElement?.matches(expected)),
        firstInvalid: invalid ? name(invalid) : null,
        activeIsFirstInvalid: invalid !== null && invalid === doc.activeElement,
        overflowing: [
          ...widest(outermost).slice(0, 3),
          ...widest(innermost.filter((el) => !outermost.includes(el))).slice(0, 4),
        ].map((el) => {
          const r = el.getBoundingClientRect();
          return { element: name(el), left: r.left, right: r.right, width: r.width };
        }),
      };
    },
    [expectedFocus, screenWidth] as const,
  );
}

const px = (n: number) => `${Math.round(n)}px`;

/** Problems with the page's single h1: missing, several, or not fully inside the viewport. */
function headingProblems(facts: LayoutFacts): string[] {
  const [h1, ...more] = facts.headings;
  if (!h1) return ['h1: the page has no h1'];
  const problems = more.length ? [`h1: ${facts.headings.length} h1 elements (expected one)`] : [];
  const v = facts.visible;
  const slack = 0.5;
  const inside =
    h1.top >= v.top - slack &&
    h1.left >= v.left - slack &&
    h1.bottom <= v.bottom + slack &&
    h1.right <= v.right + slack;
  if (!inside) {
    problems.push(
      `h1 "${h1.text}" is not in view on load: box top ${px(h1.top)} bottom ${px(h1.bottom)} ` +
        `left ${px(h1.left)} right ${px(h1.right)}, visible area top ${px(v.top)} bottom ` +
        `${px(v.bottom)} left ${px(v.left)} right ${px(v.right)}, page scrolled to ` +
        `(${px(facts.scrollX)}, ${px(facts.scrollY)}), focus on ${facts.active}`,
    );
  }
  return problems;
}

/** Problems with sideways scrolling, naming the widest elements that stick out. */
function overflowProblems(facts: LayoutFacts): string[] {
  const limit = Math.min(facts.innerWidth, facts.screenWidth);
  if (facts.scrollWidth <= limit && facts.innerWidth <= facts.screenWidth) return [];
  const culprits = facts.overflowing
    .map((o) => `${o.element} (width ${px(o.width)}, from ${px(o.left)} to ${px(o.right)})`)
    .join('; ');
  return [
    `horizontal scrolling: page ${facts.scrollWidth}px wide (scrollWidth; innerWidth ` +
      `${facts.innerWidth}px, zoomed to ${facts.visible.scale.toFixed(2)}) on a ` +
      `${facts.screenWidth}px screen; sticking out: ${culprits || '(no single element found)'}`,
  ];
}

/** Problems with focus after a form error: it must be on the first field marked invalid. */
function focusProblems(facts: LayoutFacts, expected: string): string[] {
  const problems: string[] = [];
  if (!facts.firstInvalid) {
    problems.push(`focus: no element has aria-invalid="true" (focus is on ${facts.active})`);
  } else if (!facts.activeIsFirstInvalid) {
    problems.push(
      `focus: on ${facts.active}, not on the first field with an error, ${facts.firstInvalid}`,
    );
  }
  if (facts.activeMatchesExpected === false) {
    problems.push(`focus: on ${facts.active}, expected the field ${expected}`);
  }
  return problems;
}

/**
 * Checks the page as loaded: its h1 in view, no horizontal scrolling (nothing wider than the
 * `screenWidth` the test set, even where a phone zooms out to fit), and, when `expectedFocus`
 * is given (a page shown with a form error), focus on the first field with aria-invalid="true",
 * which must match `expectedFocus`. Returns the problems found (empty when none).
 */
export async function layoutProblems(
  page: Page,
  screenWidth: number,
  expectedFocus?: string,
): Promise<string[]> {
  const facts = await readFacts(page, expectedFocus ?? null, screenWidth);
  return [
    ...headingProblems(facts),
    ...(expectedFocus ? focusProblems(facts, expectedFocus) : []),
    ...overflowProblems(facts),
  ];
}
