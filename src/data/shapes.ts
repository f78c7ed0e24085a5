// Formula-driven silhouettes for the pretraining corpus (kind 'shape'): no package, no licence, no class of any
// benchmark. After the radial-contour data sets of formula-driven supervised learning (Kataoka et al., "Replacing
// Labeled Real-image Datasets with Auto-generated Contours", CVPR 2022): a class is a seeded star-shaped contour
//   r(θ) = 1 + Σ_i a_i·cos(f_i·θ + φ_i)      (θ from the vertical axis; φ_i = 0 for a mirror-symmetric class)
// stretched by (sx, sy), optionally with a second, smaller contour cut out or a band of another grey inside; an
// instance perturbs the amplitudes and phases, rotates, scales and shifts it, and fills it with a grey level and a
// texture (flat, gradient, stripes, checks or noise), light on a dark background as Fashion-MNIST draws a product.
// Classes differ in silhouette only (textures vary within a class), so telling them apart needs shape features,
// down to small differences between similar contours. renderShape is pure: the same parameters give the same bytes.

import { rng } from '../testing/rng';

export interface ShapeClass {
  terms: { f: number; a: number; phi: number }[];
  sx: number;
  sy: number;
  /** A hole: a scaled copy of the contour (scale, vertical offset), or none. */
  hole: { scale: number; dy: number } | null;
  /** A horizontal band of another grey (from, to in units of the contour's height), or none. */
  band: { y0: number; y1: number } | null;
}

/** Class parameters from a seed. */
export function shapeClass(seed: number): ShapeClass {
  const r = rng(seed);
  const symmetric = r() < 0.5;
  const n = 2 + Math.floor(r() * 4);
  const used = new Set<number>();
  const terms: ShapeClass['terms'] = [];
  for (let i = 0; i < n; i++) {
    let f = 1 + Math.floor(r() * 7);
    while (used.has(f)) f = 1 + (f % 8); // next free frequency of 1..8 (at most 5 terms)
    used.add(f);
    terms.push({ f, a: (0.06 + 0.34 * r()) / Math.pow(f, 0.7), phi: symmetric ? 0 : 2 * Math.PI * r() });
  }
  // Keep the radius positive everywhere: scale the amplitudes down when their sum could reach 1.
  const sum = terms.reduce((s, t) => s + t.a, 0);
  if (sum > 0.8) for (const t of terms) t.a *= 0.8 / sum;
  // Often elongated (a product is rarely round): one axis 0.45–1 of the other.
  const squash = 0.45 + 0.55 * r();
  const [sx, sy] = r() < 0.5 ? [squash, 1] : [1, squash];
  const hole = r() < 0.25 ? { scale: 0.2 + 0.25 * r(), dy: (r() - 0.5) * 0.5 } : null;
  const b0 = r();
  const band = r() < 0.3 ? { y0: b0 * 0.8 - 0.9, y1: b0 * 0.8 - 0.9 + 0.15 + 0.3 * r() } : null;
  return { terms, sx, sy, hole, band };
}

const radius = (terms: ShapeClass['terms'], theta: number) => terms.reduce((s, t) => s + t.a * Math.cos(t.f * theta + t.phi), 1);

/** One instance of class `c`, side×side grey replicated to RGB (light on dark), from an instance seed. */
export function renderShape(c: ShapeClass, seed: number, side = 32): Uint8Array {
  const r = rng(seed);
  const terms = c.terms.map((t) => ({ f: t.f, a: t.a * (0.85 + 0.3 * r()), phi: t.phi + (r() - 0.5) * 0.2 }));
  const rot = (r() - 0.5) * 0.3;
  // Contour radius 1 in pixels: the farthest point of the contour 0.36–0.47 of the side from the centre.
  let reach = 0;
  for (let k = 0; k < 64; k++) {
    const th = (2 * Math.PI * k) / 64;
    const rr = radius(terms, th);
    reach = Math.max(reach, Math.hypot(rr * Math.sin(th) * c.sx, rr * Math.cos(th) * c.sy));
  }
  const size = (side * (0.36 + 0.11 * r())) / reach;
  const cx = side / 2 + (r() - 0.5) * 4;
  const cy = side / 2 + (r() - 0.5) * 4;
  const grey = 0.45 + 0.55 * r();
  const bandGrey = grey * (0.3 + 0.5 * r());
  const texture = Math.floor(r() * 5); // 0 flat, 1 gradient, 2 stripes, 3 checks, 4 noise
  const period = 2 + 4 * r();
  const angle = Math.PI * r();
  const depth = 0.15 + 0.35 * r();
  const noise = rng(seed ^ 0x5bd1e995);
  const px = new Uint8Array(side * side * 3);
  const cos = Math.cos(rot);
  const sin = Math.sin(rot);
  const SS = 4; // supersampling per axis
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      let cover = 0;
      let shade = 0;
      for (let sy = 0; sy < SS; sy++) {
        for (let sx = 0; sx < SS; sx++) {
          const dx = x + (sx + 0.5) / SS - cx;
          const dy = y + (sy + 0.5) / SS - cy;
          // Into the contour's frame: unrotate, unstretch, unit radius.
          const u = (cos * dx + sin * dy) / (size * c.sx);
          const v = (-sin * dx + cos * dy) / (size * c.sy);
          const rho = Math.hypot(u, v);
          const theta = Math.atan2(u, -v); // 0 = up, symmetric in ±u
          if (rho > radius(terms, theta)) continue;
          if (c.hole) {
            const hv = (v - c.hole.dy) / c.hole.scale;
            const hu = u / c.hole.scale;
            if (Math.hypot(hu, hv) <= radius(terms, Math.atan2(hu, -hv))) continue;
          }
          cover++;
          shade += c.band && v >= c.band.y0 && v <= c.band.y1 ? bandGrey : grey;
        }
      }
      if (!cover) continue;
      let t = 1;
      const along = (x * Math.cos(angle) + y * Math.sin(angle)) / period;
      if (texture === 1) t = 1 - depth * (y / side);
      else if (texture === 2) t = 1 - depth * (0.5 + 0.5 * Math.sin(2 * Math.PI * along));
      else if (texture === 3) t = 1 - depth * ((Math.floor(x / period) + Math.floor(y / period)) % 2);
      else if (texture === 4) t = 1 - depth * noise();
      const value = Math.round(255 * (shade / cover) * t * (cover / (SS * SS)));
      const i = 3 * (y * side + x);
      px[i] = px[i + 1] = px[i + 2] = Math.max(0, Math.min(255, value));
    }
  }
  return px;
}
