import { describe, expect, it } from 'vitest';
import { presets, type ViTConfig } from '../model/vit/config';
import { initParams } from '../model/vit/params';
import { modelFiles, warmStart } from './pretrainFiles';

describe('warm start (npm run pretrain --init)', () => {
  const config: ViTConfig = { ...presets.tiny, numClasses: 4 };
  const params = initParams(config, 5);
  // A shipped model: no head, the input convention of its recipe, exact (F32) weights, and its pretraining record.
  const files = modelFiles({ ...config, grayscale: true, lightOnDark: true }, params, { dtype: 'F32' });
  const folder = {
    config: files['config.json'],
    weights: files['model.safetensors'],
    preprocessor: files['preprocessor_config.json'],
    pretraining: JSON.stringify({ step: 5000, trainingSeconds: 1920 }),
  };

  it('keeps the architecture and every backbone weight, adds a fresh seeded head for the new classes', () => {
    const w = warmStart(folder, 'public/models/default', 7, 3);
    const { grayscale: _g, lightOnDark: _l, ...architecture } = { ...config, numClasses: 7 };
    expect(w.config).toEqual(architecture); // the convention is the new recipe's, not the folder's
    for (const [name, t] of params) if (!name.startsWith('head.')) expect(Array.from(w.params.get(name)!), name).toEqual(Array.from(t));
    expect(w.params.get('head.weight')!.length).toBe(7 * config.width);
    expect(Array.from(w.params.get('head.bias')!)).toEqual(new Array(7).fill(0));
    expect(Array.from(w.params.get('head.weight')!)).toEqual(Array.from(warmStart(folder, 'x', 7, 3).params.get('head.weight')!));
    expect(Array.from(w.params.get('head.weight')!)).not.toEqual(Array.from(warmStart(folder, 'x', 7, 4).params.get('head.weight')!));
    expect(w.info).toEqual({ from: 'public/models/default', step: 5000, trainingSeconds: 1920, pretraining: { step: 5000, trainingSeconds: 1920 } });
  });

  it('a model without pretraining.json (a converted checkpoint) is recorded without steps', () => {
    expect(warmStart({ ...folder, pretraining: undefined }, 'm', 2, 1).info).toEqual({ from: 'm', step: null, trainingSeconds: null, pretraining: null });
  });

  it('refuses shape flags that differ from the model, naming the flag to drop; equal ones pass', () => {
    expect(() => warmStart(folder, 'm', 2, 1, { depth: 3, patchSize: 2 })).toThrow(/that model has depth 2, patchSize 4; .*drop --depth, --patch/);
    expect(warmStart(folder, 'm', 2, 1, { depth: 2, width: 16 }).config.depth).toBe(2);
  });

  it('a wrong file gets the loader’s message', () => {
    expect(() => warmStart({ ...folder, weights: new Uint8Array(16) }, 'm', 2, 1)).toThrow(/model\.safetensors/);
  });
});
