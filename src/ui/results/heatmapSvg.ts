// The accuracy matrix as a standalone SVG heatmap (the page shows it as an HTML table, which has no SVG to
// serialise). Same colours as AccuracyMatrix: white → deep blue as accuracy goes 0 → 100 %; empty cells
// (tasks not yet trained) are pale grey. Pure string building, so it is unit-testable without a DOM.

const CELL_W = 64;
const CELL_H = 32;
const LEFT = 104; // row labels and the corner's 'after ↓ / on →'
const TOP = 48; // title + column labels
const POOLED_W = 80;

function colour(acc: number): { fill: string; text: string } {
  const t = Math.max(0, Math.min(1, acc / 100));
  const mix = (a: number, b: number) => Math.round(a + (b - a) * t);
  return { fill: `rgb(${mix(244, 31)},${mix(246, 59)},${mix(251, 115)})`, text: t > 0.55 ? 'white' : '#1d2433' };
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** accMatrix[t][j] (%, null above the diagonal), pooled[t] (%). */
export function heatmapSvg(accMatrix: (number | null)[][], pooled: number[], title = 'Accuracy (%) after each task'): { text: string; width: number; height: number } {
  const n = accMatrix.length;
  const width = LEFT + n * CELL_W + POOLED_W + 8;
  const height = TOP + n * CELL_H + 8;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="4" y="16" font-size="14" font-weight="600" fill="#1d2433">${esc(title)}</text>`,
    `<text x="4" y="${TOP - 8}" fill="#55607a">after ↓ / on →</text>`,
  ];
  for (let j = 0; j < n; j++)
    parts.push(`<text x="${LEFT + j * CELL_W + CELL_W / 2}" y="${TOP - 8}" text-anchor="middle" fill="#1d2433">task ${j + 1}</text>`);
  parts.push(`<text x="${LEFT + n * CELL_W + POOLED_W / 2}" y="${TOP - 8}" text-anchor="middle" fill="#1d2433">Acc (pooled)</text>`);
  for (let t = 0; t < n; t++) {
    const y = TOP + t * CELL_H;
    parts.push(`<text x="4" y="${y + CELL_H / 2 + 4}" fill="#1d2433">task ${t + 1}</text>`);
    for (let j = 0; j < n; j++) {
      const v = accMatrix[t]![j] ?? null;
      const x = LEFT + j * CELL_W;
      if (v === null) {
        parts.push(`<rect x="${x}" y="${y}" width="${CELL_W}" height="${CELL_H}" fill="#fafbfd" stroke="#e3e7ef"/>`);
        continue;
      }
      const c = colour(v);
      parts.push(`<rect x="${x}" y="${y}" width="${CELL_W}" height="${CELL_H}" fill="${c.fill}" stroke="#e3e7ef"/>`);
      parts.push(`<text x="${x + CELL_W / 2}" y="${y + CELL_H / 2 + 4}" text-anchor="middle" font-weight="600" fill="${c.text}">${v.toFixed(1)}</text>`);
    }
    const px = LEFT + n * CELL_W;
    parts.push(`<rect x="${px}" y="${y}" width="${POOLED_W}" height="${CELL_H}" fill="#f3f5f9" stroke="#e3e7ef"/>`);
    const p = pooled[t];
    if (p !== undefined) parts.push(`<text x="${px + POOLED_W / 2}" y="${y + CELL_H / 2 + 4}" text-anchor="middle" font-weight="700" fill="#1d2433">${p.toFixed(1)}</text>`);
  }
  parts.push('</svg>');
  return { text: parts.join('\n') + '\n', width, height };
}
