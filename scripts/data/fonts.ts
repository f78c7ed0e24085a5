// Minimal OpenType reading for the pretraining-corpus generator: which code points a font maps (cmap
// formats 4 and 12) and its family name (name table, ID 1), for a .ttf/.otf or the first face of a .ttc.
// Only what is needed to pick characters every font draws and to name the font in SVG `font-family`.

/** Byte offset of the table directory of face `face` (0 for a plain font file). */
function faceOffset(b: DataView, face = 0): number {
  const tag = b.getUint32(0);
  if (tag !== 0x74746366) return 0; // 'ttcf'
  const n = b.getUint32(8);
  if (face >= n) throw new Error(`font collection has ${n} faces, asked for ${face}`);
  return b.getUint32(12 + 4 * face);
}

function findTable(b: DataView, face: number, want: string): { offset: number; length: number } | null {
  const base = faceOffset(b, face);
  const numTables = b.getUint16(base + 4);
  for (let i = 0; i < numTables; i++) {
    const rec = base + 12 + 16 * i;
    const tag = String.fromCharCode(b.getUint8(rec), b.getUint8(rec + 1), b.getUint8(rec + 2), b.getUint8(rec + 3));
    if (tag === want) return { offset: b.getUint32(rec + 8), length: b.getUint32(rec + 12) };
  }
  return null;
}

/** Every Unicode code point the font maps to a glyph other than .notdef. */
export function fontCoverage(bytes: Uint8Array, face = 0): Set<number> {
  const b = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const cmap = findTable(b, face, 'cmap');
  if (!cmap) throw new Error('font has no cmap table');
  const n = b.getUint16(cmap.offset + 2);
  // Prefer the full-repertoire subtable (3,10) or (0,4/6), then the BMP one (3,1) or (0,3).
  let best: { rank: number; offset: number } | null = null;
  for (let i = 0; i < n; i++) {
    const rec = cmap.offset + 4 + 8 * i;
    const pid = b.getUint16(rec);
    const eid = b.getUint16(rec + 2);
    const off = cmap.offset + b.getUint32(rec + 4);
    const rank = (pid === 3 && eid === 10) || (pid === 0 && (eid === 4 || eid === 6)) ? 2 : (pid === 3 && eid === 1) || pid === 0 ? 1 : 0;
    if (rank && (!best || rank > best.rank)) best = { rank, offset: off };
  }
  if (!best) throw new Error('font has no Unicode cmap subtable');
  const out = new Set<number>();
  const o = best.offset;
  const format = b.getUint16(o);
  if (format === 12) {
    const groups = b.getUint32(o + 12);
    for (let g = 0; g < groups; g++) {
      const r = o + 16 + 12 * g;
      const start = b.getUint32(r);
      const end = b.getUint32(r + 4);
      const glyph = b.getUint32(r + 8);
      for (let c = start; c <= end; c++) if (glyph + (c - start) !== 0) out.add(c);
    }
  } else if (format === 4) {
    const segX2 = b.getUint16(o + 6);
    const ends = o + 14;
    const starts = ends + segX2 + 2;
    const deltas = starts + segX2;
    const ranges = deltas + segX2;
    for (let s = 0; s < segX2 / 2; s++) {
      const end = b.getUint16(ends + 2 * s);
      const start = b.getUint16(starts + 2 * s);
      const delta = b.getInt16(deltas + 2 * s);
      const rangeOff = b.getUint16(ranges + 2 * s);
      for (let c = start; c <= end && c !== 0xffff; c++) {
        let glyph: number;
        if (rangeOff === 0) glyph = (c + delta) & 0xffff;
        else {
          const addr = ranges + 2 * s + rangeOff + 2 * (c - start);
          glyph = b.getUint16(addr);
          if (glyph !== 0) glyph = (glyph + delta) & 0xffff;
        }
        if (glyph !== 0) out.add(c);
      }
    }
  } else throw new Error(`cmap format ${format} not supported`);
  return out;
}

/** The font's family name (name ID 1; Windows/Unicode English record first, else Macintosh Roman). */
export function fontFamily(bytes: Uint8Array, face = 0): string {
  const b = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const name = findTable(b, face, 'name');
  if (!name) throw new Error('font has no name table');
  const count = b.getUint16(name.offset + 2);
  const strings = name.offset + b.getUint16(name.offset + 4);
  let fallback: string | null = null;
  for (let i = 0; i < count; i++) {
    const r = name.offset + 6 + 12 * i;
    const [pid, eid, lang, nid, len, off] = [0, 2, 4, 6, 8, 10].map((k) => b.getUint16(r + k)) as [number, number, number, number, number, number];
    if (nid !== 1) continue;
    if (pid === 3 && (eid === 1 || eid === 10) && lang === 0x409) {
      let s = '';
      for (let k = 0; k < len; k += 2) s += String.fromCharCode(b.getUint16(strings + off + k));
      return s;
    }
    if (pid === 1 && eid === 0 && fallback === null) {
      let s = '';
      for (let k = 0; k < len; k++) s += String.fromCharCode(b.getUint8(strings + off + k));
      fallback = s;
    }
  }
  if (fallback === null) throw new Error('font has no family name');
  return fallback;
}
