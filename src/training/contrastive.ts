// A contrastive term for pretraining (SimCLR's NT-Xent, or SupCon's with labels) on the backbone's features: the
// final-LN CLS vectors f (B, C) that the probe's nearest-class-mean and the continual-learning heads read. The batch
// holds two augmented views of n = B/2 images, rows i and i + n. With z = f/‖f‖ and s_ij = z_i·z_j/τ,
//   L = (1/B) Σ_i [ log Σ_{a≠i} exp s_ia − (1/|P(i)|) Σ_{p∈P(i)} s_ip ],
// P(i) = {the other view of i} ('views', label-free) or every other row of i's class ('class', SupCon).
// Why: a supervised identity objective alone sharpens the features along what separates its own classes (glyph
// identities) and plateaued as a frozen backbone for product photos; pulling two views of one image together and
// pushing other images away asks the features to keep whatever tells images apart.
// Computed on the host in float64 (B² · C multiply-adds: 2 M for B = 128, C = 96), from features read back after
// the forward; its gradient joins the cross-entropy's at the features (GpuViT.backward's featureGrad).

export interface ContrastiveOptions {
  /** λ in CE + λ·L. */
  weight: number;
  /** τ. */
  temperature: number;
  positives: 'views' | 'class';
}

/** Parses `weight[,temperature[,views|class]]` (temperature 0.2 and views when absent). */
export function parseContrastive(text: string): ContrastiveOptions | null {
  const [w, t, p] = text.split(',');
  const weight = Number(w);
  const temperature = t === undefined ? 0.2 : Number(t);
  const positives = (p ?? 'views') as ContrastiveOptions['positives'];
  if (!(weight >= 0) || !(temperature > 0) || (positives !== 'views' && positives !== 'class'))
    throw new Error(`--contrastive weight[,temperature[,views|class]] with weight ≥ 0 and temperature > 0 (got '${text}')`);
  return weight > 0 ? { weight, temperature, positives } : null;
}

/**
 * Loss and dL/df for features f (B rows of C, row-major), B even, rows i and i + B/2 two views of one image;
 * labels are needed for positives 'class'. The gradient is of L itself (not yet times λ).
 */
export function contrastiveLoss(f: ArrayLike<number>, B: number, C: number, o: Pick<ContrastiveOptions, 'temperature' | 'positives'>, labels?: ArrayLike<number>): { loss: number; grad: Float32Array } {
  if (B % 2 !== 0 || B < 2) throw new Error(`contrastiveLoss: the batch must hold two views per image (B = ${B})`);
  if (f.length !== B * C) throw new Error(`contrastiveLoss: ${f.length} values for ${B}×${C} features`);
  if (o.positives === 'class' && (!labels || labels.length < B)) throw new Error('contrastiveLoss: positives "class" needs a label per row');
  const n = B / 2;
  const tau = o.temperature;
  const z = new Float64Array(B * C);
  const norm = new Float64Array(B);
  for (let i = 0; i < B; i++) {
    let s = 0;
    for (let c = 0; c < C; c++) s += f[i * C + c]! * f[i * C + c]!;
    norm[i] = Math.sqrt(s) || 1e-12;
    for (let c = 0; c < C; c++) z[i * C + c] = f[i * C + c]! / norm[i]!;
  }
  const sim = new Float64Array(B * B);
  for (let i = 0; i < B; i++)
    for (let j = i; j < B; j++) {
      let s = 0;
      for (let c = 0; c < C; c++) s += z[i * C + c]! * z[j * C + c]!;
      sim[i * B + j] = sim[j * B + i] = s / tau;
    }
  const positive = (i: number, j: number) => (o.positives === 'views' ? j === (i + n) % B : j !== i && labels![j] === labels![i]);
  // g = dL/ds (B × B), then dL/dz_i = Σ_j (g_ij + g_ji) z_j / τ.
  const g = new Float64Array(B * B);
  let loss = 0;
  for (let i = 0; i < B; i++) {
    let max = -Infinity;
    for (let a = 0; a < B; a++) if (a !== i) max = Math.max(max, sim[i * B + a]!);
    let sum = 0;
    for (let a = 0; a < B; a++) if (a !== i) sum += Math.exp(sim[i * B + a]! - max);
    let count = 0;
    let posSum = 0;
    for (let a = 0; a < B; a++)
      if (positive(i, a)) {
        count++;
        posSum += sim[i * B + a]!;
      }
    loss += max + Math.log(sum) - posSum / count;
    for (let a = 0; a < B; a++) {
      if (a === i) continue;
      g[i * B + a] = (Math.exp(sim[i * B + a]! - max) / sum - (positive(i, a) ? 1 / count : 0)) / B;
    }
  }
  const grad = new Float32Array(B * C);
  for (let i = 0; i < B; i++) {
    const dz = new Float64Array(C);
    for (let j = 0; j < B; j++) {
      const w = (g[i * B + j]! + g[j * B + i]!) / tau;
      if (w !== 0) for (let c = 0; c < C; c++) dz[c] += w * z[j * C + c]!;
    }
    // Through z = f/‖f‖: df = (dz − z (z·dz)) / ‖f‖.
    let dot = 0;
    for (let c = 0; c < C; c++) dot += z[i * C + c]! * dz[c]!;
    for (let c = 0; c < C; c++) grad[i * C + c] = (dz[c]! - z[i * C + c]! * dot) / norm[i]!;
  }
  return { loss: loss / B, grad };
}
