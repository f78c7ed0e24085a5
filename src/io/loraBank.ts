// The LoRA bank file: every task's LoRA factors (U, D per block and adapted map), the magnitudes α_k,
// ranks, norm products and the classifier head, as safetensors with metadata, so a run can be resumed
// or shared. Tensor names (t: a target of src/model/vit/loraTargets.ts, q and v by default):
//   lora.<k>.blocks.<l>.<t>.U   (dOut, r_k)     lora.<k>.blocks.<l>.<t>.D   (r_k, dIn)   (C × C except fc1, fc2)
//   lora.alpha (K)                               lora.norms (K, depth, targets)   ‖U‖_F·‖D‖_F per matrix
//   head.weight (classes, C), head.bias (classes) (optional)
// Metadata: format "sdlora-bank/1", config (ViTConfig JSON), components (JSON: rank, normalized, targets per k;
// a file without targets is read as q, v, the only maps earlier versions adapted), and any caller fields
// (method, class order, …) as strings.

import type { ViTConfig } from '../model/vit/config';
import { DEFAULT_TARGETS, parseTargets, sameTargets, targetSite, type LoraTarget } from '../model/vit/loraTargets';
import { parseSafetensors, writeSafetensors, type WriteTensor } from './safetensors';

export const LORA_BANK_FORMAT = 'sdlora-bank/1';

export interface BankFactors {
  U: Float32Array; // (dOut, r)
  D: Float32Array; // (r, dIn)
}

export interface BankComponent {
  rank: number;
  alpha: number;
  /** true: a previous task's direction, scaled by α/(‖U‖‖D‖); false: the current task's, scaled by α. */
  normalized: boolean;
  /** The maps it adapts, canonical order (src/model/vit/loraTargets.ts). */
  targets: readonly LoraTarget[];
  /** [block][target]: one factor pair per ViT block and target, aligned with `targets`. */
  blocks: BankFactors[][];
}

export interface LoraBank {
  config: ViTConfig;
  components: BankComponent[];
  head?: { weight: Float32Array; bias: Float32Array; classes: number };
  /** Free-form string fields (method, class order, task index, …). */
  meta: Record<string, string>;
}

const frob = (a: Float32Array) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * a[i]!;
  return Math.sqrt(s);
};

/** ‖U‖_F·‖D‖_F of one matrix's factors. */
export const normProduct = (f: BankFactors) => frob(f.U) * frob(f.D);

export function writeLoraBank(bank: LoraBank): Uint8Array {
  const { config: c, components } = bank;
  const tensors = new Map<string, WriteTensor>();
  const K = components.length;
  const P = sameTargets(components.map((x) => x.targets), 'LoRA bank').length;
  const norms = new Float32Array(K * c.depth * P);
  components.forEach((comp, k) => {
    if (comp.blocks.length !== c.depth) throw new Error(`LoRA bank: component ${k} has ${comp.blocks.length} blocks, the model has ${c.depth}`);
    comp.blocks.forEach((b, l) => {
      if (b.length !== P) throw new Error(`LoRA bank: component ${k} block ${l} has ${b.length} factor pairs for ${P} targets`);
      comp.targets.forEach((p, i) => {
        const f = b[i]!;
        const { dOut, dIn } = targetSite(c, p);
        if (f.U.length !== dOut * comp.rank || f.D.length !== comp.rank * dIn)
          throw new Error(`LoRA bank: component ${k} block ${l} ${p}: factors do not match rank ${comp.rank} and the map's ${dOut}×${dIn}`);
        tensors.set(`lora.${k}.blocks.${l}.${p}.U`, { shape: [dOut, comp.rank], data: f.U });
        tensors.set(`lora.${k}.blocks.${l}.${p}.D`, { shape: [comp.rank, dIn], data: f.D });
        norms[(k * c.depth + l) * P + i] = normProduct(f);
      });
    });
  });
  tensors.set('lora.alpha', { shape: [K], data: Float32Array.from(components, (x) => x.alpha) });
  tensors.set('lora.norms', { shape: [K, c.depth, P], data: norms });
  if (bank.head) {
    tensors.set('head.weight', { shape: [bank.head.classes, c.width], data: bank.head.weight });
    tensors.set('head.bias', { shape: [bank.head.classes], data: bank.head.bias });
  }
  const metadata: Record<string, string> = {
    ...bank.meta,
    format: LORA_BANK_FORMAT,
    config: JSON.stringify(c),
    components: JSON.stringify(components.map((x) => ({ rank: x.rank, normalized: x.normalized, targets: x.targets }))),
  };
  return writeSafetensors(tensors, { metadata });
}

export function readLoraBank(bytes: Uint8Array | ArrayBuffer, source = 'LoRA bank'): LoraBank {
  const file = parseSafetensors(bytes, source);
  const md = file.metadata;
  if (md.format !== LORA_BANK_FORMAT)
    throw new Error(`${source} is not an SD-LoRA bank (metadata format is '${md.format ?? 'missing'}', expected '${LORA_BANK_FORMAT}'); save one from a run first`);
  const config = JSON.parse(md.config ?? 'null') as ViTConfig;
  const specs = JSON.parse(md.components ?? '[]') as { rank: number; normalized: boolean; targets?: unknown }[];
  const alpha = file.get('lora.alpha');
  if (alpha.length !== specs.length) throw new Error(`${source}: ${alpha.length} α values for ${specs.length} components`);
  const missing: string[] = [];
  const get = (name: string): Float32Array => {
    if (!file.entries.has(name)) {
      missing.push(name);
      return new Float32Array(0);
    }
    return file.get(name);
  };
  const components: BankComponent[] = specs.map((s, k) => {
    const targets = s.targets === undefined ? [...DEFAULT_TARGETS] : parseTargets(s.targets);
    return {
      rank: s.rank,
      normalized: s.normalized,
      alpha: alpha[k]!,
      targets,
      blocks: Array.from({ length: config.depth }, (_, l) => targets.map((p) => ({ U: get(`lora.${k}.blocks.${l}.${p}.U`), D: get(`lora.${k}.blocks.${l}.${p}.D`) }))),
    };
  });
  if (missing.length) throw new Error(`${source} is incomplete: missing ${missing.join(', ')}`);
  sameTargets(components.map((x) => x.targets), source);
  const misShaped = components.flatMap((comp, k) =>
    comp.blocks.flatMap((b, l) =>
      comp.targets.flatMap((t, i) => {
        const { dOut, dIn } = targetSite(config, t);
        return b[i]!.U.length === dOut * comp.rank && b[i]!.D.length === comp.rank * dIn ? [] : [`lora.${k}.blocks.${l}.${t} (expected U ${dOut}×${comp.rank}, D ${comp.rank}×${dIn})`];
      }),
    ),
  );
  if (misShaped.length) throw new Error(`${source} has mis-shaped factors: ${misShaped.slice(0, 4).join(', ')}${misShaped.length > 4 ? ` and ${misShaped.length - 4} more` : ''}`);
  const meta: Record<string, string> = {};
  for (const [k, v] of Object.entries(md)) if (!['format', 'config', 'components'].includes(k)) meta[k] = v;
  const bank: LoraBank = { config, components, meta };
  if (file.entries.has('head.weight')) {
    const weight = file.get('head.weight');
    bank.head = { weight, bias: file.get('head.bias'), classes: weight.length / config.width };
  }
  return bank;
}
