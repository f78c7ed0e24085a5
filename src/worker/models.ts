// The models a run request can name, built in the worker: configs from src/model/vit/config.ts presets,
// weights from initParams (seed 1, as the CLI's `--model random:<preset>`), without a head (the runner grows one).

import { presets, validateConfig, type ViTConfig } from '../model/vit/config';
import { initParams, type ParamTable } from '../model/vit/params';
import type { ModelId } from './protocol';

const configs: Record<ModelId, ViTConfig> = {
  small32: presets.small32,
  tiny: { ...presets.tiny, imageSize: 8 },
};

/** Config and freshly initialised backbone weights of a model choice. */
export function buildModel(id: ModelId): { config: ViTConfig; params: ParamTable } {
  const config = validateConfig(configs[id]);
  const params: ParamTable = new Map([...initParams(config, 1)].filter(([name]) => !name.startsWith('head.')));
  return { config, params };
}
