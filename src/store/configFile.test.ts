import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../training/methods';
import type { ModelSource } from '../worker/protocol';
import { configFileText, parseConfigFile } from './configFile';

describe('config file', () => {
  it('round-trips a run request', () => {
    const request = { dataset: 'split-fashion-mnist', model: { kind: 'preset', id: 'tiny' } as const, maxPerClass: 8, config: { ...DEFAULT_CONFIG, rank: 2, seed: 3 } };
    const text = configFileText(request);
    expect(JSON.parse(text)).toMatchObject({ model: 'tiny', data: 'split-fashion-mnist' });
    const back = parseConfigFile(text);
    expect(back).toEqual({ config: request.config, dataset: request.dataset, model: request.model, maxPerClass: 8 });
  });
  it('records the embedded default and the name and files of a user model', () => {
    const def = { dataset: 'emoji-styles', model: { kind: 'default' } as const, maxPerClass: null, config: DEFAULT_CONFIG };
    expect(JSON.parse(configFileText(def)).model).toBe('default');
    expect(parseConfigFile(configFileText(def)).model).toEqual({ kind: 'default' });
    const files: ModelSource = { kind: 'files', name: 'my-vit', format: 'checkpoint', files: ['config.json', 'model.safetensors'] };
    const text = configFileText({ ...def, model: files });
    expect(JSON.parse(text)).toMatchObject({ model: 'files', modelFiles: { name: 'my-vit', format: 'checkpoint', files: ['config.json', 'model.safetensors'] } });
    expect(parseConfigFile(text).model).toEqual(files);
  });
  it("reads the CLI's config.json: random:<preset> and default are browser models, a folder path is not", () => {
    expect(parseConfigFile(JSON.stringify({ run: DEFAULT_CONFIG, model: 'random:small32' })).model).toEqual({ kind: 'preset', id: 'small32' });
    expect(parseConfigFile(JSON.stringify({ run: DEFAULT_CONFIG, model: 'default' })).model).toEqual({ kind: 'default' });
    const back = parseConfigFile(JSON.stringify({ run: { ...DEFAULT_CONFIG, epochs: 2 }, data: 'emoji-styles', model: 'runs/my-model' }));
    expect(back.model).toBeUndefined();
    expect(back.maxPerClass).toBeUndefined();
    expect(back.dataset).toBe('emoji-styles');
    expect(back.config.epochs).toBe(2);
  });
  it('rejects files that are not configs', () => {
    expect(() => parseConfigFile('{')).toThrow(/not JSON/);
    expect(() => parseConfigFile('{"a":1}')).toThrow(/"run"/);
    expect(() => parseConfigFile('{"run":{"rank":0}}')).toThrow(/rank/);
  });
});
