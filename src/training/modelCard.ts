// The embedded default's model card (public/models/<name>/README.md), rendered from the files the pipeline
// writes next to the weights: pretraining.json (npm run pretrain), probe.json (npm run probe) and, when present,
// cl.json (npm run model-card -- --cl <experiment dirs>: the continual-learning table). Pure: data in, Markdown
// out, so the card never states a number that is not in those files. Verdicts against the targets of the
// embedded-default issue are computed, not written by hand.

import { describeInputConvention, recipeInputConvention } from '../model/vit/config';
import { DEFAULT_PRETRAIN } from './pretrain';

export interface PretrainingInfo {
  preset: string;
  /** Architecture fields that replaced the preset's (npm run pretrain --depth, --width, --heads). */
  shape?: { depth?: number; width?: number; heads?: number; patchSize?: number };
  step: number;
  steps: number;
  trainingSeconds: number;
  adapter: string;
  options: {
    batch: number; learningRate: number; warmupSteps: number; minLearningRate: number; weightDecay: number; seed: number; cropScale: [number, number]; flip: boolean;
    grayscale?: number; invert?: number; darkBackground?: number; silhouette?: number; texture?: number; contrast?: number; jitter?: [number, number]; mix?: Record<string, number> | null;
    contrastive?: { weight: number; temperature: number; positives: string } | null;
  };
  validation: { top1: number; images: number; what: string } | null;
  /** Every start of the run (step, planned total then); more than one when a resume changed --steps. */
  schedule?: { fromStep: number; steps: number }[];
  /** A warm start (npm run pretrain --init): the model folder whose backbone began this run, and its own record. */
  init?: { from: string; step: number | null; trainingSeconds: number | null; pretraining?: PretrainingInfo | null } | null;
  corpus: {
    classes: number;
    images: number;
    seed: number;
    /** Set when training used a seeded subset of the corpus's classes. */
    subset?: { of: number; seed: number; counts?: number | Record<string, number> } | null;
    /** Classes per kind (cjk, emoji, digit) actually trained on. */
    kinds?: Record<string, number>;
    packages: { name: string; version: string; registry: string; license: string; used: string }[];
  };
}

export interface ProbeInfo {
  protocol: string;
  randomSeed: number;
  results: Record<string, Record<'pixels' | 'random' | 'model', { cosine: number; euclidean: number }>>;
}

/** One row of the continual-learning table: a method on a benchmark, over seeds. */
export interface ClRow {
  benchmark: string;
  method: string;
  /** Tasks, epochs, rank, optimizer and learning rate of the runs (they share them). */
  settings?: string;
  seeds: number[];
  acc: number[]; // percent, one per seed
  aaa: number[];
  forgetting: number[];
  /** Diagnostics after the last task, one per seed where the runs recorded them: task-aware accuracy (mean over
   *  tasks), % of earlier tasks' images predicted as the newest task's classes, feature drift (1 − cos). */
  til?: number[];
  newTaskBias?: number[];
  drift?: number[];
}

export interface ModelConfigInfo {
  image_size: number;
  patch_size: number;
  hidden_size: number;
  num_hidden_layers: number;
  num_attention_heads: number;
  intermediate_size: number;
}

export interface CardInput {
  name: string;
  config: ModelConfigInfo;
  parameters: number; // backbone parameters (no head)
  pretraining: PretrainingInfo;
  probe: ProbeInfo | null;
  cl: ClRow[] | null;
  /** A run's α plot copied next to the card (alpha.svg) and what it shows. */
  alphaPlot?: { file: string; caption: string } | null;
  /** Other pretraining runs of this architecture, probed the same way and not adopted (tried.json). */
  tried?: TriedRecipe[] | null;
}

/** Another pretraining run (its pretraining.json and probe.json), kept on the card so that what was tried is seen. */
export interface TriedRecipe {
  name: string;
  pretraining: PretrainingInfo;
  probe: ProbeInfo;
}

function optionText(v: unknown): string {
  if (v === undefined || v === null) return 'unset';
  if (Array.isArray(v)) return v.join('–');
  if (typeof v === 'object') return Object.entries(v as Record<string, unknown>).map(([k, x]) => `${k}:${String(x)}`).join(',');
  return String(v);
}

/** What another run's recipe changes against this model's: its preset or shape, its differing options (by
 *  pretraining.json name) and class mix; the step count has its own column. */
export function recipeDifferences(base: PretrainingInfo, other: PretrainingInfo): string {
  const out: string[] = [];
  if (base.preset !== other.preset) out.push(`preset ${other.preset}`);
  const differing = (a: Record<string, unknown>, b: Record<string, unknown>) => {
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)]))
      if (k !== 'steps' && JSON.stringify(a[k] ?? null) !== JSON.stringify(b[k] ?? null)) out.push(`${k} ${optionText(b[k])}`);
  };
  differing(base.shape ?? {}, other.shape ?? {});
  // An option missing from an older pretraining.json did not exist yet: the run had its default.
  differing({ ...DEFAULT_PRETRAIN, ...base.options }, { ...DEFAULT_PRETRAIN, ...other.options });
  // A kind with no class is no difference (a corpus kind added later, e.g. clipart, counts 0 in newer runs).
  const kinds = (c: PretrainingInfo['corpus']) => JSON.stringify(c.kinds ? Object.fromEntries(Object.entries(c.kinds).filter(([, n]) => n)) : null);
  if (base.corpus.classes !== other.corpus.classes || kinds(base.corpus) !== kinds(other.corpus))
    out.push(`${other.corpus.classes.toLocaleString('en-US')} classes${other.corpus.kinds ? ` (${optionText(other.corpus.kinds)})` : ''}`);
  if (base.corpus.images !== other.corpus.images && base.corpus.classes === other.corpus.classes) out.push(`${other.corpus.images.toLocaleString('en-US')} images`);
  // Data from packages this model's corpus did not use (e.g. further emoji styles, clip art).
  const added = other.corpus.packages.filter((q) => !base.corpus.packages.some((b) => b.name === q.name)).map((q) => q.name);
  if (added.length) out.push(`corpus adds ${added.join(', ')}`);
  if ((base.init?.from ?? null) !== (other.init?.from ?? null)) out.push(other.init ? `warm start from ${other.init.from}` : 'no warm start');
  return out.length ? out.join('; ') : 'none';
}

/** The default benchmark and the NCM accuracy it must reach (the issue's target). */
export const DEFAULT_BENCHMARK = 'split-fashion-mnist';
export const NCM_TARGET = 0.8;
/** "A clear margin" over pixels and over the random ViT: at least this many points of NCM accuracy. */
export const CLEAR_MARGIN = 0.05;

const pct = (x: number) => `${(100 * x).toFixed(1)} %`;

/** The `npm run pretrain` line of one run's recipe (without --init / --out). */
function pretrainCommand(q: PretrainingInfo): string {
  const o = q.options;
  const subset = q.corpus.subset;
  return (
    `npm run pretrain -- --steps ${q.steps}${Object.entries(q.shape ?? {}).map(([k, v]) => ` --${k === 'patchSize' ? 'patch' : k} ${v}`).join('')} --batch ${o.batch} --lr ${o.learningRate} --warmup ${o.warmupSteps} --crop-scale ${o.cropScale.join(',')} --flip ${o.flip}` +
    `${o.grayscale ? ` --gray ${o.grayscale}` : ''}${o.invert ? ` --invert ${o.invert}` : ''}${o.darkBackground ? ` --dark-background ${o.darkBackground}` : ''}` +
    `${o.silhouette ? ` --silhouette ${o.silhouette}` : ''}${o.texture ? ` --texture ${o.texture}` : ''}${o.contrast !== undefined && o.contrast < 1 ? ` --contrast ${o.contrast}` : ''}` +
    `${o.jitter && (o.jitter[0] || o.jitter[1]) ? ` --jitter ${o.jitter.join(',')}` : ''}${o.mix ? ` --mix ${Object.entries(o.mix).map(([k, w]) => `${k}:${w}`).join(',')}` : ''}` +
    `${o.contrastive ? ` --contrastive ${o.contrastive.weight},${o.contrastive.temperature},${o.contrastive.positives}` : ''}` +
    `${subset ? ` --classes ${typeof subset.counts === 'object' ? Object.entries(subset.counts).map(([k, n]) => `${k}:${n}`).join(',') : q.corpus.classes}` : ''}`
  );
}

/** Steps of a run, with a warm start's own steps before them ("5,000 + 10,000"). */
function stepsText(q: PretrainingInfo): string {
  const own = `${q.step.toLocaleString('en-US')}${q.step < q.steps ? ` of ${q.steps.toLocaleString('en-US')}` : ''}`;
  // Every run of a warm-start chain, oldest first (as totalSeconds counts their time).
  if (q.init?.pretraining) return `${stepsText(q.init.pretraining)} + ${own}`;
  return q.init?.step ? `${q.init.step.toLocaleString('en-US')} + ${own}` : own;
}

/** Images through the network (steps × batch) in a run and the runs it was warm-started from; null where a run of the
 *  chain left no record of its batch. */
const imagesSeen = (q: PretrainingInfo): number | null => {
  const before = !q.init ? 0 : q.init.pretraining ? imagesSeen(q.init.pretraining) : null;
  return before === null ? null : before + q.step * q.options.batch;
};
const millions = (n: number | null) => (n === null ? '?' : `${(n / 1e6).toFixed(n < 1e7 ? 2 : 1)} M`);

/** What the tried runs that saw more images than this model reached on the default benchmark (null when none did). */
export function moreImagesVerdict(p: PretrainingInfo, probe: ProbeInfo, tried: readonly TriedRecipe[]): string | null {
  const own = imagesSeen(p);
  const base = probe.results[DEFAULT_BENCHMARK]?.model.cosine;
  if (own === null || base === undefined) return null;
  const more = tried.flatMap((t) => {
    const n = imagesSeen(t.pretraining);
    const acc = t.probe.results[DEFAULT_BENCHMARK]?.model.cosine;
    return n !== null && n > own && acc !== undefined ? [{ name: t.name, n, acc }] : [];
  });
  if (!more.length) return null;
  const most = more.reduce((a, b) => (b.n > a.n ? b : a));
  const accs = more.map((m) => m.acc);
  const best = Math.max(...accs);
  const gain = (best - base) * 100;
  return (
    `More pretraining: ${more.length} run${more.length === 1 ? '' : 's'} saw more images than this model (up to ${millions(most.n)}, ${(most.n / own).toFixed(1)}× its ` +
    `${millions(own)}, in ${most.name}) and reached ${pct(Math.min(...accs))}–${pct(best)} on ${DEFAULT_BENCHMARK} against its ${pct(base)}: ` +
    (gain > 1 ? `up to ${gain.toFixed(1)} points more.` : `within a point or below it, so longer pretraining on this data is not what the benchmark lacks.`)
  );
}

/** Training time of a run and of the runs it was warm-started from. */
const totalSeconds = (q: PretrainingInfo): number => q.trainingSeconds + (q.init?.pretraining ? totalSeconds(q.init.pretraining) : (q.init?.trainingSeconds ?? 0));

const duration = (s: number) => {
  const h = Math.floor(s / 3600);
  const m = Math.round((s % 3600) / 60);
  return h ? `${h} h ${m} min` : `${m} min`;
};

/** Mean ± standard error of the mean ("± –" for one value). */
export function meanSe(xs: number[], digits = 1): string {
  if (!xs.length) return '–';
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  if (xs.length < 2) return `${m.toFixed(digits)} (n=1)`;
  const v = xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1);
  return `${m.toFixed(digits)} ± ${Math.sqrt(v / xs.length).toFixed(digits)}`;
}

/** Plain-language verdicts on the probe against the issue's targets. */
export function probeVerdicts(probe: ProbeInfo): string[] {
  const out: string[] = [];
  for (const [bench, r] of Object.entries(probe.results)) {
    const m = r.model.cosine;
    const overPixels = m - r.pixels.cosine;
    const overRandom = m - r.random.cosine;
    const clear = overPixels >= CLEAR_MARGIN && overRandom >= CLEAR_MARGIN;
    out.push(
      `${bench}: ${pct(m)} vs pixels ${pct(r.pixels.cosine)} (${overPixels >= 0 ? '+' : ''}${(100 * overPixels).toFixed(1)} points) and random ViT ` +
        `${pct(r.random.cosine)} (${overRandom >= 0 ? '+' : ''}${(100 * overRandom).toFixed(1)} points): ` +
        (clear ? `beats both by a clear margin (≥ ${100 * CLEAR_MARGIN} points).` : `does NOT beat both by a clear margin (≥ ${100 * CLEAR_MARGIN} points).`),
    );
  }
  const d = probe.results[DEFAULT_BENCHMARK];
  if (d)
    out.push(
      d.model.cosine >= NCM_TARGET
        ? `Target met: ${pct(d.model.cosine)} ≥ ${pct(NCM_TARGET)} NCM on ${DEFAULT_BENCHMARK}.`
        : `Target NOT met: ${pct(d.model.cosine)} NCM on ${DEFAULT_BENCHMARK}, below the ${pct(NCM_TARGET)} the project aims for (the recipes tried, below, say what pretraining longer or otherwise changed).`,
    );
  return out;
}

export function renderModelCard(c: CardInput): string {
  const p = c.pretraining;
  const o = p.options;
  const cfg = c.config;
  const tokens = (cfg.image_size / cfg.patch_size) ** 2 + 1;
  const lines: string[] = [];
  lines.push(`# ${c.name}: the SD-LoRA Playground's embedded default ViT`, '');
  lines.push(
    'A small Vision Transformer in the timm / Hugging Face layout (patch embedding, CLS token, learned position',
    'embedding, pre-LN blocks with fused qkv, exact-GELU MLP, final layer norm; no classifier), pretrained by this',
    "project's own WebGPU engine so that the playground runs offline on a fresh machine with a backbone that has",
    'seen images before. Continual learning freezes it and adds SD-LoRA components to q and v of every block.',
    '',
  );
  lines.push('## Architecture', '');
  lines.push(`| image | patch | tokens | width | depth | heads | MLP | parameters |`, `|---|---|---|---|---|---|---|---|`);
  lines.push(`| ${cfg.image_size} px | ${cfg.patch_size} px | ${tokens} | ${cfg.hidden_size} | ${cfg.num_hidden_layers} | ${cfg.num_attention_heads} | ${cfg.intermediate_size} | ${c.parameters.toLocaleString('en-US')} |`, '');
  const modelConvention = recipeInputConvention(o);
  const convention = describeInputConvention(modelConvention);
  const keys = [modelConvention.grayscale ? 'do_grayscale' : '', modelConvention.lightOnDark ? 'do_light_on_dark' : ''].filter(Boolean);
  lines.push(
    `Files: \`config.json\` (Hugging Face ViTConfig), \`preprocessor_config.json\` (mean/std 0.5${keys.length ? `; ${keys.join(', ')}` : ''}), \`model.safetensors\` (F16, HF names),`,
    '`pretraining.json` (recipe and corpus, machine-written), `probe.json` (frozen-feature quality).',
    '',
  );
  if (convention)
    lines.push(
      `Input convention: every pretraining image was ${convention}, so every image this model sees is made so first`,
      '(data/decode.ts `applyInputConvention`: Rec. 601 luma; inverted when its outermost pixel ring is brighter than mid-grey).',
      'The playground, `npm run experiment` and `npm run probe` read this from preprocessor_config.json.',
      '',
    );
  lines.push('## Pretraining data', '');
  lines.push(
    `Supervised identity classification over ${p.corpus.classes.toLocaleString('en-US')} classes` +
      (p.corpus.subset ? ` (a seeded draw, seed ${p.corpus.subset.seed}, of the corpus's ${p.corpus.subset.of.toLocaleString('en-US')})` : '') +
      `, ${p.corpus.images.toLocaleString('en-US')} rendered 32×32 images ` +
      `(corpus seed ${p.corpus.seed}, built by \`npm run data:build -- pretrain\`): CJK characters, each class one character drawn in several fonts,`,
    `emoji identities drawn in several art styles${p.corpus.kinds?.digit ? ', and handwritten digits (MNIST)' : ''}` +
      (p.corpus.kinds ? ` (${Object.entries(p.corpus.kinds).filter(([, n]) => n).map(([k, n]) => `${n} ${k}`).join(', ')} classes)` : '') +
      '. Emoji subgroups of the Emoji-Styles benchmark are held out and Fashion-MNIST is not used: no class is shared with the',
    'built-in benchmarks (as ImageNet-21k is to ImageNet-R).',
    '',
  );
  lines.push('| package | registry | licence | used |', '|---|---|---|---|');
  for (const k of p.corpus.packages) lines.push(`| \`${k.name}\` ${k.version} | ${k.registry} | ${k.license} | ${k.used} |`);
  lines.push('');
  lines.push('## Recipe', '');
  lines.push(
    `- ${p.step.toLocaleString('en-US')} of ${p.steps.toLocaleString('en-US')} planned steps × batch ${o.batch} (${(p.step * o.batch).toLocaleString('en-US')} images), AdamW lr ${o.learningRate} ` +
      `(linear warm-up ${o.warmupSteps} steps, cosine to ${o.minLearningRate}), weight decay ${o.weightDecay}, seed ${o.seed}.`,
    `- Augmentation: random resized crop (scale ${o.cropScale[0]}–${o.cropScale[1]})${o.flip ? ', horizontal flip' : ', no flip (glyphs are not mirror-symmetric)'}` +
      `${o.grayscale ? `, grayscale with probability ${o.grayscale}` : ''}${o.invert ? `, colour inversion with probability ${o.invert}` : ''}` +
      `${o.darkBackground ? `, made light-on-dark (inverted when the border is bright) with probability ${o.darkBackground}` : ''}` +
      `${o.silhouette ? `, turned into a filled grey silhouette with probability ${o.silhouette}` : ''}${o.texture ? `, its object shaded by random stripes, checks or a ramp with probability ${o.texture}` : ''}${o.contrast !== undefined && o.contrast < 1 ? `, contrast scaled by ${o.contrast}–1` : ''}` +
      `${o.jitter && (o.jitter[0] || o.jitter[1]) ? `, zoom ±${o.jitter[0]} and shift ±${o.jitter[1]} of the image` : ''}.`,
    ...(o.mix ? [`- Each image of a batch is drawn from a kind with weights ${Object.entries(o.mix).map(([k, w]) => `${k} ${w}`).join(', ')}, then uniformly within it.`] : []),
    `- Time: ${duration(p.trainingSeconds)} on ${p.adapter}${p.init?.trainingSeconds ? ` (${duration(totalSeconds(p))} with the run it started from)` : ''}.`,
  );
  if (p.init)
    lines.push(
      `- Warm start: began from the backbone of \`${p.init.from}\`${p.init.step ? ` (${p.init.step.toLocaleString('en-US')} steps of its own pretraining${p.init.pretraining ? `, ${p.init.pretraining.corpus.classes.toLocaleString('en-US')} classes` : ''})` : ''} with a fresh head` +
        ` for this run's classes (\`npm run pretrain -- --init <folder>\`), so the backbone has seen ${((p.init.step ?? 0) + p.step).toLocaleString('en-US')} steps in all.`,
    );
  if (p.validation) lines.push(`- Validation top-1: ${pct(p.validation.top1)} on ${p.validation.images} ${p.validation.what}.`);
  if (p.step < p.steps) lines.push(`- The run stopped before its planned end (step ${p.step} of ${p.steps}); \`npm run pretrain -- --resume\` continues it.`);
  const extended = (p.schedule ?? []).slice(1);
  if (extended.length)
    lines.push(
      `- Planned at first for ${p.schedule![0]!.steps.toLocaleString('en-US')} steps, then ${extended.map((s, i) => `${s.steps > (i ? extended[i - 1]! : p.schedule![0]!).steps ? 'extended' : 'shortened'} at step ${s.fromStep.toLocaleString('en-US')} to ${s.steps.toLocaleString('en-US')} (\`--resume --steps ${s.steps}\`; the cosine ${s.steps > (i ? extended[i - 1]! : p.schedule![0]!).steps ? 'stretches' : 'shrinks'} from there)`).join(', ')}; the reproduce line below runs the final length in one go, which gives a close but not identical model.`,
    );
  lines.push('');
  lines.push('## Quality: nearest class mean on frozen features', '');
  if (!c.probe) lines.push('Not measured yet: run `npm run probe`.', '');
  else {
    lines.push(c.probe.protocol + '.', '');
    lines.push('| benchmark | raw pixels | random ViT (same shape) | this model |', '|---|---|---|---|');
    for (const [bench, r] of Object.entries(c.probe.results))
      lines.push(`| ${bench} | ${pct(r.pixels.cosine)} | ${pct(r.random.cosine)} | **${pct(r.model.cosine)}** |`);
    lines.push('', 'Cosine NCM shown (euclidean in probe.json).', '');
    for (const v of probeVerdicts(c.probe)) lines.push(`- ${v}`);
    lines.push('');
  }
  if (c.tried?.length && c.probe) {
    const benches = Object.keys(c.probe.results);
    lines.push('## Other recipes tried (not adopted)', '');
    lines.push(
      'The same architecture and probe; each run is named by its output folder and lists only what it changed against this',
      "model's recipe (option names of pretraining.json). Nearest class mean, cosine; validation is each run's own held-out",
      'renditions (a run with other classes holds out other images).',
      '',
    );
    lines.push(`| run | changes | steps | images seen | time | validation top-1 | ${benches.join(' | ')} |`, `|---|---|---|---|---|---|${benches.map(() => '---|').join('')}`);
    const row = (name: string, changes: string, q: PretrainingInfo, pr: ProbeInfo) =>
      `| ${name} | ${changes} | ${stepsText(q)} | ${millions(imagesSeen(q))} | ${duration(totalSeconds(q))}${q.adapter !== p.adapter ? ` (${duration(q.trainingSeconds)} of it on ${q.adapter})` : ''} | ${q.validation ? pct(q.validation.top1) : '–'} | ` +
      `${benches.map((b) => (pr.results[b] ? pct(pr.results[b]!.model.cosine) : '–')).join(' | ')} |`;
    lines.push(row('this model', '–', p, c.probe));
    for (const t of c.tried) lines.push(row(t.name, recipeDifferences(p, t.pretraining), t.pretraining, t.probe));
    lines.push('');
    const longer = moreImagesVerdict(p, c.probe, c.tried);
    if (longer) lines.push(longer, '');
  }
  lines.push('## Continual learning on this backbone', '');
  if (!c.cl?.length) lines.push('Not measured yet for this checkpoint.', '');
  else {
    lines.push('Class-incremental, no stored images; mean ± standard error over seeds (percent; Acc = pooled accuracy on every seen class after the last task, AAA = its mean over tasks).', '');
    lines.push(
      'Diagnostics after the last task: task-aware = accuracy with the argmax restricted to the image\'s own task (what the features and the head still separate); to newest = % of the earlier tasks\' test images predicted as one of the last task\'s classes (the head\'s pull toward new classes); drift = mean 1 − cos between the final and the pretrained features of 256 test images.',
      '',
    );
    lines.push('| benchmark | method | settings | seeds | Acc | AAA | forgetting | task-aware | to newest | drift |', '|---|---|---|---|---|---|---|---|---|---|');
    const opt = (xs: number[] | undefined, digits = 1) => (xs?.length ? meanSe(xs, digits) : '–');
    for (const r of c.cl)
      lines.push(`| ${r.benchmark} | ${r.method} | ${r.settings ?? ''} | ${r.seeds.join(', ')} | ${meanSe(r.acc)} | ${meanSe(r.aaa)} | ${meanSe(r.forgetting)} | ${opt(r.til)} | ${opt(r.newTaskBias)} | ${opt(r.drift, 3)} |`);
    lines.push('');
    if (c.alphaPlot) lines.push(`![${c.alphaPlot.caption}](${c.alphaPlot.file})`, '', `*${c.alphaPlot.caption}*`, '');
    const verdicts = sdVsSeqVerdicts(c.cl);
    if (verdicts.length) {
      lines.push('Is SD-LoRA ahead of sequential LoRA here? Paired by seed (same data, class order and settings), Acc difference:', '');
      for (const v of verdicts) lines.push(`- ${v}`);
      lines.push('');
    }
    const reference = frozenReferenceLines(c.cl);
    if (reference.length) {
      lines.push('Does training beat the frozen backbone? The best trained row of each benchmark against nearest class mean on the frozen features (same tasks):', '');
      for (const v of reference) lines.push(`- ${v}`);
      lines.push('');
    }
  }
  lines.push('## Reproduce', '');
  // A warm-started model is made by its chain of runs: each earlier one into its own folder, then --init from it.
  const chain: PretrainingInfo[] = [];
  for (let q: PretrainingInfo | null | undefined = p; q; q = q.init?.pretraining) chain.unshift(q);
  if (p.init && !p.init.pretraining) lines.push(`Begin from the model in \`${p.init.from}\` (its recipe is not recorded here).`, '');
  lines.push('```', 'npm run data:build -- pretrain        # the corpus, from the npm and Debian packages above');
  chain.forEach((q, i) => {
    const last = i === chain.length - 1;
    const init = i > 0 ? ` --init .cache/warm-${i}` : p.init && !p.init.pretraining ? ` --init ${p.init.from}` : '';
    lines.push(`${pretrainCommand(q)}${init}${last ? '' : ` --out .cache/warm-${i + 1}`}`);
  });
  lines.push('npm run probe                         # probe.json', 'npm run model-card                    # this file', '```', '');
  lines.push('## Licence', '');
  lines.push(
    'The weights are derived from renderings of the fonts and emoji artwork listed above; each keeps its licence',
    '(Arphic, IPA, OFL, GPL with font exception, Apache-2.0, CC BY 4.0, MIT, CC BY-SA 4.0). OpenMoji\'s CC BY-SA 4.0 is the',
    'most restrictive: share-alike applies to redistributed derivatives of those renderings.',
    '',
  );
  return lines.join('\n');
}

const HEAD_SUFFIX = ' + prototype head';

/**
 * Each SD-LoRA variant against sequential LoRA with the same head, benchmark and settings: the Acc difference
 * paired by seed (mean ± standard error), called real only with ≥ 3 seeds, |mean| ≥ 1 point and ≥ 2 standard errors.
 */
export function sdVsSeqVerdicts(rows: readonly ClRow[]): string[] {
  const out: string[] = [];
  for (const sd of rows) {
    if (!sd.method.startsWith('sdlora')) continue;
    const head = sd.method.endsWith(HEAD_SUFFIX) ? HEAD_SUFFIX : '';
    const seq = rows.find((r) => r.benchmark === sd.benchmark && r.settings === sd.settings && r.method === `seq-lora${head}`);
    if (!seq) continue;
    const diffs = sd.seeds.flatMap((s, i) => {
      const j = seq.seeds.indexOf(s);
      return j < 0 ? [] : [sd.acc[i]! - seq.acc[j]!];
    });
    if (!diffs.length) continue;
    const n = diffs.length;
    const mean = diffs.reduce((a, b) => a + b, 0) / n;
    const se = n > 1 ? Math.sqrt(diffs.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1) / n) : Infinity;
    const real = n >= 3 && Math.abs(mean) >= 1 && Math.abs(mean) >= 2 * se;
    const what = real
      ? mean > 0
        ? 'a real advantage for SD-LoRA'
        : 'a real disadvantage for SD-LoRA'
      : n < 3
        ? 'too few seeds to tell'
        : Math.abs(mean) < 1 && 2 * se < 1
          ? 'less than 1 point apart: no measured advantage'
          : 'within the seed-to-seed noise: no measured advantage';
    const sign = mean >= 0 ? '+' : '−';
    out.push(`${sd.benchmark}, ${sd.method} − seq-lora${head} (${sd.settings ?? ''}): ${sign}${Math.abs(mean).toFixed(1)}${Number.isFinite(se) ? ` ± ${se.toFixed(1)}` : ''} points over ${n} seed${n === 1 ? '' : 's'}, ${what}.`);
  }
  return out;
}

/** Per benchmark: its best trained row (highest mean Acc) against the `ncm` row, the rehearsal-free reference that
 *  trains nothing; plain words when training loses to it. */
export function frozenReferenceLines(rows: readonly ClRow[]): string[] {
  const out: string[] = [];
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  for (const bench of [...new Set(rows.map((r) => r.benchmark))]) {
    const ncm = rows.find((r) => r.benchmark === bench && r.method === 'ncm');
    const trained = rows.filter((r) => r.benchmark === bench && r.method !== 'ncm');
    if (!ncm || !trained.length) continue;
    const best = trained.reduce((a, b) => (mean(b.acc) > mean(a.acc) ? b : a));
    const d = mean(best.acc) - mean(ncm.acc);
    const what = d >= 1 ? 'training helps here' : d > -1 ? 'no better than not training' : 'every trained method here loses to the frozen class means';
    out.push(`${bench}: best trained row ${best.method} (${best.settings ?? ''}) ${mean(best.acc).toFixed(1)} % against ${mean(ncm.acc).toFixed(1)} % (${d >= 0 ? '+' : '−'}${Math.abs(d).toFixed(1)} points): ${what}.`);
  }
  return out;
}

/** What the card needs of one `npm run experiment` output folder (config.json run/data, metrics.json). */
export interface ExperimentDir {
  run: {
    method: string;
    seed: number;
    alphaMode: string;
    head: string;
    tasks?: number;
    epochs?: number;
    rank?: number;
    optimizer?: string;
    learningRate?: number;
    batchSize?: number;
    /** Absent in runs made before the option existed: q, v. */
    targets?: string[];
    augment?: boolean;
  };
  data: string;
  /** The image cap of the run (npm run experiment --max-per-class), if any. */
  maxPerClass?: number | null;
  metrics: { acc: number; aaa: number; forgetting: number; tilMatrix?: (number | null)[][] | null; newTaskBias?: (number | null)[] | null; featureDrift?: number[] };
}

/** "sdlora (carry)", "seq-lora + prototype head": the variant a row stands for. */
export function variantName(run: ExperimentDir['run']): string {
  const sd = run.method.startsWith('sdlora');
  return `${run.method}${sd && run.alphaMode === 'carry' ? ' (α carry)' : ''}${run.head === 'prototype' && run.method !== 'ncm' ? ' + prototype head' : ''}`;
}

export function collectCl(dirs: ExperimentDir[]): ClRow[] {
  const rows = new Map<string, ClRow>();
  for (const d of dirs) {
    const u = d.run;
    const cap = d.maxPerClass ? `, ≤ ${d.maxPerClass} images per class` : '';
    const targets = u.targets && u.targets.join() !== 'q,v' ? `, LoRA on ${u.targets.join(', ')}` : '';
    const augment = u.augment === false ? ', no augmentation' : '';
    const settings =
      u.method === 'ncm'
        ? `${u.tasks} tasks${cap}`
        : `${u.tasks} tasks, ${u.epochs} epoch${u.epochs === 1 ? '' : 's'}, rank ${u.rank}${targets}, ${u.optimizer} lr ${u.learningRate}${u.batchSize ? `, batch ${u.batchSize}` : ''}${augment}${cap}`;
    const key = `${d.data}\u0000${variantName(d.run)}\u0000${settings}`;
    const r = rows.get(key) ?? { benchmark: d.data, method: variantName(d.run), settings, seeds: [], acc: [], aaa: [], forgetting: [] };
    r.seeds.push(d.run.seed);
    r.acc.push(d.metrics.acc);
    r.aaa.push(d.metrics.aaa);
    r.forgetting.push(d.metrics.forgetting);
    const m = d.metrics;
    const lastTil = m.tilMatrix?.[m.tilMatrix.length - 1]?.filter((x): x is number => x !== null);
    if (lastTil?.length) (r.til ??= []).push(lastTil.reduce((a, b) => a + b, 0) / lastTil.length);
    const bias = m.newTaskBias?.[m.newTaskBias.length - 1];
    if (typeof bias === 'number') (r.newTaskBias ??= []).push(bias);
    if (m.featureDrift?.length) (r.drift ??= []).push(m.featureDrift[m.featureDrift.length - 1]!);
    rows.set(key, r);
  }
  return [...rows.values()].sort((a, b) => a.benchmark.localeCompare(b.benchmark) || a.method.localeCompare(b.method));
}
