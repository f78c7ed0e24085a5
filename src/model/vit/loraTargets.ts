// Which linear maps of each block carry LoRA components: slices of the fused qkv projection (timm's
// `attn.qkv.weight`, rows [q | k | v], each C × C). SD-LoRA's default is q and v (spec §4); k can be added.
// A component holds one factor pair per block and target, in this canonical order (q, k, v), so arrays
// indexed by target are aligned everywhere (bank files, the GPU model, the float64 reference, the KD fit).

export const LORA_TARGETS = ['q', 'k', 'v'] as const;
export type LoraTarget = (typeof LORA_TARGETS)[number];

export const DEFAULT_TARGETS: readonly LoraTarget[] = ['q', 'v'];

/** Row offset of each target inside the block's fused qkv weight (3C, C), in units of C. */
export const QKV_SLICE: Readonly<Record<LoraTarget, number>> = { q: 0, k: 1, v: 2 };

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

/** Throws unless every component lists the same targets (a frozen stack is merged per target). */
export function sameTargets(lists: readonly (readonly LoraTarget[])[], what: string): readonly LoraTarget[] {
  const first = lists[0] ?? DEFAULT_TARGETS;
  for (const l of lists)
    if (l.join() !== first.join()) throw new Error(`${what}: components adapt different maps ([${l.join(', ')}] and [${first.join(', ')}]); all must adapt the same ones`);
  return first;
}
