// The α explorer on a real run (Dawn/lavapipe): a tiny two-task run on synthetic images, then the explorer built
// from its final state and per-task snapshots. At 1× (every α as trained) it must give exactly the runner's last
// accuracy row, and the walk at λ = 1 the run after task b; switching the magnitudes off must change the loss.
import { expect, it } from 'vitest';
import { presets, type ViTConfig } from '../model/vit/config';
import { describeGpu } from '../testing/gpu';
import { quadrantColourImages } from '../testing/syntheticImages';
import { randomParams } from '../testing/vitFixtures';
import { runExperiment } from '../training/experiment';
import { parseRunConfig, type MethodName, type MethodState } from '../training/methods';
import { RunExplorer } from './explorer';

const config: ViTConfig = { ...presets.tiny, imageSize: 8, patchSize: 4 };
const model = { config, params: new Map([...randomParams(config, 5)].filter(([k]) => !k.startsWith('head.'))) };


await describeGpu('α explorer', (ctx) => {
  for (const method of ['sdlora', 'seq-lora'] as MethodName[]) {
    it(`${method}: 1× reproduces the run's last row, λ = 1 the run after task 2, α off moves the loss`, async () => {
      const cfg = parseRunConfig({ tasks: 2, epochs: 2, batchSize: 4, learningRate: 0.05, seed: 3, method, augment: false });
      const data = quadrantColourImages(12, 5);
      const snapshots = new Map<number, MethodState>();
      const result = await runExperiment(ctx(), model, data, cfg, { onCheckpoint: (done, r) => void snapshots.set(done - 1, { ...r.state }) });
      const explorer = await RunExplorer.create(ctx(), { ...config, numClasses: 4 }, cfg, result, snapshots, data);
      expect(explorer.info.images).toBe(20); // the whole test set: 4 classes × 5
      expect(explorer.info.snapshots).toEqual([0, 1]);
      expect(explorer.info.components.length).toBe(method === 'sdlora' ? 2 : 1);

      const ones = explorer.info.components.map(() => 1);
      const asTrained = await explorer.explore(ones);
      const plain = ({ correct, total }: { correct: number; total: number }) => ({ correct, total }); // the explorer counts no diagnostics
      expect(asTrained.counts).toEqual(result.counts[1]!.map(plain));

      const walk = await explorer.walk(0, 1, [0, 1]);
      const [o, n] = result.counts[1]!.map(plain);
      expect(walk[1]!.old).toEqual(o);
      expect(walk[1]!.new).toEqual(n);
      expect(walk[0]!.old.total).toBe(o!.total);

      const off = await explorer.explore(ones.map(() => 0));
      expect(off.loss).not.toEqual(asTrained.loss);
      expect(off.counts.map((c) => c.total)).toEqual(asTrained.counts.map((c) => c.total));
    });
  }
});
