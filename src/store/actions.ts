// Module-level store actions: the form, the model sources (the embedded default's check, the user's model files),
// the GPU probe, the engine self-check, and the bridge from the training worker's messages (TrainingEvents first
// of all) to state. Callers pass `nowMs` so the store stays clock-free. A finished run also becomes a record for
// overlays (./history.ts), the α explorer's messages go to ./explorer.ts, and every message is shown to the teaching
// tour (./teaching.ts); the user actions of those features are in ./analysisActions.ts.

import type { BuiltinIndexEntry } from '../data/builtin';
import type { TrainingEvent } from '../training/experiment';
import type { RunConfig } from '../training/methods';
import type { ModelSource, RunRequest, RunResultSummary, WorkerMessage } from '../worker/protocol';
import { sameSource, type SourceKey } from '../worker/modelSource';
import type { SavedRun } from '../worker/runStore';
import { continualMetrics } from '../training/metrics';
import { parseConfigFile } from './configFile';
import { applyExplored, applyExploreFailed, applyWalked, explorerFromInfo, explorerWaiting, noExplorer } from './explorer';
import { addRecord, recordOf } from './history';
import { buildMetricsJson } from './metricsJson';
import { PRESETS } from './presets';
import { appendPoint, emptySeries, type AlphaPoint, type LossPoint } from './series';
import { FOLDER_DATASET } from '../worker/protocol';
import { formOrder, moveInOrder, parseOrderText, withOrder } from './classOrder';
import { datasetEntry, measureBasis, defaultBackbone, folderEntry, emptyRunData, initialRun, isActive, modelStatus, noMergedModel, store, type EngineCheck, type FilesSource, type GpuStatus, type PlaygroundState, type RunForm, type RunProgress } from './state';
import { teachingEnded, teachingOnMessage } from './teaching';
import { validateForm } from './validate';

const set = store.setState;
const get = store.getState;

// ---- form ------------------------------------------------------------------------------------

/** A preset's model as this copy can run it (the embedded default, or small32 without it). */
const presetModel = (s: PlaygroundState, m: ModelSource): ModelSource => (m.kind === 'default' ? defaultBackbone(s) : m);

const presetMatching = (form: Omit<RunForm, 'preset'>): string | null => presetMatchingIn(get(), form);

function updateForm(patch: Partial<Omit<RunForm, 'preset' | 'config'>>, config: Partial<RunConfig> = {}): void {
  const prev = get().form;
  const next = { ...prev, ...patch, config: { ...prev.config, ...config } };
  // An edited class order belongs to one data set and one seed: another one starts again from the seeded order,
  // and so does a whole config (a config file, an earlier run's request) that brings no order of its own.
  const whole = 'method' in config && 'seed' in config;
  const keepsOrder = 'classOrder' in config || (!whole && next.dataset === prev.dataset && next.config.seed === prev.config.seed);
  if (!keepsOrder || next.config.classOrder === undefined) delete next.config.classOrder;
  set({ form: { ...next, preset: presetMatching(next) }, formErrors: [], formNotice: null });
}

export const setDataset = (dataset: string) => updateForm({ dataset });

/** The model select: the embedded default, a preset, or the user's files once they were read. */
export function setModel(key: SourceKey): void {
  if (key === 'default') updateForm({ model: { kind: 'default' } });
  else if (key === 'files') {
    const accepted = get().userModel.accepted;
    if (accepted) updateForm({ model: accepted.source });
  } else updateForm({ model: { kind: 'preset', id: key } });
}
export const setMaxPerClass = (maxPerClass: number | null) => updateForm({ maxPerClass });
export const setConfig = (config: Partial<RunConfig>) => updateForm({}, config);

/** The form takes a run's request (data, model, cap, config), with `config` changed on top. */
export function formFromRequest(request: RunRequest, config: Partial<RunConfig> = {}): void {
  const { dataset, model, maxPerClass } = request;
  updateForm({ dataset, model, maxPerClass }, { ...request.config, ...config });
}

/** "Open config…": the form takes a config file's settings (src/store/configFile.ts); a bad file only shows an error. */
export function loadConfigText(text: string, fileName: string): void {
  let parsed: ReturnType<typeof parseConfigFile>;
  try {
    parsed = parseConfigFile(text);
  } catch (e) {
    set({ formErrors: [`${fileName}: ${(e as Error).message.replace(/^invalid run config: /, '')}`] });
    return;
  }
  const patch: Partial<Omit<RunForm, 'preset' | 'config'>> = {};
  if (parsed.dataset !== undefined) patch.dataset = parsed.dataset;
  if (parsed.maxPerClass !== undefined) patch.maxPerClass = parsed.maxPerClass;
  let notice: string | null = null;
  const m = parsed.model;
  if (m?.kind === 'files') {
    // The page cannot reopen the user's files: take them only if the same model is loaded.
    const accepted = get().userModel.accepted;
    if (accepted && accepted.source.name === m.name && accepted.source.format === m.format) patch.model = accepted.source;
    else
      notice = `${fileName} was run on your model "${m.name}" (${m.files.join(' + ')}): pick those files again under Model (the page cannot reopen them); until then the form keeps its model.`;
  } else if (m?.kind === 'default' && defaultBackbone(get()).kind !== 'default') {
    patch.model = defaultBackbone(get());
    notice = `${fileName} was run on the embedded default model, which this copy does not have: the untrained small32 is selected instead.`;
  } else if (m) patch.model = m;
  updateForm(patch, parsed.config);
  if (notice) set({ formNotice: notice });
}

export function applyPreset(id: string): void {
  const p = PRESETS.find((x) => x.id === id);
  if (!p) return;
  set({ form: { preset: p.id, dataset: p.dataset, model: presetModel(get(), p.model), maxPerClass: p.maxPerClass, config: { ...p.config } }, formErrors: [], formNotice: null });
}

// ---- models -------------------------------------------------------------------------------------

/** The user picked or dropped model files; the worker reads them (key identifies this pick in its answer).
 *  source null: the names alone already say they are not a model (error). The form keeps its model until
 *  the files are read and found usable. */
export function modelFilesPicked(key: string, name: string, source: FilesSource | null, error: string | null = null): void {
  set((s) => ({ userModel: { ...s.userModel, pending: { key, name, source, status: error ? 'failed' : 'checking', error } } }));
}

/** The default model (and the worker's device) as the worker found them. */
function applyModelMessage(s: PlaygroundState, m: Extract<WorkerMessage, { type: 'modelChecked' | 'modelFailed' }>): PlaygroundState {
  const limits = m.limits ?? s.deviceLimits;
  if (m.key === 'default') {
    const defaultModel: PlaygroundState['defaultModel'] =
      m.type === 'modelChecked' ? { status: 'ready', info: m.info, error: null } : { status: m.absent ? 'absent' : 'failed', info: null, error: m.message };
    let next: PlaygroundState = { ...s, defaultModel, deviceLimits: limits };
    // Without a usable default the form falls back to the untrained small32 (unless a run is using the form).
    if (defaultModel.status !== 'ready' && s.form.model.kind === 'default' && !isActive(s.run.status)) {
      const form = { ...s.form, model: defaultBackbone(next) };
      next = { ...next, form };
    }
    return { ...next, form: { ...next.form, preset: presetMatchingIn(next, next.form) } };
  }
  const pending = s.userModel.pending;
  if (!pending || pending.key !== m.key || !pending.source) return { ...s, deviceLimits: limits };
  if (m.type === 'modelFailed') return { ...s, deviceLimits: limits, userModel: { ...s.userModel, pending: { ...pending, status: 'failed', error: m.message } } };
  const accepted = { key: pending.key, source: pending.source, info: m.info };
  const canSelect = !isActive(s.run.status);
  const form = canSelect ? { ...s.form, model: pending.source } : s.form;
  return { ...s, deviceLimits: limits, userModel: { accepted, pending: null }, form: { ...form, preset: presetMatchingIn(s, form) }, formErrors: [] };
}

/** The preset the form still equals, if any, in state `s` (which may not be the store's yet). */
function presetMatchingIn(s: PlaygroundState, form: Omit<RunForm, 'preset'>): string | null {
  return (
    PRESETS.find(
      (p) =>
        p.dataset === form.dataset &&
        sameSource(presetModel(s, p.model), form.model) &&
        p.maxPerClass === form.maxPerClass &&
        JSON.stringify(p.config) === JSON.stringify(form.config),
    )?.id ?? null
  );
}

// ---- environment -------------------------------------------------------------------------------

export const gpuProbed = (gpu: GpuStatus) => set({ gpu });
export const datasetsLoaded = (datasets: BuiltinIndexEntry[]) => set({ datasets, datasetsError: null });
export const datasetsFailed = (message: string) => set({ datasetsError: message });

// ---- the user's folder --------------------------------------------------------------------------

/** A folder was picked or dropped: it becomes the data set and the worker checks it. */
export function folderPicked(name: string, files: number): void {
  set({ folder: { name, files, status: 'scanning', done: 0, total: files, summary: null, error: null }, previews: { ...get().previews, [FOLDER_DATASET]: { dataset: FOLDER_DATASET, status: 'loading', classes: [], error: null } } });
  updateForm({ dataset: FOLDER_DATASET });
}

export function folderPickFailed(message: string): void {
  set({ folder: { name: '', files: 0, status: 'failed', done: 0, total: 0, summary: null, error: message } });
}

// ---- data preview, class order, time estimate ------------------------------------------------------

/** The worker was asked for a data set's counts and thumbnails. */
export const previewRequested = (dataset: string) => set((s) => ({ previews: { ...s.previews, [dataset]: { dataset, status: 'loading', classes: [], error: null } } }));

function applyPreview(s: PlaygroundState, m: Extract<WorkerMessage, { type: 'preview' | 'previewFailed' }>): PlaygroundState {
  const preview = m.type === 'preview' ? { dataset: m.dataset, status: 'ready' as const, classes: m.classes, error: null } : { dataset: m.dataset, status: 'failed' as const, classes: [], error: m.message };
  return { ...s, previews: { ...s.previews, [m.dataset]: preview } };
}

/** The order the form's run would use now (seeded or edited), or null when the data set or task count do not allow one. */
function currentOrder(): number[] | null {
  const s = get();
  const entry = datasetEntry(s, s.form.dataset);
  return entry ? formOrder(s.form.config, entry.classes).view?.order ?? null : null;
}

/** Moves the class at `position` of the order up (−1) or down (+1); across a task border it changes task. */
export function moveClass(position: number, delta: number): void {
  const order = currentOrder();
  if (order) setConfig(withOrder(get().form.config, moveInOrder(order, position, delta)));
}

/** An order typed by the user (class names or ids); returns why it cannot be used, or null when taken. */
export function setClassOrderText(text: string, classNames: readonly string[]): string | null {
  const { order, error } = parseOrderText(text, classNames);
  if (!order) return error;
  setConfig(withOrder(get().form.config, order));
  return null;
}

/** Back to the seeded order (the authors' permutation of the form's seed). */
export const resetClassOrder = () => setConfig(withOrder(get().form.config, null));

/** The form as a worker request, or null after showing why not (against the data sets, the model and the device). */
function validatedRequest(s: PlaygroundState): RunRequest | null {
  const fe = folderEntry(s.folder);
  const model = modelStatus(s, s.form.model);
  const { request, errors } = validateForm(s.form, [...(s.datasets ?? []), ...(fe ? [fe] : [])], { info: model.info, error: model.error, limits: s.deviceLimits });
  if (!request) set({ formErrors: errors });
  return request;
}

/** Validates the form for a warm-up; on success marks it measuring under `key` and returns the request. */
export function measureRequested(key: string): RunRequest | null {
  const s = get();
  const request = validatedRequest(s);
  if (!request) return null;
  set({ estimate: { status: 'measuring', key, basis: measureBasis(s.form), measured: null, error: null }, formErrors: [] });
  return request;
}

/** The worker was terminated (Stop) before it answered a measurement. */
export function measureAbandoned(): void {
  set((s) => (s.estimate.status === 'measuring' ? { estimate: { ...s.estimate, status: 'failed', error: 'the worker was stopped before it finished; measure again' } } : {}));
}

export const engineChecksStarted = () => set({ engine: { running: true, results: [] } });
export const engineCheckFinished = (r: EngineCheck) => set((s) => ({ engine: { ...s.engine, results: [...s.engine.results, r] } }));
export const engineChecksDone = () => set((s) => ({ engine: { ...s.engine, running: false } }));

// ---- run lifecycle -----------------------------------------------------------------------------

/** Per-step logs for the export of a stopped run (not state: no component renders them). */
const emptyRaw = () => ({ alpha: [] as number[][][], loss: [] as number[][], wallSeconds: [] as number[], imagesPerSec: [] as number[], trainableParams: [] as number[], featureDrift: [] as number[] });
let raw = emptyRaw();

/** Validates the form; on success resets the run state and returns the request to send to the worker. */
export function requestRun(nowMs: number): RunRequest | null {
  const request = validatedRequest(get());
  if (request) resetRun(request, nowMs);
  return request;
}

function resetRun(request: RunRequest, nowMs: number): void {
  raw = emptyRaw();
  set({
    formErrors: [],
    interrupted: null,
    run: { ...initialRun(), status: 'preparing', detail: 'Starting…', request, startedAtMs: nowMs },
    ...emptyRunData(),
    formNotice: null,
    currentRunId: null,
    explorer: noExplorer(),
  });
}

// ---- an interrupted run (saved in OPFS by the worker) ----------------------------------------------

export const interruptedFound = (interrupted: SavedRun | null) => set({ interrupted });
export const interruptedDiscarded = () => set({ interrupted: null });

/** Resume of a saved run: the form shows its settings, and the run state starts over (the worker then sends
 *  the completed tasks' results in a 'resumedFrom' message). */
export function resumeRequested(saved: SavedRun, nowMs: number): void {
  const { dataset, model, maxPerClass, config } = saved.request;
  updateForm({ dataset, model, maxPerClass }, config);
  resetRun(saved.request, nowMs);
}

type ResumedFrom = Extract<WorkerMessage, { type: 'resumedFrom' }>;

/** The completed tasks of a resumed run back into state: matrix, residuals, and the α / loss series. */
function applyResumed(s: PlaygroundState, m: ResumedFrom): PlaygroundState {
  raw = {
    alpha: m.alpha.slice(),
    loss: m.loss.slice(),
    wallSeconds: m.wallSeconds.slice(),
    imagesPerSec: m.imagesPerSec.slice(),
    trainableParams: m.trainableParams.slice(),
    featureDrift: m.featureDrift?.slice() ?? [],
  };
  let alpha = emptySeries<AlphaPoint>();
  let loss = emptySeries<LossPoint>();
  const taskStarts: number[] = [];
  let step = 0;
  m.loss.forEach((losses, t) => {
    taskStarts.push(step);
    losses.forEach((l, i) => {
      step++;
      const edge = i === 0 || i === losses.length - 1;
      const a = m.alpha[t]?.[i];
      if (a?.length) alpha = appendPoint(alpha, { step, task: t, alpha: a }, edge);
      loss = appendPoint(loss, { step, task: t, loss: l }, edge);
    });
  });
  return {
    ...s,
    counts: m.counts,
    metrics: m.counts.length ? continualMetrics(m.counts) : null,
    lsResidual: m.lsResidual,
    featureDrift: m.featureDrift?.slice() ?? [],
    alpha,
    loss,
    taskStarts,
    run: { ...s.run, globalStep: step, task: m.done, checkpointed: m.done },
  };
}

const activeSeconds = (run: PlaygroundState['run'], nowMs: number) =>
  Math.max(0, ((run.pausedAtMs ?? nowMs) - run.startedAtMs - run.pausedTotalMs) / 1000);

function applyEvent(s: PlaygroundState, e: TrainingEvent, nowMs: number): Partial<PlaygroundState> {
  switch (e.type) {
    case 'runStarted':
      return {
        run: { ...s.run, status: s.run.status === 'paused' ? 'paused' : 'running', classOrder: e.classOrder, tasks: e.tasks, totalSteps: e.totalSteps, detail: 'Compiling shaders and running the first step…' },
      };
    case 'taskStarted':
      raw.alpha[e.task] = [];
      raw.loss[e.task] = [];
      return { run: { ...s.run, task: e.task }, taskStarts: [...s.taskStarts.slice(0, e.task), s.run.globalStep] };
    case 'stepCompleted': {
      raw.alpha[e.task]!.push(e.alpha);
      raw.loss[e.task]!.push(e.loss);
      const stepsInTask = s.run.totalSteps / Math.max(1, s.run.tasks.length);
      const lastOfTask = Number.isInteger(stepsInTask) && e.step === stepsInTask;
      // A task's first step also compiles pipelines: it counts only until a steady step replaces it.
      const ips = s.run.globalStep <= 1 || !s.run.imagesPerSec ? e.imagesPerSec : e.step === 1 ? s.run.imagesPerSec : 0.8 * s.run.imagesPerSec + 0.2 * e.imagesPerSec;
      return {
        run: {
          ...s.run,
          globalStep: e.globalStep,
          totalSteps: e.totalSteps,
          imagesPerSec: ips,
          firstStepSeconds: s.run.firstStepSeconds ?? activeSeconds(s.run, nowMs),
        },
        alpha: e.alpha.length ? appendPoint(s.alpha, { step: e.globalStep, task: e.task, alpha: e.alpha }, lastOfTask || e.step === 1) : s.alpha,
        loss: appendPoint(s.loss, { step: e.globalStep, task: e.task, loss: e.loss }, lastOfTask || e.step === 1),
      };
    }
    case 'taskFinished':
      raw.wallSeconds[e.task] = e.seconds;
      raw.imagesPerSec[e.task] = e.imagesPerSec;
      raw.trainableParams[e.task] = e.trainableParams;
      raw.featureDrift[e.task] = e.featureDrift;
      return {
        counts: [...s.counts.slice(0, e.task), e.counts],
        metrics: e.metrics,
        lsResidual: [...s.lsResidual.slice(0, e.task), e.lsResidual],
        featureDrift: [...s.featureDrift.slice(0, e.task), e.featureDrift],
      };
    case 'trainingWarning':
      return { warnings: [...s.warnings, e.message] };
    case 'imageSkipped':
      return { skipped: [...s.skipped, { path: e.path, reason: e.reason }] };
  }
}

/** Applies a batch of worker messages (events arrive in bursts; one store update per batch). */
export function workerMessages(messages: WorkerMessage[], nowMs: number): void {
  set((s0) => {
    let s: PlaygroundState = s0;
    for (const m of messages) {
      // The tour reads each message against the state before it (class names, the run's method).
      if (s.teaching) s = { ...s, teaching: m.type === 'failed' ? teachingEnded(s.teaching, `The run failed: ${m.message}`) : teachingOnMessage(s.teaching, s, m) };
      if (m.type === 'event') s = { ...s, ...applyEvent(s, m.event, nowMs) };
      else if (m.type === 'phase') s = { ...s, run: { ...s.run, detail: m.detail } };
      else if (m.type === 'dataLoaded') s = { ...s, run: { ...s.run, adapter: m.adapter, classNames: m.classNames, trainImages: m.trainImages, testImages: m.testImages } };
      else if (m.type === 'finished') s = finish(s, m.result, nowMs, m.loraBank ?? null);
      else if (m.type === 'resumedFrom') s = applyResumed(s, m);
      else if (m.type === 'checkpointSaved') s = { ...s, run: m.saveError ? { ...s.run, saveError: m.saveError } : { ...s.run, checkpointed: m.done, saveError: null } };
      else if (m.type === 'folderProgress') s = s.folder ? { ...s, folder: { ...s.folder, done: m.done, total: m.total } } : s;
      else if (m.type === 'folderScanned') s = s.folder ? { ...s, folder: { ...s.folder, status: 'ready', summary: m.summary, done: s.folder.total } } : s;
      else if (m.type === 'folderFailed') s = s.folder ? { ...s, folder: { ...s.folder, status: 'failed', error: m.message } } : s;
      else if (m.type === 'modelChecked' || m.type === 'modelFailed') s = applyModelMessage(s, m);
      else if (m.type === 'preview' || m.type === 'previewFailed') s = applyPreview(s, m);
      else if (m.type === 'measured' || m.type === 'measureFailed') {
        if (s.estimate.key !== m.key) continue; // an answer to a measurement since replaced
        s = { ...s, estimate: m.type === 'measured' ? { ...s.estimate, status: 'ready', measured: m.measured, error: null } : { ...s.estimate, status: 'failed', error: m.message } };
      }
      else if (m.type === 'mergedModel') {
        // Only for the run that just finished (a new run resets it; a late answer must not land on that one).
        if (s.run.status !== 'finished') continue;
        s = {
          ...s,
          mergedModel:
            m.status === 'checking'
              ? { ...noMergedModel(), status: 'checking' }
              : m.status === 'ready'
                ? { status: 'ready', onnx: m.onnx, check: m.check, message: null }
                : { status: m.status, onnx: null, check: m.check, message: m.message },
        };
      } else if (m.type === 'explorerReady' || m.type === 'explorerUnavailable') {
        // Only for the run that just finished (a run started since has reset the explorer).
        if (s.run.status !== 'finished' || s.explorer.status !== 'waiting') continue;
        s = { ...s, explorer: m.type === 'explorerReady' ? explorerFromInfo(m.info) : { ...noExplorer(), status: 'unavailable', message: m.message } };
      } else if (m.type === 'explored') s = { ...s, explorer: applyExplored(s.explorer, m) };
      else if (m.type === 'walked') s = { ...s, explorer: applyWalked(s.explorer, m) };
      else if (m.type === 'exploreFailed') s = { ...s, explorer: applyExploreFailed(s.explorer, m) };
      else s = { ...s, run: { ...s.run, status: 'failed', detail: m.message }, queue: [] };
    }
    return { ...s, run: withClock(s.run, nowMs) };
  });
}

/**
 * Elapsed active time and ETA. The ETA spreads the active time since the first step (which also compiled the
 * pipelines) over the steps since, so evaluations and later compiles count; before a second step it falls back
 * to the throughput of the steps alone.
 */
function withClock(run: RunProgress, nowMs: number): RunProgress {
  const elapsedSeconds = activeSeconds(run, nowMs);
  if (run.status === 'finished') return { ...run, elapsedSeconds, etaSeconds: 0 };
  const remaining = run.totalSteps - run.globalStep;
  const batch = run.request?.config.batchSize ?? 0;
  let etaSeconds: number | null = null;
  if (run.globalStep >= 3 && run.firstStepSeconds !== null) etaSeconds = (remaining * (elapsedSeconds - run.firstStepSeconds)) / (run.globalStep - 1);
  else if (run.globalStep > 0 && run.imagesPerSec > 0) etaSeconds = (remaining * batch) / run.imagesPerSec;
  return { ...run, elapsedSeconds, etaSeconds };
}

/** Once a second while a run is active, so the clock moves between steps (the first step can take a while). */
export function clockTicked(nowMs: number): void {
  set((s) => (s.run.status === 'running' || s.run.status === 'preparing' ? { run: withClock(s.run, nowMs) } : {}));
}

function finish(s: PlaygroundState, result: RunResultSummary, nowMs: number, loraBank: Uint8Array | null): PlaygroundState {
  const request = s.run.request!;
  const record = recordOf((s.history.at(-1)?.n ?? 0) + 1, request, result);
  return {
    ...s,
    history: addRecord(s.history, s.pinned, record),
    currentRunId: record.id,
    explorer: explorerWaiting(),
    counts: result.counts,
    metrics: result.metrics,
    lsResidual: result.lsResidual,
    featureDrift: result.featureDrift,
    metricsJson: buildMetricsJson(request, result, false),
    loraBank,
    run: { ...s.run, status: 'finished', detail: '', elapsedSeconds: activeSeconds(s.run, nowMs) },
  };
}

export function runPaused(nowMs: number): void {
  set((s) => ({ run: { ...s.run, status: 'paused', pausedAtMs: nowMs } }));
}

export function runResumed(nowMs: number): void {
  set((s) => {
    const pausedTotalMs = s.run.pausedTotalMs + (s.run.pausedAtMs === null ? 0 : nowMs - s.run.pausedAtMs);
    const status = s.run.totalSteps > 0 ? 'running' : 'preparing';
    return { run: { ...s.run, status, pausedAtMs: null, pausedTotalMs } };
  });
}

/** The page terminated the worker: keep what was measured; export the finished tasks only. */
export function runStopped(nowMs: number): void {
  set((s) => {
    if (!s.run.request) return {};
    const done = s.counts.length;
    const summary: RunResultSummary = {
      classNames: s.run.classNames,
      classOrder: s.run.classOrder,
      tasks: s.run.tasks,
      counts: s.counts,
      metrics: s.metrics ?? { accMatrix: [], pooled: [], acc: 0, aaa: 0, accMeanOfTasks: 0, forgetting: 0, bwt: 0 },
      alpha: raw.alpha.slice(0, done),
      loss: raw.loss.slice(0, done),
      lsResidual: s.lsResidual.slice(0, done),
      trainableParams: raw.trainableParams.slice(0, done),
      wallSeconds: raw.wallSeconds.slice(0, done),
      imagesPerSec: raw.imagesPerSec.slice(0, done),
      featureDrift: raw.featureDrift.slice(0, done),
    };
    const run = { ...s.run, status: 'stopped' as const, detail: '', etaSeconds: null, elapsedSeconds: activeSeconds(s.run, nowMs) };
    const teaching = s.teaching ? teachingEnded(s.teaching, `The run was stopped after ${done} completed task${done === 1 ? '' : 's'}.`) : null;
    return { run, metricsJson: buildMetricsJson(s.run.request, summary, true), queue: [], teaching };
  });
}
