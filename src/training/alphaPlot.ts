// α_k against training steps as a standalone SVG (the paper's Fig. 3b/c), for `npm run experiment`'s alpha.svg:
// one line per component (task k's magnitude, colours as the page's α chart), dashed lines at task boundaries,
// labelled axes. Pure string building from metrics.json's `alpha` ([task][step][component]), so it is
// unit-testable and needs no DOM.

import { seriesColour } from '../ui/charts/palette';

const W = 640;
const H = 320;
const LEFT = 56;
const RIGHT = 112; // legend
const TOP = 32;
const BOTTOM = 40;

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** "Nice" tick values (1, 2, 5 × 10^k steps) covering [lo, hi]. */
export function ticks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw)!;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9 * step; v += step) out.push(+v.toPrecision(12));
  return out;
}

/** alpha[task][step][component]; returns the SVG text, or null when no step has an α (methods without one). */
export function alphaSvg(alpha: number[][][], title = 'α_k over training steps'): string | null {
  const points: { step: number; values: number[] }[] = [];
  const boundaries: number[] = [];
  let step = 0;
  for (const steps of alpha) {
    if (step > 0) boundaries.push(step + 0.5);
    for (const a of steps) points.push({ step: ++step, values: a });
  }
  const K = Math.max(0, ...points.map((p) => p.values.length));
  if (!K) return null;
  const all = points.flatMap((p) => p.values).filter(Number.isFinite);
  let lo = Math.min(0, ...all);
  let hi = Math.max(...all);
  if (hi - lo < 1e-6) hi = lo + 1;
  const pad = 0.05 * (hi - lo);
  lo -= pad;
  hi += pad;
  const x = (s: number) => LEFT + ((s - 1) / Math.max(1, step - 1)) * (W - LEFT - RIGHT);
  const y = (v: number) => TOP + (1 - (v - lo) / (hi - lo)) * (H - TOP - BOTTOM);
  const f = (v: number) => v.toFixed(1);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="system-ui, sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="4" y="18" font-size="14" font-weight="600" fill="#1d2433">${esc(title)}</text>`,
  ];
  for (const v of ticks(lo, hi)) {
    parts.push(`<line x1="${LEFT}" x2="${W - RIGHT}" y1="${f(y(v))}" y2="${f(y(v))}" stroke="#e3e7ef"/>`);
    parts.push(`<text x="${LEFT - 6}" y="${f(y(v) + 4)}" text-anchor="end" fill="#55607a">${+v.toFixed(3)}</text>`);
  }
  for (const s of ticks(1, step)) parts.push(`<text x="${f(x(s))}" y="${H - BOTTOM + 16}" text-anchor="middle" fill="#55607a">${s}</text>`);
  parts.push(`<text x="${(LEFT + W - RIGHT) / 2}" y="${H - 6}" text-anchor="middle" fill="#1d2433">training step</text>`);
  parts.push(`<text x="14" y="${(TOP + H - BOTTOM) / 2}" text-anchor="middle" fill="#1d2433" transform="rotate(-90 14 ${(TOP + H - BOTTOM) / 2})">α</text>`);
  for (const b of boundaries)
    parts.push(`<line class="task-boundary" x1="${f(x(b))}" x2="${f(x(b))}" y1="${TOP}" y2="${H - BOTTOM}" stroke="#9aa3b5" stroke-dasharray="4 3"/>`);
  for (let k = 0; k < K; k++) {
    const pts = points.filter((p) => k < p.values.length && Number.isFinite(p.values[k]!)).map((p) => `${f(x(p.step))},${f(y(p.values[k]!))}`);
    if (pts.length) parts.push(`<polyline class="alpha" data-component="${k + 1}" fill="none" stroke="${seriesColour(k)}" stroke-width="1.5" points="${pts.join(' ')}"/>`);
    const ly = TOP + 8 + 18 * k;
    parts.push(`<line x1="${W - RIGHT + 12}" x2="${W - RIGHT + 32}" y1="${ly}" y2="${ly}" stroke="${seriesColour(k)}" stroke-width="2"/>`);
    parts.push(`<text x="${W - RIGHT + 38}" y="${ly + 4}" fill="#1d2433">α${k + 1}</text>`);
  }
  parts.push(`<rect x="${LEFT}" y="${TOP}" width="${W - LEFT - RIGHT}" height="${H - TOP - BOTTOM}" fill="none" stroke="#c5ccd9"/>`, '</svg>');
  return parts.join('\n') + '\n';
}
