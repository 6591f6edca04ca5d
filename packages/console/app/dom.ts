/** A tiny element builder: `el('div', { class: 'x' }, child, 'text')`. */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string | ((e: Event) => void)> = {}, ...children: (Node | string | null | undefined)[]): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (typeof v === 'function') e.addEventListener(k.replace(/^on/, ''), v);
    else e.setAttribute(k, v);
  }
  for (const c of children) if (c !== null && c !== undefined) e.append(c);
  return e;
}

export function errorBox(e: unknown): HTMLElement {
  const err = e as { code?: string; message?: string };
  return el('div', { class: 'error', 'data-test': 'error' }, `${err.code ? `${err.code}: ` : ''}${err.message ?? String(e)}`);
}

export function formatBytes(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${n.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}

export function plainTable(headers: string[], rows: (Node | string | null)[][]): HTMLTableElement {
  return el('table', { class: 'plain' }, el('thead', {}, el('tr', {}, ...headers.map((h) => el('th', {}, h)))), el('tbody', {}, ...rows.map((r) => el('tr', {}, ...r.map((c) => el('td', {}, c ?? ''))))));
}
