import { describe, expect, it } from 'vitest';
import { heatmapSvg } from './heatmapSvg';

describe('heatmapSvg', () => {
  it('draws one coloured, labelled cell per measured accuracy and a pooled column', () => {
    const { text, width, height } = heatmapSvg([[87.5, null], [80.12, 91]], [87.5, 85.6]);
    expect(text.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(text.trimEnd().endsWith('</svg>')).toBe(true);
    expect(width).toBeGreaterThan(0);
    expect(height).toBeGreaterThan(0);
    for (const v of ['87.5', '80.1', '91.0', '85.6']) expect(text).toContain(`>${v}</text>`);
    expect(text.match(/fill="#fafbfd"/g)).toHaveLength(1); // the one cell above the diagonal
  });
});
