// Which linear maps of each block carry LoRA components, and where each sits:
//   q, k, v  the three C×C row slices of the fused `attn.qkv.weight` (3C, C), rows [q | k | v];
//   proj     `attn.proj.weight` (C, C), the attention output projection;
//   fc1      `mlp.fc1.weight` (F, C), before the GELU;  fc2  `mlp.fc2.weight` (C, F).
// SD-LoRA's default is q and v (spec §4). A component holds one factor pair per block and target, U (dOut, r) and
// D (r, dIn), in the canonical order of LORA_TARGETS, so arrays indexed by target are aligned everywhere (bank
// files, the GPU model, the float64 reference, the KD fit, the host merge).

import { mlpDim, type ViTConfig } from './config';

export const LORA_TARGETS = ['q', 'k', 'v', 'proj', 'fc1', 'fc2'] as const;
export type LoraTarget = (typeof LORA_TARGETS)[number];

export const DEFAULT_TARGETS: readonly LoraTarget[] = ['q', 'v'];

/** The block weight a target adapts (timm name after `blocks.<l>.`). */
export type TargetWeight = 'attn.qkv.weight' | 'attn.proj.weight' | 'mlp.fc1.weight' | 'mlp.fc2.weight';

/** Every block weight a target can adapt (all four linear maps of a block). */
export const BLOCK_WEIGHTS: readonly TargetWeight[] = ['attn.qkv.weight', 'attn.proj.weight', 'mlp.fc1.weight', 'mlp.fc2.weight'];

export interface TargetSite {
  weight: TargetWeight;
  /** First row of the target inside that weight (the qkv slices; 0 otherwise). */
  rowOffset: number;
  dOut: number;
  dIn: number;
}

const QKV_SLICE: Readonly<Record<'q' | 'k' | 'v', number>> = { q: 0, k: 1, v: 2 };

/** Where a target sits in a block of this model, and its shape (dOut, dIn). */
export function targetSite(c: Pick<ViTConfig, 'width' | 'mlpRatio'>, t: LoraTarget): TargetSite {
  const C = c.width;
  const F = mlpDim(c as ViTConfig);
  switch (t) {
    case 'q':
    case 'k':
    case 'v':
      return { weight: 'attn.qkv.weight', rowOffset: QKV_SLICE[t] * C, dOut: C, dIn: C };
    case 'proj':
      return { weight: 'attn.proj.weight', rowOffset: 0, dOut: C, dIn: C };
    case 'fc1':
      return { weight: 'mlp.fc1.weight', rowOffset: 0, dOut: F, dIn: C };
    case 'fc2':
      return { weight: 'mlp.fc2.weight', rowOffset: 0, dOut: C, dIn: F };
  }
}

/** (rows, columns) of a block weight that targets adapt, from the table above: the qkv weight holds q, k and v. */
export function weightShape(c: Pick<ViTConfig, 'width' | 'mlpRatio'>, w: TargetWeight): [number, number] {
  const sites = LORA_TARGETS.map((t) => targetSite(c, t)).filter((s) => s.weight === w);
  return [Math.max(...sites.map((s) => s.rowOffset + s.dOut)), sites[0]!.dIn];
}

/** The block weights the targets adapt, each once, in target order. */
export function adaptedWeights(c: Pick<ViTConfig, 'width' | 'mlpRatio'>, targets: readonly LoraTarget[]): TargetWeight[] {
  return [...new Set(targets.map((t) => targetSite(c, t).weight))];
}

/** Validates a target list (non-empty, known, no repeats) and returns it in canonical order; throws a message
 *  that lists the choices. Accepts an array or a comma-separated string ("q,k,v"). */
export function parseTargets(input: unknown): LoraTarget[] {
  const list = typeof input === 'string' ? input.split(',').map((s) => s.trim()).filter(Boolean) : input;
  if (!Array.isArray(list) || list.length === 0 || !list.every((t) => (LORA_TARGETS as readonly unknown[]).includes(t)) || new Set(list).size !== list.length)
    throw new Error(`targets must be a non-empty list of distinct maps among ${LORA_TARGETS.join(', ')} (got ${JSON.stringify(input)})`);
  return LORA_TARGETS.filter((t) => list.includes(t));
}

/** "q, v" for messages and tables. */
export const targetsLabel = (targets: readonly LoraTarget[]): string => targets.join(', ');

/** Trainable values of one rank-r component on every target of every block: Σ_t r·(dOut + dIn)·depth. */
export function loraParamCount(c: Pick<ViTConfig, 'width' | 'mlpRatio' | 'depth'>, rank: number, targets: readonly LoraTarget[]): number {
  return targets.reduce((n, t) => {
    const s = targetSite(c, t);
    return n + c.depth * rank * (s.dOut + s.dIn);
  }, 0);
}

/** Throws unless every component lists the same targets (a frozen stack is merged per target). */
export function sameTargets(lists: readonly (readonly LoraTarget[])[], what: string): readonly LoraTarget[] {
  const first = lists[0] ?? DEFAULT_TARGETS;
  for (const l of lists)
    if (l.join() !== first.join()) throw new Error(`${what}: components adapt different maps ([${l.join(', ')}] and [${first.join(', ')}]); all must adapt the same ones`);
  return first;
}
