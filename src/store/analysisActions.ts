// User actions of the analysis features: overlays of finished runs and the comparison run, the α explorer's
// sliders and walk, and the teaching tour. Sending to the worker (debounced explore requests, starting queued
// runs) is src/worker/client.ts's job; these only change state.

import type { MethodName, RunConfig } from '../training/methods';
import { applyPreset, formFromRequest, setConfig } from './actions';
import { explorerRequested, resetScales, walkRequested, withOff, withScale, withWalkEnds } from './explorer';
import { withPinned } from './history';
import { datasetEntry, isActive, store, type PlaygroundState } from './state';
import { startTeaching, teachingBack, teachingEnded, teachingNext, TOUR_METHODS } from './teaching';

const set = store.setState;
const get = store.getState;

/** The finished run on screen, if any. */
export const currentRecord = (s: Pick<PlaygroundState, 'history' | 'currentRunId'>) => s.history.find((r) => r.id === s.currentRunId) ?? null;

// ---- overlays and comparison --------------------------------------------------------------------

export const setPinned = (id: string, on: boolean) => set((s) => ({ pinned: withPinned(s.pinned, id, on) }));

/**
 * "Run the comparison": the form takes the finished run's request with another method, and that run is pinned
 * so the next run draws over it. Returns false when there is no finished run to compare with (or one is active).
 */
export function prepareComparison(method: MethodName): boolean {
  const s = get();
  const rec = currentRecord(s);
  if (!rec || isActive(s.run.status)) return false;
  formFromRequest(rec.request, { method });
  set((x) => ({ pinned: withPinned(x.pinned, rec.id, true) }));
  return true;
}

/** The next queued run, prepared like a comparison (same request, the queued settings on top, previous run
 *  pinned). Returns false when nothing is queued or there is no finished run to continue from. */
export function takeQueued(): boolean {
  const s = get();
  const [next, ...rest] = s.queue;
  const rec = currentRecord(s);
  if (!next || !rec || s.run.status !== 'finished') return false;
  set({ queue: rest });
  formFromRequest(rec.request, next);
  set((x) => ({ pinned: withPinned(x.pinned, rec.id, true) }));
  return true;
}

export const queueRuns = (runs: Partial<RunConfig>[]) => set({ queue: runs });

// ---- α explorer -----------------------------------------------------------------------------------

export const setExplorerScale = (k: number, v: number) => set((s) => ({ explorer: withScale(s.explorer, k, v) }));
export const setExplorerOff = (k: number, off: boolean) => set((s) => ({ explorer: withOff(s.explorer, k, off) }));
export const resetExplorerScales = () => set((s) => ({ explorer: resetScales(s.explorer) }));
export const explorerSent = (key: number) => set((s) => ({ explorer: explorerRequested(s.explorer, key) }));
export const setWalkEnds = (a: number, b: number) => set((s) => ({ explorer: withWalkEnds(s.explorer, a, b) }));
export const walkSent = (key: number) => set((s) => ({ explorer: walkRequested(s.explorer, key) }));

// ---- teaching tour -------------------------------------------------------------------------------

/**
 * Prepares the tour: the teaching preset (or the form as it is, e.g. the user's own folder), its first run's
 * method in the form, the second queued, and the introduction. The caller then starts the first run.
 * hold: pause the run at each new moment (the introduction included) until Next.
 */
export function tourStarted(usePreset: boolean, hold = false): void {
  if (isActive(get().run.status)) return;
  if (usePreset) applyPreset('teaching-fast');
  const [first, ...rest] = TOUR_METHODS;
  setConfig({ method: first! });
  const s = get();
  const entry = datasetEntry(s, s.form.dataset);
  const { tasks, epochs, seed } = s.form.config;
  const teaching = startTeaching({
    datasetTitle: entry?.title ?? s.form.dataset,
    tasks,
    classesPerTask: entry ? entry.classes / tasks : 0,
    maxPerClass: s.form.maxPerClass,
    epochs,
    seed,
  });
  set({ teaching: { ...teaching, hold }, queue: rest.map((method) => ({ method })) });
}

/** The first run could not start (the form's errors are shown in the setup panel). */
export function tourCouldNotStart(): void {
  set((s) => ({
    teaching: s.teaching ? teachingEnded(s.teaching, `The run could not start: ${s.formErrors.join('; ') || 'see the setup panel'}.`) : null,
    queue: [],
  }));
}

export const tourNext = () => set((s) => (s.teaching ? { teaching: teachingNext(s.teaching) } : {}));
export const setTourHold = (hold: boolean) => set((s) => (s.teaching ? { teaching: { ...s.teaching, hold } } : {}));
export const tourBack = () => set((s) => (s.teaching ? { teaching: teachingBack(s.teaching) } : {}));
/** Exit: the tour closes and its queued run is dropped; a run in progress goes on. */
export const tourExit = () => set({ teaching: null, queue: [] });
