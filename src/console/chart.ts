import { html, raw } from './html.js';

// A small bar chart as inline SVG (no script, no library): one bar per hour, the last on the
// right. The numbers are in its accessible label and its <title>, so a screen reader gets them too.

const BAR = 7;
const GAP = 2;
const HEIGHT = 36;

export function hourlyBars(counts: number[], what: string) {
  const max = Math.max(1, ...counts);
  const total = counts.reduce((a, b) => a + b, 0);
  const width = counts.length * (BAR + GAP);
  const bars = counts
    .map((n, i) => {
      const h = n === 0 ? 0 : Math.max(2, Math.round((n / max) * (HEIGHT - 12)));
      return `<rect class="bar" x="${i * (BAR + GAP)}" y="${HEIGHT - 12 - h}" width="${BAR}" height="${h}"></rect>`;
    })
    .join('');
  const label = `${what}: ${total} in the last ${counts.length} hours, at most ${Math.max(...counts, 0)} in one hour`;
  return html`<svg class="chart" role="img" aria-label="${label}" width="${width}" height="${HEIGHT}"
    viewBox="0 0 ${width} ${HEIGHT}"><title>${label}</title>${raw(bars)}
    <line x1="0" y1="${HEIGHT - 11.5}" x2="${width}" y2="${HEIGHT - 11.5}" stroke="#767676"></line>
    <text x="0" y="${HEIGHT - 1}">-${counts.length}h</text>
    <text x="${width}" y="${HEIGHT - 1}" text-anchor="end">now</text>
  </svg>`;
}
