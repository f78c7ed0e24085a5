import { describe, expect, it } from 'vitest';
import { alphaSvg, ticks } from './alphaPlot';

describe('alpha plot (SVG)', () => {
  it('one line per component over the global step axis, dashed task boundaries', () => {
    // task 1: 3 steps of α1; task 2: 2 steps of (α1, α2)
    const svg = alphaSvg([[[0.8], [0.7], [0.6]], [[0.6, 0.8], [0.5, 0.9]]])!;
    const lines = [...svg.matchAll(/<polyline class="alpha" data-component="(\d)"[^>]*points="([^"]*)"/g)];
    expect(lines.map((m) => m[1])).toEqual(['1', '2']);
    const pts = (m: RegExpMatchArray) => m[2]!.split(' ').map((p) => p.split(',').map(Number) as [number, number]);
    expect(pts(lines[0]!)).toHaveLength(5); // α1 at every step
    expect(pts(lines[1]!)).toHaveLength(2); // α2 only in task 2
    // α2 starts where task 2 starts: its first x is the 4th point of α1
    expect(pts(lines[1]!)[0]![0]).toBe(pts(lines[0]!)[3]![0]);
    // a larger α is drawn higher (smaller y)
    expect(pts(lines[1]!)[1]![1]).toBeLessThan(pts(lines[0]!)[4]![1]);
    expect(svg.match(/class="task-boundary"/g)).toHaveLength(1);
    expect(svg).toContain('>α2</text>');
  });

  it('null for a method without α (seq-full, ncm)', () => {
    expect(alphaSvg([[], []])).toBeNull();
  });

  it('ticks are round numbers inside the range', () => {
    expect(ticks(0, 1)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(ticks(1, 93)).toEqual([20, 40, 60, 80]);
  });
});
