// `npm run pretrain -- [--out public/models/default] [--steps 20000] [--batch 64] [--lr 1e-3] [--resume] …`
// Pretrains the embedded default backbone (small32 by default) on the corpus of `bash scripts/data/build.sh pretrain`
// (.cache/pretrain-corpus) with the project's own GPU engine; see src/training/pretrain.ts for the recipe.
//
// Writes:
//   <state>/pretrain.log        human-readable progress (loss, accuracy, lr, images/s, ETA), appended
//   <state>/metrics.csv         one row per --log-every steps (the loss curve), plus validation rows
//   <state>/state.safetensors   weights + AdamW moments (F32) and <state>/state.json (step, options): --resume
//   <out>/config.json, preprocessor_config.json, model.safetensors (F16, no pretraining head), pretraining.json
// at every checkpoint (every --checkpoint-minutes, default 5, and at the end). <state> defaults to
// .cache/pretrain-run (git-ignored). SIGINT/SIGTERM take a checkpoint and stop; --resume continues with the
// same batches as an uninterrupted run. --init <model folder> starts from that model's backbone (a warm start: its
// architecture, a fresh head for this run's classes; recorded as `init` in pretraining.json). To run in the
// background: `nohup npm run pretrain -- … >/dev/null 2>&1 &` and follow <state>/pretrain.log.
// --minutes M plans the step count from the measured speed instead: after the first steps (pipelines compiled) it
// sets --steps so that the run ends in about M minutes, and the cosine is planned for that count (recorded in
// pretraining.json's schedule; --steps stays the upper bound). For a fixed machine-time budget, e.g. a borrowed GPU.
// The speed is that of steps 10–60: where later steps run faster (they did on an H200), the run ends early.

import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { CORPUS_FORMAT, CORPUS_KINDS, checkCorpusArrays, checkCorpusDisjoint, parseClassCounts, parseCorpusIndex, subsetCorpus, type Corpus, type CorpusKind, type KindCounts } from '../data/pretrainCorpus';
import { describeInputConvention, presets, recipeInputConvention, validateConfig, type ViTConfig } from '../model/vit/config';
import { initParams, paramCount } from '../model/vit/params';
import { createNodeContext, repoRoot } from '../platform/node';
import { DEFAULT_PRETRAIN, budgetPlanner, pretrain, type PretrainOptions, type TrainState } from '../training/pretrain';
import { modelFiles, readStateFile, stateFile, warmStart, type WarmStart } from '../training/pretrainFiles';
import { parseContrastive } from '../training/contrastive';

interface Args {
  corpus: string;
  out: string;
  state: string;
  preset: keyof typeof presets;
  /** Architecture fields that replace the preset's (--depth, --width, --heads). */
  shape: Partial<Pick<ViTConfig, 'depth' | 'width' | 'heads' | 'patchSize'>>;
  resume: boolean;
  checkpointMinutes: number;
  /** A wall-clock budget: plan the step count from the measured speed (null: --steps as given). */
  minutes: number | null;
  logEvery: number;
  validation: number;
  keepHead: boolean;
  /** Train on this many of the corpus's classes, in all or per kind (a seeded draw; null: all). */
  classes: number | KindCounts | null;
  /** A model folder (config.json + model.safetensors) whose backbone weights start the run (a warm start; fresh head). */
  init: string | null;
  opts: PretrainOptions;
}

const USAGE =
  'npm run pretrain -- [--corpus .cache/pretrain-corpus] [--out public/models/default] [--state .cache/pretrain-run] ' +
  '[--preset small32] [--depth N] [--width N] [--heads N] [--patch N] [--steps N] [--batch 64] [--lr 1e-3] [--warmup 500] [--min-lr 1e-5] [--wd 0.05] [--seed 1] ' +
  '[--crop-scale 0.5,1] [--flip true] [--gray 0] [--invert 0] [--dark-background 0] [--silhouette 0] [--texture 0] [--contrast 1] [--jitter 0,0] [--contrastive weight[,temperature[,views|class]]] ' +
  '[--classes N | cjk:N,emoji:N,digit:N,clipart:N,shape:N] [--mix cjk:0.5,emoji:0.2,digit:0.3,clipart:0.2,shape:0.2] [--checkpoint-minutes 5] [--minutes M] [--log-every 20] [--validation 2048] [--keep-head false] [--init <model folder>] [--resume]';

function parseArgs(argv: string[]): Args {
  const a: Args = {
    corpus: join(repoRoot, '.cache/pretrain-corpus'),
    out: join(repoRoot, 'public/models/default'),
    state: join(repoRoot, '.cache/pretrain-run'),
    preset: 'small32',
    shape: {},
    resume: false,
    checkpointMinutes: 5,
    minutes: null,
    logEvery: 20,
    validation: 2048,
    keepHead: false,
    classes: null,
    init: null,
    opts: { ...DEFAULT_PRETRAIN },
  };
  let warmupSet = false;
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i]!;
    if (k === '--resume') {
      a.resume = true;
      continue;
    }
    if (k === '--help') throw new Error(USAGE);
    const v = argv[++i];
    if (v === undefined || !k.startsWith('--')) throw new Error(`bad arguments near '${k}'. Usage: ${USAGE}`);
    const num = () => {
      const x = Number(v);
      if (!Number.isFinite(x)) throw new Error(`${k} needs a number (got '${v}')`);
      return x;
    };
    const prob = () => {
      const x = num();
      if (x < 0 || x > 1) throw new Error(`${k} is a probability, from 0 to 1 (got '${v}')`);
      return x;
    };
    switch (k) {
      case '--corpus': a.corpus = resolve(v); break;
      case '--out': a.out = resolve(v); break;
      case '--state': a.state = resolve(v); break;
      case '--preset':
        if (!(v in presets)) throw new Error(`unknown preset '${v}' (${Object.keys(presets).join(', ')})`);
        a.preset = v as keyof typeof presets;
        break;
      case '--depth': a.shape.depth = num(); break;
      case '--width': a.shape.width = num(); break;
      case '--heads': a.shape.heads = num(); break;
      case '--patch': a.shape.patchSize = num(); break;
      case '--steps': a.opts.steps = num(); break;
      case '--batch': a.opts.batch = num(); break;
      case '--lr': a.opts.learningRate = num(); break;
      case '--warmup': a.opts.warmupSteps = num(); warmupSet = true; break;
      case '--min-lr': a.opts.minLearningRate = num(); break;
      case '--wd': a.opts.weightDecay = num(); break;
      case '--seed': a.opts.seed = num(); break;
      case '--crop-scale': {
        const [lo, hi] = v.split(',').map(Number);
        if (!(lo! > 0 && hi! <= 1 && lo! <= hi!)) throw new Error(`--crop-scale lo,hi with 0 < lo ≤ hi ≤ 1 (got '${v}')`);
        a.opts.cropScale = [lo!, hi!];
        break;
      }
      case '--flip': a.opts.flip = v === 'true'; break;
      case '--gray': a.opts.grayscale = prob(); break;
      case '--invert': a.opts.invert = prob(); break;
      case '--dark-background': a.opts.darkBackground = prob(); break;
      case '--silhouette': a.opts.silhouette = prob(); break;
      case '--texture': a.opts.texture = prob(); break;
      case '--contrast': {
        const c = num();
        if (!(c > 0 && c <= 1)) throw new Error(`--contrast is the lowest contrast factor, in (0, 1] (got '${v}')`);
        a.opts.contrast = c;
        break;
      }
      case '--jitter': {
        const [zoom, shift] = v.split(',').map(Number);
        if (!(zoom! >= 0 && zoom! < 1 && shift! >= 0 && shift! < 1)) throw new Error(`--jitter zoom,shift with both in [0, 1) (got '${v}')`);
        a.opts.jitter = [zoom!, shift!];
        break;
      }
      case '--contrastive': a.opts.contrastive = parseContrastive(v); break;
      case '--classes': a.classes = parseClassCounts(v); break;
      case '--mix': {
        const mix: Partial<Record<CorpusKind, number>> = {};
        for (const part of v.split(',')) {
          const [kind, w] = part.split(':');
          if (!(CORPUS_KINDS as readonly string[]).includes(kind!) || !(Number(w) >= 0)) throw new Error(`--mix kind:weight,… with kinds ${CORPUS_KINDS.join(', ')} (got '${part}')`);
          mix[kind as CorpusKind] = Number(w);
        }
        a.opts.mix = mix;
        break;
      }
      case '--checkpoint-minutes': a.checkpointMinutes = num(); break;
      case '--minutes':
        a.minutes = num();
        if (!(a.minutes > 0)) throw new Error(`--minutes is a positive time budget (got '${v}')`);
        break;
      case '--log-every': a.logEvery = Math.max(1, num()); break;
      case '--validation': a.validation = num(); break;
      case '--keep-head': a.keepHead = v === 'true'; break;
      case '--init': a.init = resolve(v); break;
      default: throw new Error(`unknown flag ${k}. Usage: ${USAGE}`);
    }
  }
  if (!warmupSet) a.opts.warmupSteps = Math.min(a.opts.warmupSteps, Math.max(1, Math.round(0.05 * a.opts.steps)));
  return a;
}

function loadCorpus(dir: string): Corpus {
  const ip = join(dir, 'index.json');
  if (!existsSync(ip)) throw new Error(`no pretraining corpus in ${dir}: build it with \`bash scripts/data/build.sh pretrain\``);
  const index = parseCorpusIndex(JSON.parse(readFileSync(ip, 'utf8')) as unknown, ip);
  const buf = (f: string) => readFileSync(join(dir, f));
  const lb = buf(index.files.labels);
  const corpus: Corpus = {
    index,
    images: new Uint8Array(buf(index.files.images)),
    labels: new Uint32Array(lb.buffer.slice(lb.byteOffset, lb.byteOffset + lb.byteLength)),
    meta: new Uint8Array(buf(index.files.meta)),
  };
  checkCorpusArrays(corpus);
  // Pretraining must share no class with the built-in benchmarks (held-out emoji, Fashion-MNIST).
  const heldOut = JSON.parse(readFileSync(join(repoRoot, 'public/data/emoji-styles/held-out.json'), 'utf8')) as { exclude: string[]; subgroups: string[] };
  const overlap = checkCorpusDisjoint(index, heldOut);
  if (overlap.length)
    throw new Error(`the corpus in ${dir} shares classes with the built-in benchmarks (${overlap.slice(0, 5).join(', ')}…); rebuild it with \`bash scripts/data/build.sh pretrain\``);
  return corpus;
}

/** Reads a model folder for --init (see pretrainFiles.ts warmStart). */
function loadWarmStart(dir: string, K: number, seed: number, shape: Args['shape']): ReturnType<typeof warmStart> {
  const file = (f: string) => join(dir, f);
  if (!existsSync(file('config.json')) || !existsSync(file('model.safetensors'))) throw new Error(`--init ${dir}: a model folder needs config.json and model.safetensors`);
  const optional = (f: string) => (existsSync(file(f)) ? readFileSync(file(f), 'utf8') : undefined);
  const rel = relative(repoRoot, dir);
  return warmStart(
    { config: readFileSync(file('config.json'), 'utf8'), weights: new Uint8Array(readFileSync(file('model.safetensors'))), preprocessor: optional('preprocessor_config.json'), pretraining: optional('pretraining.json') },
    rel.startsWith('..') ? dir : rel,
    K,
    seed,
    shape,
  );
}

/** Writes a file via a temporary name, so an interrupted write never leaves a truncated checkpoint. */
function writeAtomic(path: string, data: string | Uint8Array): void {
  writeFileSync(`${path}.tmp`, data);
  renameSync(`${path}.tmp`, path);
}

const fmtTime = (s: number) => (s >= 3600 ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m` : `${Math.floor(s / 60)}m${String(Math.floor(s % 60)).padStart(2, '0')}s`);

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const full = loadCorpus(args.corpus);
  mkdirSync(args.state, { recursive: true });
  const statePath = join(args.state, 'state.safetensors');
  const metaPath = join(args.state, 'state.json');
  // A resumed run keeps its class subset (saved in state.json).
  if (args.resume && existsSync(metaPath)) {
    const saved = JSON.parse(readFileSync(metaPath, 'utf8')) as { classSubset?: number | KindCounts | null };
    args.classes = saved.classSubset ?? null;
  }
  const corpus = args.classes ? subsetCorpus(full, args.classes, 20261129) : full;
  const K = corpus.index.classes.length;
  const logPath = join(args.state, 'pretrain.log');
  const csvPath = join(args.state, 'metrics.csv');
  const log = (line: string) => {
    const l = `${new Date().toISOString()} ${line}`;
    appendFileSync(logPath, l + '\n');
    process.stderr.write(l + '\n');
  };

  /** The architecture fields in which the run's model differs from its preset (also after a resume). */
  const shapeOf = (c: ViTConfig) => Object.fromEntries((['depth', 'width', 'heads', 'patchSize'] as const).filter((k) => c[k] !== presets[args.preset][k]).map((k) => [k, c[k]]));
  let config: ViTConfig = validateConfig({ ...presets[args.preset], ...args.shape, numClasses: K });
  let opts = args.opts;
  let init: TrainState = { step: 0, params: initParams(config, opts.seed), optimizer: null };
  /** Where a warm-started run's weights came from (kept in state.json, so a resume still reports it). */
  let warmStart: WarmStart | null = null;
  if (args.init && !args.resume) {
    const w = loadWarmStart(args.init, K, opts.seed, args.shape);
    config = w.config;
    init = { step: 0, params: w.params, optimizer: null };
    warmStart = w.info;
  }
  let elapsedBefore = 0;
  /** Every start of the run: the step it began at and the planned total then (a resume with --steps changes the
   *  cosine from there on, so the model is reproduced only by the same sequence of starts). */
  let schedule: { fromStep: number; steps: number }[] = [{ fromStep: 0, steps: opts.steps }];
  if (args.resume) {
    if (!existsSync(metaPath)) throw new Error(`--resume: no checkpoint in ${args.state}`);
    const saved = JSON.parse(readFileSync(metaPath, 'utf8')) as { config: ViTConfig; options: PretrainOptions; corpusHash: string; elapsedSeconds: number; schedule?: { fromStep: number; steps: number }[]; init?: WarmStart | null };
    if (saved.corpusHash !== corpus.index.hashes.images) throw new Error(`--resume: the checkpoint was trained on another corpus (images hash ${saved.corpusHash}, now ${corpus.index.hashes.images})`);
    config = saved.config;
    // The saved recipe wins; only --steps may extend (or shorten) the run (the cosine then stretches).
    opts = { ...saved.options, steps: process.argv.includes('--steps') ? args.opts.steps : saved.options.steps };
    const s = readStateFile(config, new Uint8Array(readFileSync(statePath)));
    init = { step: s.step, params: s.params, optimizer: s.optimizer };
    elapsedBefore = saved.elapsedSeconds;
    warmStart = saved.init ?? null;
    schedule = saved.schedule ?? [{ fromStep: 0, steps: saved.options.steps }];
    if (opts.steps !== schedule[schedule.length - 1]!.steps) schedule = [...schedule, { fromStep: init.step, steps: opts.steps }];
    log(`resuming at step ${init.step} of ${opts.steps}`);
  } else {
    writeFileSync(csvPath, 'step,loss,train_acc,lr,images_per_s,elapsed_s,val_acc\n');
  }
  const ctx = await createNodeContext({ verbose: true });
  if (warmStart) log(`warm start from ${warmStart.from} (${warmStart.step ?? '?'} steps there); a fresh ${K}-class head`);
  log(
    `pretrain ${args.preset}${Object.entries(shapeOf(config)).map(([k, v]) => ` ${k} ${v}`).join(',')}: ${paramCount(config).toLocaleString('en')} parameters (head ${K}×${config.width}), corpus ${corpus.index.count} images / ${K} classes ` +
      `(${corpus.index.splits.val} validation), ${opts.steps} steps × batch ${opts.batch}, AdamW lr ${opts.learningRate} (warm-up ${opts.warmupSteps}, cosine to ${opts.minLearningRate}), ` +
      `wd ${opts.weightDecay}, crop ${opts.cropScale.join('–')}, jitter ${(opts.jitter ?? [0, 0]).join(',')}, flip ${opts.flip}, gray ${opts.grayscale ?? 0}, invert ${opts.invert ?? 0}, ` +
      `dark background ${opts.darkBackground ?? 0}, silhouette ${opts.silhouette ?? 0}, texture ${opts.texture ?? 0}, contrast ${opts.contrast ?? 1}, mix ${opts.mix ? JSON.stringify(opts.mix) : 'uniform'}, ` +
      `${opts.contrastive ? `contrastive λ ${opts.contrastive.weight} τ ${opts.contrastive.temperature} positives ${opts.contrastive.positives}, ` : ''}adapter ${ctx.adapter.description}`,
  );

  let stop = false;
  const onSignal = () => {
    if (!stop) log('signal received: checkpointing and stopping');
    stop = true;
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const t0 = performance.now();
  const elapsed = () => elapsedBefore + (performance.now() - t0) / 1000;
  let lastCkpt = performance.now();
  let win = { loss: 0, con: 0, acc: 0, ips: 0, n: 0 };
  const startStep = init.step;
  const planBudget = budgetPlanner(args.minutes, startStep, () => process.uptime());
  const final = await pretrain(ctx, corpus, config, init, opts, {
    validationLimit: args.validation,
    onStep: (s) => {
      const planned = planBudget(s.step);
      if (planned !== null && planned < opts.steps) {
        log(`--minutes ${args.minutes}: ${planned} steps fit the budget at the speed measured so far (planned ${opts.steps}); the cosine is planned for ${planned}`);
        opts.steps = planned;
        const last = schedule[schedule.length - 1]!;
        if (last.fromStep === startStep) last.steps = planned;
        else schedule = [...schedule, { fromStep: startStep, steps: planned }];
      }
      win = { loss: win.loss + s.loss, con: win.con + (s.contrastive ?? 0), acc: win.acc + s.accuracy, ips: win.ips + s.imagesPerSec, n: win.n + 1 };
      if (s.step % args.logEvery !== 0 && s.step !== opts.steps) return;
      const loss = win.loss / win.n;
      const acc = win.acc / win.n;
      const ips = win.ips / win.n;
      const rate = (s.step - startStep) / ((performance.now() - t0) / 1000);
      const eta = (opts.steps - s.step) / Math.max(rate, 1e-9);
      appendFileSync(csvPath, `${s.step},${loss.toFixed(5)},${acc.toFixed(4)},${s.learningRate.toExponential(4)},${ips.toFixed(1)},${elapsed().toFixed(1)},\n`);
      const con = opts.contrastive ? ` contrastive ${(win.con / win.n).toFixed(4)}` : '';
      log(`step ${s.step}/${opts.steps} loss ${loss.toFixed(4)}${con} acc ${(100 * acc).toFixed(1)}% lr ${s.learningRate.toExponential(2)} ${ips.toFixed(0)} img/s ETA ${fmtTime(eta)}`);
      win = { loss: 0, con: 0, acc: 0, ips: 0, n: 0 };
    },
    wantCheckpoint: () => performance.now() - lastCkpt >= args.checkpointMinutes * 60_000,
    shouldStop: () => stop,
    onCheckpoint: (state, validation) => {
      lastCkpt = performance.now();
      const meta = { step: String(state.step), corpus: corpus.index.hashes.images };
      writeAtomic(statePath, stateFile(config, state, meta));
      writeAtomic(metaPath, JSON.stringify({ step: state.step, config, options: opts, corpusHash: corpus.index.hashes.images, classSubset: args.classes, elapsedSeconds: elapsed(), schedule, init: warmStart }, null, 2) + '\n');
      const info = {
        description:
          'Embedded default backbone: a timm-layout ViT pretrained by `npm run pretrain` (supervised identity classification of CJK glyphs × fonts, emoji × art styles and handwritten digits' +
          (opts.contrastive ? `, with a contrastive term on the features (${opts.contrastive.positives === 'views' ? 'two views of each image' : 'images of one class'} as positives)` : '') +
          '; no class shared with the built-in benchmarks). Config and weights in Hugging Face ViTModel format (no classifier).',
        preset: args.preset,
        ...(Object.keys(shapeOf(config)).length ? { shape: shapeOf(config) } : {}),
        step: state.step,
        steps: opts.steps,
        options: opts,
        validation: validation
          ? {
              top1: validation.accuracy,
              images: validation.images,
              what: `held-out renditions (a font or art style never seen for that class)${describeInputConvention(recipeInputConvention(opts)) ? ', in the input convention training used' : ''}`,
            }
          : null,
        corpus: {
          format: CORPUS_FORMAT,
          classes: K,
          images: corpus.index.count,
          subset: args.classes ? { of: full.index.classes.length, seed: 20261129, counts: args.classes, what: 'a seeded draw of classes, in all or per kind (src/data/pretrainCorpus.ts subsetCorpus)' } : null,
          kinds: Object.fromEntries(CORPUS_KINDS.map((k) => [k, corpus.index.classes.filter((c) => c.kind === k).length])),
          seed: corpus.index.seed,
          params: corpus.index.params,
          hashes: corpus.index.hashes,
          packages: corpus.index.packages,
        },
        schedule,
        ...(warmStart ? { init: warmStart } : {}),
        trainingSeconds: Math.round(elapsed()),
        adapter: ctx.adapter.description,
      };
      mkdirSync(args.out, { recursive: true });
      // Every training image was gray / light on dark: the model expects its inputs so (ViTConfig input convention).
      const files = modelFiles({ ...config, ...recipeInputConvention(opts) }, state.params, { keepHead: args.keepHead, metadata: { step: String(state.step), source: 'sdlora-playground npm run pretrain' } });
      for (const [name, data] of Object.entries(files)) writeAtomic(join(args.out, name), data);
      writeAtomic(join(args.out, 'pretraining.json'), JSON.stringify(info, null, 2) + '\n');
      if (validation) appendFileSync(csvPath, `${state.step},,,,,${elapsed().toFixed(1)},${validation.accuracy.toFixed(4)}\n`);
      log(`checkpoint at step ${state.step}${validation ? `: validation top-1 ${(100 * validation.accuracy).toFixed(1)}% on ${validation.images} held-out renditions` : ''} → ${args.out}, ${args.state}`);
    },
  });
  log(`done at step ${final.step} in ${fmtTime(elapsed())}`);
  ctx.destroy();
}

main().then(
  () => process.exit(0),
  (e: Error) => {
    process.stderr.write(`\nerror: ${e.message}\n`);
    process.exit(2);
  },
);
