// Browser downloads of the results panel: a Blob saved through a temporary <a download>, SVG serialisation of a
// chart in the page, and PNG rendering of an SVG (drawn as an <img> on a canvas at 2× for crisp text).

export function saveBlob(fileName: string, blob: Blob): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export const saveText = (fileName: string, text: string, type: string) => saveBlob(fileName, new Blob([text], { type }));

const SVG_NS = 'http://www.w3.org/2000/svg';
const LEGEND_H = 24;

/** A standalone SVG document of an <svg> in the page: explicit size and namespace, on a white background.
 *  legend: drawn below the chart (recharts renders its legend as HTML, outside the <svg>). */
export function serializeSvg(svg: SVGSVGElement, legend: { label: string; colour: string }[] = []): { text: string; width: number; height: number } {
  const box = svg.getBoundingClientRect();
  const width = Math.max(1, Math.round(box.width));
  const chartHeight = Math.max(1, Math.round(box.height));
  const height = chartHeight + (legend.length ? LEGEND_H : 0);
  const copy = svg.cloneNode(true) as SVGSVGElement;
  copy.setAttribute('xmlns', SVG_NS);
  copy.setAttribute('width', String(width));
  copy.setAttribute('height', String(height));
  copy.setAttribute('viewBox', `0 0 ${width} ${height}`);
  // The page's CSS does not travel with the file: fix the font, and paint the background charts sit on.
  copy.setAttribute('font-family', 'system-ui, -apple-system, Segoe UI, sans-serif');
  const bg = document.createElementNS(SVG_NS, 'rect');
  bg.setAttribute('width', '100%');
  bg.setAttribute('height', '100%');
  bg.setAttribute('fill', 'white');
  copy.insertBefore(bg, copy.firstChild);
  legend.forEach((item, i) => {
    const x = width / 2 - (legend.length * 56) / 2 + i * 56;
    const y = chartHeight + LEGEND_H / 2;
    const line = document.createElementNS(SVG_NS, 'line');
    for (const [k, v] of [['x1', x], ['x2', x + 16], ['y1', y], ['y2', y], ['stroke', item.colour], ['stroke-width', 2]] as const) line.setAttribute(k, String(v));
    const text = document.createElementNS(SVG_NS, 'text');
    for (const [k, v] of [['x', x + 20], ['y', y + 4], ['font-size', 12], ['fill', item.colour]] as const) text.setAttribute(k, String(v));
    text.textContent = item.label;
    copy.append(line, text);
  });
  return { text: new XMLSerializer().serializeToString(copy), width, height };
}

/** Renders an SVG document to PNG bytes on a canvas. */
export async function svgToPng(svgText: string, width: number, height: number, scale = 2): Promise<Blob> {
  const url = URL.createObjectURL(new Blob([svgText], { type: 'image/svg+xml' }));
  try {
    const img = new Image();
    img.width = width;
    img.height = height;
    await new Promise<void>((resolve, reject) => {
      img.onload = () => resolve();
      img.onerror = () => reject(new Error('the SVG could not be drawn'));
      img.src = url;
    });
    const canvas = document.createElement('canvas');
    canvas.width = Math.round(width * scale);
    canvas.height = Math.round(height * scale);
    const g = canvas.getContext('2d');
    if (!g) throw new Error('no 2D canvas');
    g.fillStyle = 'white';
    g.fillRect(0, 0, canvas.width, canvas.height);
    g.drawImage(img, 0, 0, canvas.width, canvas.height);
    return await new Promise<Blob>((resolve, reject) => canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('the canvas gave no PNG'))), 'image/png'));
  } finally {
    URL.revokeObjectURL(url);
  }
}
