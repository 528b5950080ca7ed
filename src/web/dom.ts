/** A few DOM helpers: elements are built with textContent only, so indexed strings never become markup. */

type Attrs = Record<string, string | number | boolean | undefined | null | ((event: Event) => void)>;
type Child = Node | string | number | null | undefined | false;

function apply(el: Element, attrs: Attrs, children: Child[]) {
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (typeof value === "function") el.addEventListener(key.replace(/^on/, ""), value);
    // Through the CSSOM: the page's CSP forbids inline style attributes, not this.
    else if (key === "style") (el as HTMLElement | SVGElement).style.cssText = String(value);
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]) {
  return apply(document.createElement(tag), attrs, children) as HTMLElementTagNameMap[K];
}

const SVG_NS = "http://www.w3.org/2000/svg";

export function s<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]) {
  return apply(document.createElementNS(SVG_NS, tag), attrs, children) as SVGElementTagNameMap[K];
}

export function byId<T extends HTMLElement | SVGElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`the page has no #${id}`);
  return el as unknown as T;
}

/** Compact numbers for stats and labels: 950, 12.4k, 3.1M. */
export function compact(value: number | string | bigint): string {
  const n = Number(value);
  const abs = Math.abs(n);
  if (abs >= 1e9) return `${(n / 1e9).toFixed(1)}B`;
  if (abs >= 1e6) return `${(n / 1e6).toFixed(1)}M`;
  if (abs >= 1e4) return `${(n / 1e3).toFixed(1)}k`;
  return n.toLocaleString("en-US");
}

export const shortAddress = (address: string) => `${address.slice(0, 6)}…${address.slice(-4)}`;

export function badge(text: string, tone: string) {
  return h("span", { class: `badge ${tone}` }, text);
}
