/**
 * The little of the DOM that the checks run inside the page use. The project compiles without
 * the DOM library (server code must not see `window`), so functions passed to `page.evaluate`
 * reach the page's globals through `globalThis` cast to these shapes.
 */

export interface DomRect {
  top: number;
  bottom: number;
  left: number;
  right: number;
  width: number;
  height: number;
}

export interface DomElement {
  tagName: string;
  id: string;
  classList: ArrayLike<string>;
  parentElement: DomElement | null;
  textContent: string | null;
  outerHTML: string;
  getBoundingClientRect(): DomRect;
  getAttribute(name: string): string | null;
  matches(selector: string): boolean;
}

export interface DomDocument {
  documentElement: DomElement & { scrollWidth: number; clientWidth: number };
  body: DomElement | null;
  activeElement: DomElement | null;
  querySelector(selector: string): DomElement | null;
  querySelectorAll(selector: string): ArrayLike<DomElement>;
  fonts: { ready: Promise<unknown> };
  createElement(tag: 'canvas'): DomCanvas;
}

export interface DomStyle {
  overflowX: string;
  display: string;
  visibility: string;
  getPropertyValue(name: string): string;
}

export interface DomCanvas {
  width: number;
  height: number;
  getContext(
    kind: '2d',
    options?: { willReadFrequently: boolean },
  ): {
    fillStyle: string;
    clearRect(x: number, y: number, w: number, h: number): void;
    fillRect(x: number, y: number, w: number, h: number): void;
    getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> };
  } | null;
}

export interface DomWindow {
  document: DomDocument;
  innerWidth: number;
  innerHeight: number;
  scrollX: number;
  scrollY: number;
  /** What is on screen, in layout-viewport coordinates (a phone may zoom out to fit a wide page). */
  visualViewport: {
    offsetLeft: number;
    offsetTop: number;
    width: number;
    height: number;
    scale: number;
  };
  requestAnimationFrame(callback: () => void): number;
  getComputedStyle(element: DomElement): DomStyle;
}
