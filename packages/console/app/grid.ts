import { el } from './dom.js';

const ROW_HEIGHT = 25;

/**
 * A results grid that draws only the rows in view, so 100,000 rows scroll as smoothly as 10:
 * a tall spacer gives the scrollbar its size, and the visible window is redrawn on scroll.
 */
export function resultsGrid(columns: string[], rows: (string | null)[][]): HTMLElement {
  const box = el('div', { class: 'grid', 'data-test': 'results-grid' });
  const width = `${columns.length * 160}px`;
  const head = el('div', { class: 'head', style: `width:${width}` }, ...columns.map((c) => el('div', { class: 'cell', title: c }, c)));
  const spacer = el('div', { style: `height:${(rows.length + 1) * ROW_HEIGHT}px;width:${width}` });
  const body = el('div');
  box.append(head, spacer, body);
  let drawn = '';
  const draw = () => {
    const first = Math.max(0, Math.floor(box.scrollTop / ROW_HEIGHT) - 5);
    const last = Math.min(rows.length, first + Math.ceil((box.clientHeight || 360) / ROW_HEIGHT) + 10);
    if (drawn === `${first}:${last}`) return;
    drawn = `${first}:${last}`;
    const lines: HTMLElement[] = [];
    for (let i = first; i < last; i++) {
      const line = el('div', { class: 'line', style: `top:${(i + 1) * ROW_HEIGHT}px;width:${width}`, 'data-row': String(i) });
      for (const v of rows[i]) line.append(el('div', { class: 'cell', title: v ?? 'NULL' }, v ?? 'NULL'));
      lines.push(line);
    }
    body.replaceChildren(...lines);
  };
  box.addEventListener('scroll', () => requestAnimationFrame(draw));
  requestAnimationFrame(draw);
  draw();
  return box;
}
