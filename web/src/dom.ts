// Small DOM helpers for the panels (alerts.ts, incidents.ts): no framework, just elements.

import { tOr } from "./i18n";

/** A new element with a class and, if given, an i18n key for its text (`data-i18n`, so a
 * language switch rewrites it). */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className = "",
  i18n = "",
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className !== "") node.className = className;
  if (i18n !== "") {
    node.dataset["i18n"] = i18n;
    node.textContent = tOr(i18n, i18n);
  }
  return node;
}

/** A time (UTC ns) as HH:MM:SS UTC. */
export function utcTime(timeNs: number): string {
  return `${new Date(timeNs / 1e6).toISOString().slice(11, 19)} UTC`;
}

/** Text isolated from the surrounding direction (ids, times, names in Arabic text). */
export function bdi(text: string): HTMLElement {
  const node = el("bdi");
  node.textContent = text;
  return node;
}
