// The console's one way to write HTML: a tagged template that escapes every interpolated value
// unless it is already Html (another html`` fragment, or raw() for markup we wrote ourselves).
// Safe by default: a partner's organization name or handle cannot become markup. Arrays of
// fragments are joined; null, undefined and false render nothing. Attribute values must be
// quoted in the template (the escaper covers both quote characters).

export class Html {
  constructor(readonly value: string) {}
  toString() {
    return this.value;
  }
}

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

export type Renderable = Html | string | number | boolean | null | undefined | Renderable[];

function render(v: Renderable): string {
  if (v === null || v === undefined || v === false) return '';
  if (v instanceof Html) return v.value;
  if (Array.isArray(v)) return v.map(render).join('');
  return escapeHtml(String(v));
}

export function html(strings: TemplateStringsArray, ...values: Renderable[]): Html {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += render(values[i]!) + strings[i + 1]!;
  return new Html(out);
}

/** Markup written in this codebase (never data): the SVG chart's shapes, the assets. */
export const raw = (s: string) => new Html(s);

/** A table head: column names, a `#` prefix right-aligns a numeric column. */
export function thead(columns: string[]) {
  const th = (c: string) =>
    c.startsWith('#') ? html`<th scope="col" class="num">${c.slice(1)}</th>` : html`<th scope="col">${c}</th>`;
  return html`<thead><tr>${columns.map(th)}</tr></thead>`;
}
