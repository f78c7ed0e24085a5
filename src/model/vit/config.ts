// ViT configuration (timm / Hugging Face vision transformer: patch embedding, CLS token, learned
// position embedding, pre-LN blocks, fused qkv with bias, MLP with exact GELU, final LN, CLS feature,
// linear head) and presets as plain data.

export interface ViTConfig {
  imageSize: number; // input side in pixels (square)
  patchSize: number; // P
  channels: number; // input channels (3)
  width: number; // C, embedding dim
  depth: number; // number of blocks
  heads: number; // H; head dim Dh = C / H
  mlpRatio: number; // F = round(C · mlpRatio)
  layerNormEps: number; // timm 1e-6, HF default 1e-12
  qkvBias: boolean;
  numClasses: number; // K, head outputs (0 = no head)
  mean: [number, number, number]; // input normalisation
  std: [number, number, number];
  /**
   * The input convention a backbone was trained with, applied to every image before resizing (data/decode.ts
   * packImages; preprocessor_config.json do_grayscale / do_light_on_dark): gray = Rec. 601 luma; light on dark =
   * inverted when the image's outermost pixel ring is brighter than mid-grey. Absent = false.
   */
  grayscale?: boolean;
  lightOnDark?: boolean;
}

export const presets = {
  /** Test-sized model: runs in milliseconds on the CPU reference. */
  tiny: {
    imageSize: 8, patchSize: 4, channels: 3, width: 16, depth: 2, heads: 2, mlpRatio: 2,
    layerNormEps: 1e-6, qkvBias: true, numClasses: 5, mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5],
  },
  /** Small images (32 px, 16 patches of 8 px): the size of the embedded default model and of quick runs. */
  small32: {
    imageSize: 32, patchSize: 8, channels: 3, width: 96, depth: 4, heads: 3, mlpRatio: 4,
    layerNormEps: 1e-6, qkvBias: true, numClasses: 10, mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5],
  },
  /** timm vit_tiny_patch16_224: the benchmark model. */
  vitTiny: {
    imageSize: 224, patchSize: 16, channels: 3, width: 192, depth: 12, heads: 3, mlpRatio: 4,
    layerNormEps: 1e-6, qkvBias: true, numClasses: 10, mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5],
  },
  /** timm vit_base_patch16_224 (the SD-LoRA paper's backbone). */
  vitBase: {
    imageSize: 224, patchSize: 16, channels: 3, width: 768, depth: 12, heads: 12, mlpRatio: 4,
    layerNormEps: 1e-6, qkvBias: true, numClasses: 10, mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5],
  },
} satisfies Record<string, ViTConfig>;

/** A config's input convention in words for notes and cards ('gray and light on dark'); null when there is none. */
export function describeInputConvention(c: Pick<ViTConfig, 'grayscale' | 'lightOnDark'> | undefined): string | null {
  const words = [c?.grayscale ? 'gray' : '', c?.lightOnDark ? 'light on dark' : ''].filter(Boolean);
  return words.length ? words.join(' and ') : null;
}

/**
 * The input convention a pretraining recipe gives its model: the colour changes applied to every training image
 * (probability 1 of grayscale, of darkBackground). Only those that hold are set ({} for none), so the result spreads
 * into a ViTConfig as it is.
 */
export function recipeInputConvention(o: { grayscale?: number; darkBackground?: number }): Pick<ViTConfig, 'grayscale' | 'lightOnDark'> {
  return { ...(o.grayscale === 1 ? { grayscale: true } : {}), ...(o.darkBackground === 1 ? { lightOnDark: true } : {}) };
}

export const numPatches = (c: ViTConfig) => (c.imageSize / c.patchSize) ** 2;
export const numTokens = (c: ViTConfig) => numPatches(c) + 1; // N, CLS first
export const headDim = (c: ViTConfig) => c.width / c.heads;
export const mlpDim = (c: ViTConfig) => Math.round(c.width * c.mlpRatio);

/** Throws a message naming every inconsistent field. */
export function validateConfig(c: ViTConfig): ViTConfig {
  const errs: string[] = [];
  const posInt = (k: keyof ViTConfig) => {
    const v = c[k];
    if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) errs.push(`${k} must be a positive integer (got ${String(v)})`);
  };
  (['imageSize', 'patchSize', 'channels', 'width', 'depth', 'heads'] as const).forEach(posInt);
  if (c.imageSize % c.patchSize !== 0) errs.push(`imageSize ${c.imageSize} is not a multiple of patchSize ${c.patchSize}`);
  if (c.width % c.heads !== 0) errs.push(`width ${c.width} is not a multiple of heads ${c.heads}`);
  if (!(c.mlpRatio > 0)) errs.push(`mlpRatio must be > 0`);
  if (!(c.layerNormEps > 0)) errs.push(`layerNormEps must be > 0`);
  if (!Number.isInteger(c.numClasses) || c.numClasses < 0) errs.push(`numClasses must be an integer ≥ 0`);
  if (errs.length) throw new Error(`invalid ViT config: ${errs.join('; ')}`);
  return c;
}

/** Width / depth / heads of the timm ViT and DeiT size names (mlp ratio 4, qkv bias, eps 1e-6 for all). */
export const timmSizes: Record<string, { width: number; depth: number; heads: number }> = {
  tiny: { width: 192, depth: 12, heads: 3 },
  small: { width: 384, depth: 12, heads: 6 },
  base: { width: 768, depth: 12, heads: 12 },
  large: { width: 1024, depth: 24, heads: 16 },
  huge: { width: 1280, depth: 32, heads: 16 },
};

/** The same model at another input size (the position embedding must be resampled to match). */
export const withImageSize = (c: ViTConfig, imageSize: number): ViTConfig => validateConfig({ ...c, imageSize });
