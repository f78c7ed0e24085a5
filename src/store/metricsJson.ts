// The metrics JSON a browser run exports: the CLI's metrics.json fields (metricsCore, src/training/resultFiles.ts),
// plus what identifies a browser run (dataset, model, image cap, full config, whether it was stopped early).

import type { RunConfig } from '../training/methods';
import { metricsCore, type MetricsCore } from '../training/resultFiles';
import { sourceLabel } from '../worker/modelSource';
import type { ModelSource, RunRequest, RunResultSummary } from '../worker/protocol';

export interface MetricsJson extends MetricsCore {
  dataset: string;
  /** "default", a preset id, or "files:<name>" (sourceLabel); modelSource says which files. */
  model: string;
  modelSource: ModelSource;
  maxPerClass: number | null;
  config: RunConfig;
  stopped: boolean;
  runtime: 'browser';
}

export function buildMetricsJson(request: RunRequest, r: RunResultSummary, stopped: boolean): MetricsJson {
  return {
    ...metricsCore(request.config, r, r.classNames),
    dataset: request.dataset,
    model: sourceLabel(request.model),
    modelSource: request.model,
    maxPerClass: request.maxPerClass,
    config: request.config,
    stopped,
    runtime: 'browser',
  };
}
