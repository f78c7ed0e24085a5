import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  plugins: [react()],
  server: { fs: { allow: ['.'] } },
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['src/**/*.test.ts', 'bench/**/*.test.ts'],
          exclude: ['src/**/*.gpu.test.ts', 'node_modules/**'],
          environment: 'node',
        },
      },
      {
        extends: true,
        test: {
          name: 'gpu',
          include: ['src/**/*.gpu.test.ts'],
          environment: 'node',
          // One software GPU on 2 cores: run GPU files one at a time.
          fileParallelism: false,
          // lavapipe compiles each pipeline at its first dispatch (0.3–8 s, more on a loaded machine); on a fresh
          // machine the Mesa shader cache is cold, so the first test of a file may compile dozens of pipelines.
          testTimeout: 600_000,
          hookTimeout: 600_000,
        },
      },
    ],
  },
});
