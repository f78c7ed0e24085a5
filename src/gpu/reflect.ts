// Minimal WGSL reflection: module-scope bindings, which of them each entry point reaches
// (through the functions it calls), uniform struct layouts and `override` declarations.
// It lets launchers bind tensors and uniforms by name, and catches TS/WGSL drift at the first dispatch.

export interface BindingDecl {
  group: number;
  binding: number;
  name: string;
  /** 'texture': a `texture_*` variable (no address space), e.g. `var tb: texture_storage_2d<rgba32float, read>;`. */
  space: 'storage' | 'uniform' | 'texture';
  access: 'read' | 'read_write';
  type: string;
}

export interface UniformField {
  name: string;
  type: 'u32' | 'i32' | 'f32';
  offset: number; // bytes
}

export interface EntryReflection {
  name: string;
  bindings: BindingDecl[]; // only those the entry point (transitively) references
}

export interface ShaderReflection {
  bindings: BindingDecl[];
  entries: Map<string, EntryReflection>;
  structs: Map<string, UniformField[] | null>; // null: not a flat scalar struct
  overrides: Set<string>;
}

function stripComments(src: string): string {
  return src.replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/\/\/[^\n]*/g, ' ');
}

/** Finds `fn name(...)` bodies with brace matching; returns name → {body, isEntry}. */
function functions(src: string): Map<string, { body: string; isEntry: boolean }> {
  const out = new Map<string, { body: string; isEntry: boolean }>();
  const re = /((?:@\w+(?:\([^)]*\))?\s*)*)fn\s+(\w+)\s*\(/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(src)) !== null) {
    const attrs = m[1] ?? '';
    const name = m[2]!;
    const open = src.indexOf('{', m.index + m[0].length);
    if (open < 0) break;
    let depth = 0;
    let end = open;
    for (; end < src.length; end++) {
      const c = src[end];
      if (c === '{') depth++;
      else if (c === '}') {
        depth--;
        if (depth === 0) break;
      }
    }
    // Signature (parameters) can mention nothing global; the body is what matters.
    out.set(name, { body: src.slice(open, end + 1), isEntry: /@compute\b/.test(attrs) });
    re.lastIndex = end + 1;
  }
  return out;
}

const scalarSize: Record<string, number> = { u32: 4, i32: 4, f32: 4 };

export function reflect(source: string): ShaderReflection {
  const src = stripComments(source);
  const bindings: BindingDecl[] = [];
  const bre = /@group\((\d+)\)\s*@binding\((\d+)\)\s*var\s*(?:<\s*(\w+)\s*(?:,\s*(\w+))?\s*>)?\s+(\w+)\s*:\s*([^;]+);/g;
  let m: RegExpExecArray | null;
  while ((m = bre.exec(src)) !== null) {
    const type = m[6]!.trim();
    // Handle types (textures) are declared without an address space; everything else here is a buffer.
    const space = m[3] === 'uniform' ? 'uniform' : m[3] === undefined && /^texture_/.test(type) ? 'texture' : 'storage';
    bindings.push({
      group: Number(m[1]),
      binding: Number(m[2]),
      space,
      access: m[4] === 'read_write' ? 'read_write' : 'read',
      name: m[5]!,
      type,
    });
  }

  const structs = new Map<string, UniformField[] | null>();
  const sre = /struct\s+(\w+)\s*\{([^}]*)\}/g;
  while ((m = sre.exec(src)) !== null) {
    const fields: UniformField[] = [];
    let flat = true;
    for (const part of m[2]!.split(',')) {
      const f = part.trim();
      if (!f) continue;
      const fm = /^(?:@\w+(?:\([^)]*\))?\s*)*(\w+)\s*:\s*(\w+)$/.exec(f);
      if (!fm || !(fm[2]! in scalarSize)) {
        flat = false;
        break;
      }
      fields.push({ name: fm[1]!, type: fm[2] as UniformField['type'], offset: fields.length * 4 });
    }
    structs.set(m[1]!, flat ? fields : null);
  }

  const overrides = new Set<string>();
  const ore = /\boverride\s+(\w+)/g;
  while ((m = ore.exec(src)) !== null) overrides.add(m[1]!);

  const fns = functions(src);
  const idsOf = new Map<string, Set<string>>();
  for (const [name, fn] of fns) idsOf.set(name, new Set(fn.body.match(/(?<![.\w])[A-Za-z_]\w*/g) ?? []));
  const entries = new Map<string, EntryReflection>();
  for (const [name, fn] of fns) {
    if (!fn.isEntry) continue;
    const seen = new Set<string>([name]);
    const stack = [name];
    const ids = new Set<string>();
    while (stack.length) {
      const f = stack.pop()!;
      for (const id of idsOf.get(f) ?? []) {
        ids.add(id);
        if (fns.has(id) && !seen.has(id)) {
          seen.add(id);
          stack.push(id);
        }
      }
    }
    entries.set(name, { name, bindings: bindings.filter((b) => ids.has(b.name)) });
  }
  return { bindings, entries, structs, overrides };
}

/** Byte size of a flat uniform struct, rounded up to 16 as WGSL requires. */
export function uniformSize(fields: UniformField[]): number {
  return Math.max(16, Math.ceil((fields.length * 4) / 16) * 16);
}
