// The teaching preset quotes measured numbers; they must be the ones in the embedded default's continual-learning
// table (public/models/default/cl.json, written by `npm run model-card -- --cl …`), so a new backbone or a re-run
// table cannot leave the playground quoting stale figures.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { collectCl, type ClRow } from '../training/modelCard';
import { PRESETS } from './presets';

const cl = JSON.parse(readFileSync(join(__dirname, '../../public/models/default/cl.json'), 'utf8')) as ClRow[];
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('teaching preset', () => {
  const p = PRESETS.find((x) => x.id === 'teaching-fast')!;
  /** The table row of `method` run with exactly the preset's settings (settings text as collectCl writes it). */
  const row = (method: 'sdlora' | 'seq-lora' | 'ncm'): ClRow => {
    const run = { ...p.config, method, alphaMode: method === 'sdlora' ? p.config.alphaMode : 'reset' };
    const probe = collectCl([{ run, data: p.dataset, maxPerClass: p.maxPerClass, metrics: { acc: 0, aaa: 0, forgetting: 0 } }])[0]!;
    const r = cl.find((x) => x.benchmark === p.dataset && x.method === probe.method && (method === 'ncm' || x.settings === probe.settings));
    if (!r) throw new Error(`cl.json has no row ${probe.method} / ${probe.settings} on ${p.dataset}: re-run the table or the preset's text is unsupported`);
    return r;
  };

  it('quotes the final accuracies, their difference and the frozen class means of the default backbone’s table', () => {
    const sd = row('sdlora');
    const seq = row('seq-lora');
    const ncm = row('ncm');
    const [a, b] = [mean(sd.acc).toFixed(1), mean(seq.acc).toFixed(1)];
    expect(p.summary).toContain(`SD-LoRA ${a} % vs sequential LoRA ${b} %`);
    expect(p.description).toContain(`SD-LoRA ${a} % and sequential LoRA ${b} % final accuracy (${Number(a) - Number(b) >= 0 ? '+' : '−'}${Math.abs(Number(a) - Number(b)).toFixed(1)} points`);
    expect(p.description).toContain(`class means reach ${mean(ncm.acc).toFixed(1)} %`);
    // "every seed ahead" only when it is so, seed by seed.
    const ahead = sd.seeds.every((s, i) => sd.acc[i]! > seq.acc[seq.seeds.indexOf(s)]!);
    expect(p.description.includes('every seed ahead')).toBe(ahead);
    // The feature drift ranges (1 − cos), per seed.
    const range = (r: ClRow) => `${Math.min(...r.drift!).toFixed(2)}–${Math.max(...r.drift!).toFixed(2)}`;
    expect(p.description).toContain(`1 − cos ${range(sd)} against ${range(seq)}`);
  });
});
