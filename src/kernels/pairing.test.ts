// Every shader is a quartet: shaders/<op>.wgsl, its launcher src/kernels/<op>.ts, its float64
// reference src/reference/<op>.ts with a finite-difference/reference test, and a GPU-vs-reference
// test src/kernels/<op>.gpu.test.ts. Every @compute entry point is launched by name from the launcher.

import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { reflect } from '../gpu/reflect';
import { repoRoot } from '../platform/node';

const shaderDir = join(repoRoot, 'shaders');
const stems = readdirSync(shaderDir)
  .filter((f) => f.endsWith('.wgsl'))
  .map((f) => f.slice(0, -5));

describe('kernel quartets', () => {
  it('finds shaders', () => expect(stems.length).toBeGreaterThan(0));
  for (const stem of stems) {
    it(`${stem}: launcher, reference and tests exist, every entry point is launched`, () => {
      const need = [
        `src/kernels/${stem}.ts`,
        `src/kernels/${stem}.gpu.test.ts`,
        `src/reference/${stem}.ts`,
        `src/reference/${stem}.test.ts`,
      ];
      const missing = need.filter((p) => !existsSync(join(repoRoot, p)));
      expect(missing, `missing files for shaders/${stem}.wgsl`).toEqual([]);
      const launcher = readFileSync(join(repoRoot, `src/kernels/${stem}.ts`), 'utf8');
      const entries = [...reflect(readFileSync(join(shaderDir, `${stem}.wgsl`), 'utf8')).entries.keys()];
      expect(entries.length, `shaders/${stem}.wgsl has no @compute entry point`).toBeGreaterThan(0);
      const unlaunched = entries.filter((e) => !launcher.includes(`'${e}'`));
      expect(unlaunched, `entry points of ${stem}.wgsl never launched from src/kernels/${stem}.ts`).toEqual([]);
    });
  }
});
