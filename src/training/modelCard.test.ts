import { describe, expect, it } from 'vitest';
import { collectCl, frozenReferenceLines, meanSe, moreImagesVerdict, probeVerdicts, recipeDifferences, renderModelCard, sdVsSeqVerdicts, variantName, type CardInput, type ProbeInfo } from './modelCard';

const probe = (model: number, pixels: number, random: number): ProbeInfo => ({
  protocol: 'nearest class mean on frozen features',
  randomSeed: 1,
  results: {
    'split-fashion-mnist': {
      pixels: { cosine: pixels, euclidean: pixels },
      random: { cosine: random, euclidean: random },
      model: { cosine: model, euclidean: model },
    },
  },
});

const input = (p: ProbeInfo | null): CardInput => ({
  name: 'test-model',
  config: { image_size: 32, patch_size: 8, hidden_size: 96, num_hidden_layers: 4, num_attention_heads: 3, intermediate_size: 384 },
  parameters: 467808,
  pretraining: {
    preset: 'small32',
    step: 5000,
    steps: 5000,
    trainingSeconds: 4000,
    adapter: 'llvmpipe',
    options: { batch: 128, learningRate: 3e-3, warmupSteps: 200, minLearningRate: 1e-5, weightDecay: 0.05, seed: 1, cropScale: [0.6, 1], flip: false, grayscale: 0.5, invert: 0.5 },
    validation: { top1: 0.25, images: 1002, what: 'held-out renditions' },
    corpus: { classes: 4341, images: 63372, seed: 7, packages: [{ name: 'openmoji', version: '17.0.0', registry: 'npm', license: 'CC-BY-SA-4.0', used: 'SVG icons' }] },
  },
  probe: p,
  cl: null,
});

describe('model card', () => {
  it('lists other recipes tried with only what each changed, next to this model', () => {
    const c = input(probe(0.698, 0.656, 0.335));
    const base = c.pretraining;
    const texture = { ...base, trainingSeconds: 5835, options: { ...base.options, texture: 0.3 }, validation: { ...base.validation!, top1: 0.845 } };
    const wider = { ...base, step: 3000, options: { ...base.options, grayscale: 1 }, corpus: { ...base.corpus, classes: 710, kinds: { cjk: 400, emoji: 300, digit: 10 } } };
    expect(recipeDifferences(base, texture)).toBe('texture 0.3');
    expect(recipeDifferences(base, wider)).toBe('grayscale 1; 710 classes (cjk:400,emoji:300,digit:10)');
    expect(recipeDifferences(base, base)).toBe('none');
    expect(recipeDifferences(base, { ...texture, shape: { depth: 6 } })).toBe('depth 6; texture 0.3');
    // An option an older file lacks counts as its default (texture 0), not as a change.
    expect(recipeDifferences(base, { ...base, options: { ...base.options, texture: 0 } })).toBe('none');
    // A kind a newer corpus records with no class (clipart: 0) is no change either; with classes it is one.
    expect(recipeDifferences(wider, { ...wider, corpus: { ...wider.corpus, kinds: { ...wider.corpus.kinds, clipart: 0 } } })).toBe('none');
    expect(recipeDifferences(wider, { ...wider, corpus: { ...wider.corpus, classes: 900, kinds: { ...wider.corpus.kinds, clipart: 190 } } })).toBe('900 classes (cjk:400,emoji:300,digit:10,clipart:190)');
    // Data from a package this model's corpus did not use is named (e.g. further emoji styles).
    const styles = { ...base.corpus.packages[0]!, name: '@iconify-json/noto-v1' };
    expect(recipeDifferences(base, { ...base, corpus: { ...base.corpus, packages: [...base.corpus.packages, styles] } })).toBe('corpus adds @iconify-json/noto-v1');
    const md = renderModelCard({ ...c, tried: [{ name: 'v8', pretraining: texture, probe: probe(0.703, 0.656, 0.335) }, { name: 'v9', pretraining: wider, probe: probe(0.6, 0.656, 0.335) }] });
    expect(md).toContain('## Other recipes tried (not adopted)');
    expect(md).toContain('| this model | – | 5,000 | 0.64 M | 1 h 7 min | 25.0 % | 69.8 % |');
    expect(md).toContain('| v8 | texture 0.3 | 5,000 | 0.64 M | 1 h 37 min | 84.5 % | 70.3 % |');
    expect(md).toContain('| v9 | grayscale 1; 710 classes (cjk:400,emoji:300,digit:10) | 3,000 of 5,000 |');
    // A run on another adapter says how much of its time was spent there.
    const elsewhere = { ...texture, adapter: 'NVIDIA: 580.159.04 (nvidia-h200)', trainingSeconds: 400 };
    expect(renderModelCard({ ...c, tried: [{ name: 'h200', pretraining: elsewhere, probe: probe(0.7, 0.656, 0.335) }] })).toContain('| h200 | texture 0.3 | 5,000 | 0.64 M | 7 min (7 min of it on NVIDIA: 580.159.04 (nvidia-h200)) |');
    expect(renderModelCard(c)).not.toContain('Other recipes tried');
  });
  it('says what the runs that saw more images reached on the default benchmark', () => {
    const c = input(probe(0.729, 0.656, 0.335));
    const p = c.pretraining; // 5,000 × 128 = 0.64 M images
    const big = { ...p, step: 4000, steps: 4000, options: { ...p.options, batch: 512 } }; // 2.05 M
    const small = { ...p, step: 1000, steps: 1000 };
    const flat = moreImagesVerdict(p, c.probe!, [
      { name: 'big', pretraining: big, probe: probe(0.726, 0.656, 0.335) },
      { name: 'mid', pretraining: { ...big, step: 2000, steps: 2000 }, probe: probe(0.712, 0.656, 0.335) },
      { name: 'small', pretraining: small, probe: probe(0.9, 0.656, 0.335) },
    ]);
    expect(flat).toBe(
      'More pretraining: 2 runs saw more images than this model (up to 2.05 M, 3.2× its 0.64 M, in big) and reached 71.2 %–72.6 % on split-fashion-mnist against its 72.9 %: within a point or below it, so longer pretraining on this data is not what the benchmark lacks.',
    );
    expect(moreImagesVerdict(p, c.probe!, [{ name: 'big', pretraining: big, probe: probe(0.75, 0.656, 0.335) }])).toMatch(/reached 75\.0 %–75\.0 % .*: up to 2\.1 points more\.$/);
    expect(moreImagesVerdict(p, c.probe!, [{ name: 'small', pretraining: small, probe: probe(0.9, 0.656, 0.335) }])).toBeNull();
  });
  it('states the probe verdicts from the numbers, against the target and the margin', () => {
    const good = probeVerdicts(probe(0.83, 0.66, 0.4));
    expect(good[0]).toMatch(/83\.0 % vs pixels 66\.0 % \(\+17\.0 points\).*beats both by a clear margin/);
    expect(good[1]).toMatch(/^Target met: 83\.0 %/);
    const weak = probeVerdicts(probe(0.68, 0.66, 0.4));
    expect(weak[0]).toMatch(/does NOT beat both/);
    expect(weak[1]).toMatch(/^Target NOT met: 68\.0 %/);
  });

  it('renders architecture, recipe, probe table and an unfinished-run note', () => {
    const md = renderModelCard(input(probe(0.7, 0.66, 0.4)));
    expect(md).toContain('| 32 px | 8 px | 17 | 96 | 4 | 3 | 384 | 467,808 |');
    expect(md).toContain('5,000 of 5,000 planned steps × batch 128 (640,000 images)');
    expect(md).toContain('| split-fashion-mnist | 66.0 % | 40.0 % | **70.0 %** |');
    expect(md).toContain('Time: 1 h 7 min');
    expect(md).toContain('no flip (glyphs are not mirror-symmetric), grayscale with probability 0.5, colour inversion with probability 0.5.');
    expect(md).toContain('--flip false --gray 0.5 --invert 0.5');
    expect(md).not.toContain('stopped before its planned end');
    const sub = input(null);
    sub.pretraining.corpus = { ...sub.pretraining.corpus, classes: 700, images: 10256, subset: { of: 4341, seed: 5 } };
    expect(renderModelCard(sub)).toContain('over 700 classes (a seeded draw, seed 5, of the corpus\'s 4,341), 10,256 rendered 32×32 images');
    const early = renderModelCard({ ...input(null), pretraining: { ...input(null).pretraining, step: 10 } });
    expect(early).toContain('stopped before its planned end (step 10 of 5000)');
    expect(early).toContain('Not measured yet: run `npm run probe`');
  });

  const run = (method: string, seed: number, alphaMode = 'reset') => ({
    run: { method, seed, alphaMode, head: 'linear', tasks: 5, epochs: 3, rank: 10, optimizer: 'sgd', learningRate: 0.01 },
    data: 'split-fashion-mnist',
  });

  it('aggregates experiment folders into rows with mean ± standard error', () => {
    const rows = collectCl([
      { ...run('sdlora', 1), metrics: { acc: 50, aaa: 60, forgetting: 10 } },
      { ...run('sdlora', 2), metrics: { acc: 54, aaa: 64, forgetting: 14 } },
      { ...run('sdlora', 1, 'carry'), metrics: { acc: 40, aaa: 50, forgetting: 20 } },
    ]);
    expect(rows.map((r) => r.method)).toEqual(['sdlora', 'sdlora (α carry)']);
    expect(rows[0]!.seeds).toEqual([1, 2]);
    expect(meanSe(rows[0]!.acc)).toBe('52.0 ± 2.0');
    expect(meanSe([7])).toBe('7.0 (n=1)');
    expect(variantName({ method: 'seq-lora', seed: 1, alphaMode: 'carry', head: 'prototype' })).toBe('seq-lora + prototype head');
    expect(variantName({ method: 'ncm', seed: 1, alphaMode: 'reset', head: 'prototype' })).toBe('ncm'); // always prototypes
    const md = renderModelCard({ ...input(null), cl: rows });
    expect(md).toContain('| split-fashion-mnist | sdlora | 5 tasks, 3 epochs, rank 10, sgd lr 0.01 | 1, 2 | 52.0 ± 2.0 | 62.0 ± 2.0 | 12.0 ± 2.0 | – | – | – |');
  });

  it('adds the last task\'s diagnostics where the runs recorded them', () => {
    const diag = (til: number, bias: number, drift: number) => ({
      acc: 50, aaa: 60, forgetting: 10,
      tilMatrix: [[90, null], [til, til + 10]],
      newTaskBias: [null, bias],
      featureDrift: [0.001, drift],
    });
    const rows = collectCl([
      { ...run('seq-lora', 1), metrics: diag(80, 40, 0.01) },
      { ...run('seq-lora', 2), metrics: diag(90, 60, 0.03) },
    ]);
    expect(rows[0]!.til).toEqual([85, 95]);
    expect(rows[0]!.newTaskBias).toEqual([40, 60]);
    expect(rows[0]!.drift).toEqual([0.01, 0.03]);
    const md = renderModelCard({ ...input(null), cl: rows });
    expect(md).toContain('| 90.0 ± 5.0 | 50.0 ± 10.0 | 0.020 ± 0.010 |');
  });

  it('calls SD-LoRA vs sequential LoRA real only when the paired difference is clear', () => {
    const row = (method: string, acc: number[], seeds = [1, 2, 3]) => ({ benchmark: 'b', method, settings: 's', seeds, acc, aaa: acc, forgetting: acc });
    const seq = row('seq-lora', [30, 40, 50]);
    const v = sdVsSeqVerdicts([row('sdlora', [33, 43, 54]), row('sdlora (α carry)', [35, 36, 51]), seq, row('sdlora + prototype head', [60, 61, 62])]);
    expect(v[0]).toBe('b, sdlora − seq-lora (s): +3.3 ± 0.3 points over 3 seeds, a real advantage for SD-LoRA.');
    expect(v[1]).toMatch(/\+0\.7 ± 2\.\d points over 3 seeds, within the seed-to-seed noise: no measured advantage/);
    expect(sdVsSeqVerdicts([row('sdlora', [30.2, 40.1, 50.3]), seq])[0]).toMatch(/\+0\.2 ± 0\.1 points over 3 seeds, less than 1 point apart/);
    expect(sdVsSeqVerdicts([row('sdlora', [33, 50, 40]), seq])[0]).toMatch(/\+1\.0 ± [\d.]+ points over 3 seeds, within the seed-to-seed noise/);
    expect(v).toHaveLength(2); // no seq-lora with the prototype head to pair with
    expect(sdVsSeqVerdicts([row('sdlora', [20, 21], [1, 2]), row('seq-lora', [30, 31], [1, 2])])[0]).toContain('too few seeds to tell');
  });

  it('compares the best trained row of each benchmark with the frozen class means, in plain words', () => {
    const row = (benchmark: string, method: string, acc: number[]) => ({ benchmark, method, settings: 's', seeds: [1, 2, 3], acc, aaa: acc, forgetting: acc });
    const lines = frozenReferenceLines([
      row('a', 'ncm', [72, 72, 72]),
      row('a', 'sdlora', [60, 64, 68]),
      row('a', 'seq-lora', [50, 51, 52]),
      row('b', 'ncm', [10, 10, 10]),
      row('b', 'sdlora', [12, 12, 12]),
      row('c', 'sdlora', [1, 2, 3]), // no reference: no line
    ]);
    expect(lines).toEqual([
      'a: best trained row sdlora (s) 64.0 % against 72.0 % (−8.0 points): every trained method here loses to the frozen class means.',
      'b: best trained row sdlora (s) 12.0 % against 10.0 % (+2.0 points): training helps here.',
    ]);
  });

  it('settings name the batch size, the image cap, other LoRA targets and no augmentation when the runs had them', () => {
    const base = run('seq-lora', 1);
    const d = { ...base, run: { ...base.run, batchSize: 16 }, maxPerClass: 200, metrics: { acc: 1, aaa: 1, forgetting: 1 } };
    expect(collectCl([d])[0]!.settings).toBe('5 tasks, 3 epochs, rank 10, sgd lr 0.01, batch 16, ≤ 200 images per class');
    const e = { ...d, run: { ...d.run, targets: ['q', 'k', 'v'], augment: false } };
    expect(collectCl([e])[0]!.settings).toBe('5 tasks, 3 epochs, rank 10, LoRA on q, k, v, sgd lr 0.01, batch 16, no augmentation, ≤ 200 images per class');
    expect(collectCl([{ ...d, run: { ...d.run, targets: ['q', 'v'] } }])[0]!.settings).toBe(collectCl([d])[0]!.settings); // the default is not named
  });

  it('says when a resume extended or shortened the run', () => {
    const c = input(null);
    const md = renderModelCard({ ...c, pretraining: { ...c.pretraining, schedule: [{ fromStep: 0, steps: 4000 }, { fromStep: 2415, steps: 5000 }] } });
    expect(md).toContain('Planned at first for 4,000 steps, then extended at step 2,415 to 5,000 (`--resume --steps 5000`; the cosine stretches');
    const shorter = renderModelCard({ ...c, pretraining: { ...c.pretraining, schedule: [{ fromStep: 0, steps: 10000 }, { fromStep: 1900, steps: 7000 }] } });
    expect(shorter).toContain('Planned at first for 10,000 steps, then shortened at step 1,900 to 7,000 (`--resume --steps 7000`; the cosine shrinks');
  });

  it('a warm-started model: its steps and time with the run it began from, a reproduce line per run of the chain', () => {
    const c = input(probe(0.74, 0.656, 0.335));
    const first = c.pretraining;
    const warm = {
      ...first,
      step: 10000,
      steps: 10000,
      trainingSeconds: 3600,
      options: { ...first.options, learningRate: 0.002 },
      init: { from: 'public/models/default', step: 5000, trainingSeconds: 4000, pretraining: first },
    };
    const md = renderModelCard({ ...c, pretraining: warm, tried: [{ name: 'v0', pretraining: first, probe: probe(0.698, 0.656, 0.335) }] });
    expect(md).toContain('Time: 1 h 0 min on llvmpipe (2 h 7 min with the run it started from).');
    expect(md).toContain('Warm start: began from the backbone of `public/models/default` (5,000 steps of its own pretraining, 4,341 classes) with a fresh head');
    expect(md).toContain('the backbone has seen 15,000 steps in all');
    expect(md).toContain('| this model | – | 5,000 + 10,000 | 1.92 M | 2 h 7 min |');
    expect(md).toContain('| v0 | learningRate 0.003; no warm start | 5,000 | 0.64 M | 1 h 7 min |');
    expect(recipeDifferences(first, warm)).toBe('learningRate 0.002; warm start from public/models/default');
    // Reproduce: the first run into its own folder, then the warm start from it.
    expect(md).toContain('npm run pretrain -- --steps 5000 --batch 128 --lr 0.003 --warmup 200 --crop-scale 0.6,1 --flip false --gray 0.5 --invert 0.5 --out .cache/warm-1\n');
    expect(md).toContain('npm run pretrain -- --steps 10000 --batch 128 --lr 0.002 --warmup 200 --crop-scale 0.6,1 --flip false --gray 0.5 --invert 0.5 --init .cache/warm-1\n');
    // A chain of two warm starts: every run's steps, oldest first, and the time of all three.
    const chain = { ...warm, step: 4000, steps: 4000, trainingSeconds: 1800, init: { from: 'x', step: 10000, trainingSeconds: 3600, pretraining: warm } };
    expect(renderModelCard({ ...c, pretraining: chain, tried: [{ name: 'v0', pretraining: first, probe: probe(0.698, 0.656, 0.335) }] })).toContain('| this model | – | 5,000 + 10,000 + 4,000 | 2.43 M | 2 h 37 min |');
    // A warm start whose source recorded no recipe says so and names the folder.
    const bare = renderModelCard({ ...c, pretraining: { ...warm, init: { from: 'models/x', step: null, trainingSeconds: null } } });
    expect(bare).toContain('Begin from the model in `models/x` (its recipe is not recorded here).');
    // …and the images it saw are unknown.
    expect(renderModelCard({ ...c, tried: [{ name: 'vb', pretraining: { ...warm, init: { from: 'models/x', step: null, trainingSeconds: null } }, probe: probe(0.7, 0.656, 0.335) }] })).toContain('| vb | learningRate 0.002; warm start from models/x | 10,000 | ? |');
    expect(bare).toContain('--invert 0.5 --init models/x\n');
  });

  it('a contrastive recipe: named among the differences and in the reproduce line', () => {
    const c = input(probe(0.74, 0.656, 0.335));
    const con = { ...c.pretraining, options: { ...c.pretraining.options, contrastive: { weight: 1, temperature: 0.2, positives: 'views' } } };
    expect(recipeDifferences(c.pretraining, con)).toBe('contrastive weight:1,temperature:0.2,positives:views');
    expect(renderModelCard({ ...c, pretraining: con })).toContain('--invert 0.5 --contrastive 1,0.2,views');
  });

  it('shows a run\'s α plot under the table when there is one', () => {
    const rows = collectCl([{ ...run('sdlora', 1), metrics: { acc: 50, aaa: 60, forgetting: 10 } }]);
    const md = renderModelCard({ ...input(null), cl: rows, alphaPlot: { file: 'alpha.svg', caption: 'α_k over steps' } });
    expect(md).toContain('![α_k over steps](alpha.svg)');
  });
});
