import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../training/methods';
import { configFileText, parseConfigFile } from './configFile';

describe('config file', () => {
  it('round-trips a run request', () => {
    const request = { dataset: 'split-fashion-mnist', model: 'tiny' as const, maxPerClass: 8, config: { ...DEFAULT_CONFIG, rank: 2, seed: 3 } };
    const back = parseConfigFile(configFileText(request));
    expect(back).toEqual({ config: request.config, dataset: request.dataset, model: 'tiny', maxPerClass: 8 });
  });
  it("reads the CLI's config.json (its model names are not browser models)", () => {
    const back = parseConfigFile(JSON.stringify({ run: { ...DEFAULT_CONFIG, epochs: 2 }, data: 'emoji-styles', model: 'random:small32' }));
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
