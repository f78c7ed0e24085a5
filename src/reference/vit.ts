// Float64 reference for the whole ViT with SD-LoRA adapters: forward, loss and backward.
// Shapes: B images, S side, P patch, G = S/P, L = G² patches, N = L + 1 tokens (CLS first), C width,
// H heads (Dh = C/H), F mlp width, K classes, r_k rank of LoRA component k.
//
// Forward (timm VisionTransformer, global_pool='token', all dropouts 0):
//   xn = (x − mean_c)/std_c                                        (B, 3, S, S)   config.mean / config.std
//   e  = patchify(xn)·W_peᵀ + b_pe                                  (B, L, C)      conv P×P stride P as a matmul
//   h  = [cls ; e] + pos                                            (B, N, C)
//   per block:  a = LN1(h);  qkv = a·W_qkvᵀ + b_qkv                 (B·N, 3C)      rows [q | k | v] of W_qkv
//               h += attn(qkv)·W_projᵀ + b_proj;  h += fc2(gelu(fc1(LN2(h))))
//   LoRA on a target t with input X and output Y (src/model/vit/loraTargets.ts):  Y += Σ_k s_k·(X·D_tkᵀ)·U_tkᵀ,
//   U (dOut, r_k), D (r_k, dIn):  q, k, v: X = a, Y = qkv[:, 0:C | C:2C | 2C:3C];  proj: X = attn(qkv), Y = its
//   projection;  fc1: X = LN2(h), Y = the pre-GELU activation;  fc2: X = gelu(…), Y = fc2's output.
//   f = LN_final(h[:, 0])  (B, C);  logits = f·W_headᵀ + b_head      (B, K)
// LoRA scale (spec §4): s_k = α_k / max(‖U‖_F·‖D‖_F, 1e-12) for a normalised component (per block and
// target, so depth·targets different norms share one α_k), s_k = α_k for an unnormalised (trainable) one.
// Loss (spec §7): mean over the batch of cross-entropy over logits[:, lo:hi) only.
//
// Backward, per LoRA term Y += s·(X·Dᵀ)·Uᵀ with G = ∂L/∂Y, h = X·Dᵀ (tokens × r):
//   ds = ⟨G·U, h⟩_F;  dX += s·(G·U)·D;  dU = s·Gᵀ·h;  dD = s·(G·U)ᵀ·X
//   normalised: dα += ds/(‖U‖‖D‖), and through the norms dU −= ds·s·U/‖U‖², dD −= ds·s·D/‖D‖²
//   (the trainer ignores dU/dD of frozen components; they are exact derivatives so the gradcheck covers
//   them too). unnormalised: dα += ds.
// Every base parameter gets its gradient (full fine-tuning), plus the images (through the normalisation).
//
// Composition: layerNorm, attention, gelu, crossEntropy and patchify come from src/reference/. Linear
// layers and the LoRA terms are local loops: src/reference/matmul.ts and lora.ts did not exist yet when
// this was written (switch to them once they do; the local `linear` is y = x·Wᵀ + b, PyTorch layout).

import { headDim, mlpDim, numTokens, type ViTConfig } from '../model/vit/config';
import { targetSite, type LoraTarget } from '../model/vit/loraTargets';
import { paramSpecs, type ParamTable } from '../model/vit/params';
import * as attention from './attention';
import * as crossEntropy from './crossEntropy';
import * as gelu from './gelu';
import * as layerNorm from './layerNorm';
import * as patchify from './patchify';

/** Parameters in float64 under timm names (same shapes as ParamTable). */
export type Params64 = Map<string, Float64Array>;

export const toFloat64 = (t: ParamTable): Params64 => new Map([...t].map(([k, v]) => [k, Float64Array.from(v)]));

export interface LoraFactors {
  U: Float64Array; // (dOut, r) "up", zero-initialised in SD-LoRA
  D: Float64Array; // (r, dIn) "down"
}

export interface LoraComponent {
  rank: number;
  alpha: number;
  /** true: scale α/(‖U‖‖D‖) (a previous task's frozen component); false: scale α (the current task's). */
  normalized: boolean;
  /** The maps it adapts (canonical order). */
  targets: readonly LoraTarget[];
  /** [block][target]: one factor pair per block (length = depth) and target. */
  blocks: LoraFactors[][];
}

export const NORM_EPS = 1e-12;

const frob = (a: Float64Array) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * a[i]!;
  return Math.sqrt(s);
};

/** The scale s_k applied to one (block, projection) pair of a component. */
export function loraScale(comp: LoraComponent, f: LoraFactors): number {
  return comp.normalized ? comp.alpha / Math.max(frob(f.U) * frob(f.D), NORM_EPS) : comp.alpha;
}

// --- local linear algebra (see header) --------------------------------------------------------------

/** y (R, O) = x (R, I)·Wᵀ (W: (O, I)) + b (O, optional). */
function linear(x: Float64Array, W: Float64Array, b: Float64Array | undefined, R: number, I: number, O: number): Float64Array {
  const y = new Float64Array(R * O); // (R, O)
  for (let r = 0; r < R; r++)
    for (let o = 0; o < O; o++) {
      let s = b ? b[o]! : 0;
      for (let i = 0; i < I; i++) s += x[r * I + i]! * W[o * I + i]!;
      y[r * O + o] = s;
    }
  return y;
}

/** Gradients of y = x·Wᵀ + b: dx (R, I) = dy·W, dW (O, I) = dyᵀ·x, db (O) = Σ_r dy. */
function linearBackward(dy: Float64Array, x: Float64Array, W: Float64Array, R: number, I: number, O: number) {
  const dx = new Float64Array(R * I); // (R, I)
  const dW = new Float64Array(O * I); // (O, I)
  const db = new Float64Array(O); // (O)
  for (let r = 0; r < R; r++)
    for (let o = 0; o < O; o++) {
      const g = dy[r * O + o]!;
      if (g === 0) continue;
      db[o] += g;
      for (let i = 0; i < I; i++) {
        dx[r * I + i] += g * W[o * I + i]!;
        dW[o * I + i] += g * x[r * I + i]!;
      }
    }
  return { dx, dW, db };
}

/** Columns [col0, col0+C) of a (R, stride) matrix as a dense (R, C) copy. */
function sliceCols(m: Float64Array, R: number, stride: number, col0: number, C: number): Float64Array {
  const out = new Float64Array(R * C); // (R, C)
  for (let r = 0; r < R; r++) for (let c = 0; c < C; c++) out[r * C + c] = m[r * stride + col0 + c]!;
  return out;
}

// --- forward ----------------------------------------------------------------------------------------

interface BlockCache {
  hIn: Float64Array; // (B·N, C) block input
  ln1: layerNorm.LayerNormForward; // a = ln1.y (B·N, C)
  loraH: Float64Array[][]; // [component][target]: a·Dᵀ (B·N, r_k)
  qkv: Float64Array; // (B·N, 3C) after LoRA
  probs: Float64Array; // (B, H, N, N)
  att: Float64Array; // (B·N, C)
  h1: Float64Array; // (B·N, C) after the attention residual
  ln2: layerNorm.LayerNormForward; // m = ln2.y (B·N, C)
  f1: Float64Array; // (B·N, F) fc1 output (pre-GELU)
  g: Float64Array; // (B·N, F) GELU output
}

export interface VitForward {
  logits: Float64Array; // (B, K)
  features: Float64Array; // (B, C) final-LN CLS token
  cache: {
    B: number;
    cols: Float64Array; // (B, L, 3P²)
    blocks: BlockCache[];
    hCls: Float64Array; // (B, C) CLS rows of the last block output
    lnF: layerNorm.LayerNormForward;
  };
}

function param(p: Params64, name: string): Float64Array {
  const t = p.get(name);
  if (!t) throw new Error(`reference vit: parameter ${name} missing`);
  return t;
}

/** Checks every tensor's length against the config, once per call, so shape bugs fail loudly. */
function checkParams(c: ViTConfig, p: Params64, lora: readonly LoraComponent[]) {
  for (const s of paramSpecs(c)) {
    const n = s.shape.reduce((a, b) => a * b, 1);
    if (param(p, s.name).length !== n) throw new Error(`reference vit: ${s.name} has ${param(p, s.name).length} values, expected ${n}`);
  }
  for (const [k, comp] of lora.entries()) {
    if (comp.blocks.length !== c.depth) throw new Error(`reference vit: LoRA component ${k} has ${comp.blocks.length} blocks, expected ${c.depth}`);
    for (const b of comp.blocks) {
      if (b.length !== comp.targets.length) throw new Error(`reference vit: LoRA component ${k} has ${b.length} factor pairs per block for targets [${comp.targets.join(', ')}]`);
      comp.targets.forEach((t, i) => {
        const { dOut, dIn } = targetSite(c, t);
        if (b[i]!.U.length !== dOut * comp.rank || b[i]!.D.length !== comp.rank * dIn)
          throw new Error(`reference vit: LoRA component ${k} factors on ${t} do not match rank ${comp.rank} × ${dOut}×${dIn}`);
      });
    }
  }
}

/** images: (B, channels, S, S) raw pixels (normalised here with config.mean/std). */
export function forward(c: ViTConfig, p: Params64, lora: readonly LoraComponent[], images: Float64Array, B: number): VitForward {
  checkParams(c, p, lora);
  const S = c.imageSize;
  const P = c.patchSize;
  const Ch = c.channels;
  const C = c.width;
  const N = numTokens(c);
  const L = N - 1;
  const F = mlpDim(c);
  const H = c.heads;
  const BN = B * N;
  if (images.length !== B * Ch * S * S) throw new Error(`reference vit: images have ${images.length} values, expected ${B}·${Ch}·${S}·${S}`);

  const xn = new Float64Array(images.length); // (B, Ch, S, S)
  for (let i = 0; i < images.length; i++) {
    const ch = Math.floor(i / (S * S)) % Ch;
    xn[i] = (images[i]! - c.mean[ch]!) / c.std[ch]!;
  }
  const cols = patchify.forward(xn, B, Ch, S, P); // (B, L, Ch·P²)
  const e = linear(cols, param(p, 'patch_embed.proj.weight'), param(p, 'patch_embed.proj.bias'), B * L, Ch * P * P, C); // (B·L, C)
  const cls = param(p, 'cls_token');
  const pos = param(p, 'pos_embed');
  let h: Float64Array = new Float64Array(BN * C); // (B, N, C)
  for (let b = 0; b < B; b++)
    for (let n = 0; n < N; n++)
      for (let j = 0; j < C; j++) h[(b * N + n) * C + j] = (n === 0 ? cls[j]! : e[(b * L + n - 1) * C + j]!) + pos[n * C + j]!;

  const blocks: BlockCache[] = [];
  for (let l = 0; l < c.depth; l++) {
    const pre = `blocks.${l}.`;
    const hIn = h;
    const ln1 = layerNorm.forward(hIn, param(p, pre + 'norm1.weight'), param(p, pre + 'norm1.bias'), BN, C, c.layerNormEps);
    const qkv = linear(ln1.y, param(p, pre + 'attn.qkv.weight'), c.qkvBias ? param(p, pre + 'attn.qkv.bias') : undefined, BN, C, 3 * C);
    const loraH: Float64Array[][] = lora.map((comp) => comp.targets.map(() => new Float64Array(0)));
    // Y[:, col0 : col0+dOut] += s·(X·Dᵀ)·Uᵀ for every component on the targets whose weight is `weight`.
    const addLora = (weight: string, X: Float64Array, Y: Float64Array, yStride: number) =>
      lora.forEach((comp, ci) =>
        comp.targets.forEach((t, ti) => {
          const site = targetSite(c, t);
          if (site.weight !== weight) return;
          const f = comp.blocks[l]![ti]!;
          const s = loraScale(comp, f);
          const hX = linear(X, f.D, undefined, BN, site.dIn, comp.rank); // (B·N, r) = X·Dᵀ
          const d = linear(hX, f.U, undefined, BN, comp.rank, site.dOut); // (B·N, dOut) = hX·Uᵀ
          for (let i = 0; i < BN; i++) for (let j = 0; j < site.dOut; j++) Y[i * yStride + site.rowOffset + j] += s * d[i * site.dOut + j]!;
          loraH[ci]![ti] = hX;
        }),
      );
    addLora('attn.qkv.weight', ln1.y, qkv, 3 * C);
    const at = attention.forward(qkv, B, N, H, headDim(c));
    const o = linear(at.out, param(p, pre + 'attn.proj.weight'), param(p, pre + 'attn.proj.bias'), BN, C, C);
    addLora('attn.proj.weight', at.out, o, C);
    const h1 = new Float64Array(BN * C); // (B·N, C)
    for (let i = 0; i < BN * C; i++) h1[i] = hIn[i]! + o[i]!;
    const ln2 = layerNorm.forward(h1, param(p, pre + 'norm2.weight'), param(p, pre + 'norm2.bias'), BN, C, c.layerNormEps);
    const f1 = linear(ln2.y, param(p, pre + 'mlp.fc1.weight'), param(p, pre + 'mlp.fc1.bias'), BN, C, F);
    addLora('mlp.fc1.weight', ln2.y, f1, F);
    const g = gelu.forward(f1);
    const f2 = linear(g, param(p, pre + 'mlp.fc2.weight'), param(p, pre + 'mlp.fc2.bias'), BN, F, C);
    addLora('mlp.fc2.weight', g, f2, C);
    h = new Float64Array(BN * C);
    for (let i = 0; i < BN * C; i++) h[i] = h1[i]! + f2[i]!;
    blocks.push({ hIn, ln1, loraH, qkv, probs: at.probs, att: at.out, h1, ln2, f1, g });
  }
  // timm normalises every token and then picks CLS; LN is per token, so normalising CLS alone is identical.
  const hCls = new Float64Array(B * C); // (B, C)
  for (let b = 0; b < B; b++) hCls.set(h.subarray(b * N * C, b * N * C + C), b * C);
  const lnF = layerNorm.forward(hCls, param(p, 'norm.weight'), param(p, 'norm.bias'), B, C, c.layerNormEps);
  const K = c.numClasses;
  const logits = K > 0 ? linear(lnF.y, param(p, 'head.weight'), param(p, 'head.bias'), B, C, K) : new Float64Array(0);
  return { logits, features: lnF.y, cache: { B, cols, blocks, hCls, lnF } };
}

// --- backward ---------------------------------------------------------------------------------------

export interface VitGrads {
  /** ∂L/∂θ for every base parameter, timm names. */
  params: Params64;
  /** ∂L/∂U, ∂L/∂D per component and block (same layout as the factors). */
  lora: LoraFactors[][][]; // [component][block][target]
  /** ∂L/∂α_k. */
  alpha: Float64Array; // (components)
  /** ∂L/∂images (raw pixels). */
  images: Float64Array; // (B, Ch, S, S)
}

/** Backward from dlogits (B, K) (or dfeatures (B, C) when the model has no head). */
export function backward(
  c: ViTConfig,
  p: Params64,
  lora: readonly LoraComponent[],
  fwd: VitForward,
  dout: Float64Array,
): VitGrads {
  const { B, cols, blocks, hCls, lnF } = fwd.cache;
  const S = c.imageSize;
  const P = c.patchSize;
  const Ch = c.channels;
  const C = c.width;
  const N = numTokens(c);
  const L = N - 1;
  const F = mlpDim(c);
  const H = c.heads;
  const BN = B * N;
  const K = c.numClasses;
  const grads: Params64 = new Map();
  const alpha = new Float64Array(lora.length);
  const dLora = lora.map((comp) =>
    comp.blocks.map(() =>
      comp.targets.map((t) => {
        const { dOut, dIn } = targetSite(c, t);
        return { U: new Float64Array(dOut * comp.rank), D: new Float64Array(comp.rank * dIn) };
      }),
    ),
  );

  // Head and final LN (CLS rows only).
  let dFeat = dout; // (B, C)
  if (K > 0) {
    const hb = linearBackward(dout, lnF.y, param(p, 'head.weight'), B, C, K);
    grads.set('head.weight', hb.dW);
    grads.set('head.bias', hb.db);
    dFeat = hb.dx;
  }
  const lnFb = layerNorm.backward(dFeat, hCls, param(p, 'norm.weight'), lnF.mean, lnF.rstd, B, C);
  grads.set('norm.weight', lnFb.dweight);
  grads.set('norm.bias', lnFb.dbias);
  let dh: Float64Array = new Float64Array(BN * C); // (B·N, C) gradient wrt the current residual stream
  for (let b = 0; b < B; b++) dh.set(lnFb.dx.subarray(b * C, (b + 1) * C), b * N * C);

  for (let l = c.depth - 1; l >= 0; l--) {
    const pre = `blocks.${l}.`;
    const k = blocks[l]!;
    // The LoRA terms on `weight`'s targets, given dY (B·N, yStride) and their input X (B·N, dIn): dU, dD, dα, and
    // dX += s·(G·U)·D into the input gradient.
    const loraBackward = (weight: string, dY: Float64Array, yStride: number, X: Float64Array, dX: Float64Array) => {
      for (const [ci, comp] of lora.entries()) {
        const r = comp.rank;
        for (const [ti, t] of comp.targets.entries()) {
          const { weight: w, rowOffset, dOut, dIn } = targetSite(c, t);
          if (w !== weight) continue;
          const f = comp.blocks[l]![ti]!;
          const hh = k.loraH[ci]![ti]!; // (B·N, r)
          const G = sliceCols(dY, BN, yStride, rowOffset, dOut); // (B·N, dOut)
          const s = loraScale(comp, f);
          const GU = new Float64Array(BN * r); // (B·N, r) = G·U
          for (let i = 0; i < BN; i++)
            for (let j = 0; j < dOut; j++) {
              const g = G[i * dOut + j]!;
              for (let q = 0; q < r; q++) GU[i * r + q] += g * f.U[j * r + q]!;
            }
          let ds = 0;
          for (let i = 0; i < BN * r; i++) ds += GU[i]! * hh[i]!;
          const dU = dLora[ci]![l]![ti]!.U; // (dOut, r) = s·Gᵀ·h
          const dD = dLora[ci]![l]![ti]!.D; // (r, dIn) = s·(G·U)ᵀ·X
          for (let i = 0; i < BN; i++) {
            for (let j = 0; j < dOut; j++) for (let q = 0; q < r; q++) dU[j * r + q] += s * G[i * dOut + j]! * hh[i * r + q]!;
            for (let q = 0; q < r; q++) {
              const gu = s * GU[i * r + q]!;
              for (let j = 0; j < dIn; j++) {
                dD[q * dIn + j] += gu * X[i * dIn + j]!;
                dX[i * dIn + j] += gu * f.D[q * dIn + j]!;
              }
            }
          }
          if (comp.normalized) {
            const nU = frob(f.U);
            const nD = frob(f.D);
            if (nU * nD >= NORM_EPS) {
              alpha[ci] += ds / (nU * nD);
              // s = α/(‖U‖‖D‖): ∂s/∂U = −s·U/‖U‖², ∂s/∂D = −s·D/‖D‖².
              for (let i = 0; i < dU.length; i++) dU[i] -= (ds * s * f.U[i]!) / (nU * nU);
              for (let i = 0; i < dD.length; i++) dD[i] -= (ds * s * f.D[i]!) / (nD * nD);
            } else alpha[ci] += ds / NORM_EPS; // guarded: the clamp is constant, no gradient through the norms
          } else alpha[ci] += ds;
        }
      }
    };
    // MLP residual branch: h = h1 + fc2(gelu(fc1(LN2(h1)))).
    const fc2 = linearBackward(dh, k.g, param(p, pre + 'mlp.fc2.weight'), BN, F, C);
    loraBackward('mlp.fc2.weight', dh, C, k.g, fc2.dx);
    const df1 = gelu.backward(fc2.dx, k.f1);
    const fc1 = linearBackward(df1, k.ln2.y, param(p, pre + 'mlp.fc1.weight'), BN, C, F);
    loraBackward('mlp.fc1.weight', df1, F, k.ln2.y, fc1.dx);
    const ln2 = layerNorm.backward(fc1.dx, k.h1, param(p, pre + 'norm2.weight'), k.ln2.mean, k.ln2.rstd, BN, C);
    const dh1 = new Float64Array(BN * C); // (B·N, C)
    for (let i = 0; i < BN * C; i++) dh1[i] = dh[i]! + ln2.dx[i]!;
    // Attention residual branch: h1 = hIn + proj(attn(qkv(LN1(hIn)))).
    const proj = linearBackward(dh1, k.att, param(p, pre + 'attn.proj.weight'), BN, C, C);
    loraBackward('attn.proj.weight', dh1, C, k.att, proj.dx);
    const dqkv = attention.backward(proj.dx, k.qkv, k.probs, B, N, H, headDim(c)); // (B·N, 3C)
    const qkvb = linearBackward(dqkv, k.ln1.y, param(p, pre + 'attn.qkv.weight'), BN, C, 3 * C);
    const da = qkvb.dx; // (B·N, C), with the LoRA terms of q, k, v added next
    loraBackward('attn.qkv.weight', dqkv, 3 * C, k.ln1.y, da);
    const ln1 = layerNorm.backward(da, k.hIn, param(p, pre + 'norm1.weight'), k.ln1.mean, k.ln1.rstd, BN, C);
    grads.set(pre + 'norm1.weight', ln1.dweight);
    grads.set(pre + 'norm1.bias', ln1.dbias);
    grads.set(pre + 'attn.qkv.weight', qkvb.dW);
    if (c.qkvBias) grads.set(pre + 'attn.qkv.bias', qkvb.db);
    grads.set(pre + 'attn.proj.weight', proj.dW);
    grads.set(pre + 'attn.proj.bias', proj.db);
    grads.set(pre + 'norm2.weight', ln2.dweight);
    grads.set(pre + 'norm2.bias', ln2.dbias);
    grads.set(pre + 'mlp.fc1.weight', fc1.dW);
    grads.set(pre + 'mlp.fc1.bias', fc1.db);
    grads.set(pre + 'mlp.fc2.weight', fc2.dW);
    grads.set(pre + 'mlp.fc2.bias', fc2.db);
    dh = new Float64Array(BN * C);
    for (let i = 0; i < BN * C; i++) dh[i] = dh1[i]! + ln1.dx[i]!;
  }

  // Embeddings: h0 = [cls; e] + pos.
  const dpos = new Float64Array(N * C); // (1, N, C)
  const dcls = new Float64Array(C); // (1, 1, C)
  const de = new Float64Array(B * L * C); // (B·L, C)
  for (let b = 0; b < B; b++)
    for (let n = 0; n < N; n++)
      for (let j = 0; j < C; j++) {
        const g = dh[(b * N + n) * C + j]!;
        dpos[n * C + j] += g;
        if (n === 0) dcls[j] += g;
        else de[(b * L + n - 1) * C + j] = g;
      }
  const pe = linearBackward(de, cols, param(p, 'patch_embed.proj.weight'), B * L, Ch * P * P, C);
  grads.set('cls_token', dcls);
  grads.set('pos_embed', dpos);
  grads.set('patch_embed.proj.weight', pe.dW);
  grads.set('patch_embed.proj.bias', pe.db);
  const dxn = patchify.backward(pe.dx, B, Ch, S, P); // (B, Ch, S, S)
  for (let i = 0; i < dxn.length; i++) dxn[i] = dxn[i]! / c.std[Math.floor(i / (S * S)) % Ch]!;

  // Return the table in paramSpecs order, so iteration matches ParamTable.
  const ordered: Params64 = new Map(paramSpecs(c).map((s) => [s.name, grads.get(s.name)!]));
  return { params: ordered, lora: dLora, alpha, images: dxn };
}

export interface VitLoss {
  loss: number;
  logits: Float64Array; // (B, K)
  grads: VitGrads;
}

/** Mean cross-entropy over logits[:, lo:hi) (labels absolute, in [lo, hi)), with all gradients. */
export function lossAndGrads(
  c: ViTConfig,
  p: Params64,
  lora: readonly LoraComponent[],
  images: Float64Array,
  labels: ArrayLike<number>,
  lo = 0,
  hi = c.numClasses,
): VitLoss {
  if (c.numClasses === 0) throw new Error('reference vit: the loss needs a head (numClasses > 0)');
  const B = labels.length;
  const fwd = forward(c, p, lora, images, B);
  const ce = crossEntropy.forward(fwd.logits, labels, B, c.numClasses, lo, hi);
  return { loss: ce.mean, logits: fwd.logits, grads: backward(c, p, lora, fwd, ce.dlogits) };
}

/** The loss alone (for finite differences). */
export function loss(
  c: ViTConfig,
  p: Params64,
  lora: readonly LoraComponent[],
  images: Float64Array,
  labels: ArrayLike<number>,
  lo = 0,
  hi = c.numClasses,
): number {
  const fwd = forward(c, p, lora, images, labels.length);
  return crossEntropy.forward(fwd.logits, labels, labels.length, c.numClasses, lo, hi).mean;
}
