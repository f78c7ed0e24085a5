// The α explorer's state (issue 4 item 6), as pure functions over ExplorerState. After a finished run the worker
// says what it kept (ExplorerInfo); the user scales each component's α with a slider (0 … 2×) or switches it off;
// every change is a request with a new key (sent debounced by src/worker/client.ts), and an answer only counts
// when it is for the newest key answered so far. The answer at 1× everywhere is kept as the subset's baseline.
// The walk between the weights after two tasks has its own request and answer.

import type { TaskCounts } from '../training/metrics';
import type { ExplorerInfo, WalkPoint, WorkerMessage } from '../worker/protocol';

export const SCALE_MAX = 2;
export const SCALE_STEP = 0.05;
/** λ's of the walk between two tasks' weights. */
export const WALK_LAMBDAS = [0, 0.25, 0.5, 0.75, 1];

export interface ExplorerResult {
  key: number;
  scales: number[];
  /** Accuracy (%) on each task's test subset. */
  accuracy: number[];
  /** Mean cross-entropy on each task's test subset (moves with α even where the accuracy does not). */
  loss: number[];
  /** Accuracy (%) over the whole subset. */
  pooled: number;
  images: number;
}

export interface WalkState {
  a: number; // 0-based tasks
  b: number;
  status: 'idle' | 'running' | 'done' | 'failed';
  key: number;
  points: WalkPoint[];
  error: string | null;
}

export interface ExplorerState {
  /** none: no finished run; waiting: the worker is preparing it; unavailable: it could not (message says why). */
  status: 'none' | 'waiting' | 'ready' | 'unavailable';
  message: string | null;
  info: ExplorerInfo | null;
  scales: number[];
  off: boolean[];
  /** Key of the newest request sent, and of the newest answer (result or error). */
  requested: number;
  answered: number;
  result: ExplorerResult | null;
  /** The answer with every α at 1×: what the subset gives for the run as trained. */
  baseline: ExplorerResult | null;
  error: string | null;
  walk: WalkState;
}

const noWalk = (): WalkState => ({ a: 0, b: 1, status: 'idle', key: 0, points: [], error: null });

export const noExplorer = (): ExplorerState => ({
  status: 'none',
  message: null,
  info: null,
  scales: [],
  off: [],
  requested: 0,
  answered: 0,
  result: null,
  baseline: null,
  error: null,
  walk: noWalk(),
});

export const explorerWaiting = (): ExplorerState => ({ ...noExplorer(), status: 'waiting' });

/** Ready: every slider at 1×, the walk between the last two tasks whose weights were kept. */
export function explorerFromInfo(info: ExplorerInfo): ExplorerState {
  const kept = info.snapshots;
  const b = kept.at(-1) ?? 1;
  const a = kept.length >= 2 ? kept.at(-2)! : Math.max(0, b - 1);
  return { ...noExplorer(), status: 'ready', info, scales: info.components.map(() => 1), off: info.components.map(() => false), walk: { ...noWalk(), a, b } };
}

const clampScale = (v: number) => Math.min(SCALE_MAX, Math.max(0, Math.round(v / SCALE_STEP) * SCALE_STEP));

export function withScale(e: ExplorerState, k: number, v: number): ExplorerState {
  if (k < 0 || k >= e.scales.length || !Number.isFinite(v)) return e;
  const scales = e.scales.slice();
  scales[k] = Number(clampScale(v).toFixed(2));
  return { ...e, scales };
}

export function withOff(e: ExplorerState, k: number, off: boolean): ExplorerState {
  if (k < 0 || k >= e.off.length) return e;
  const next = e.off.slice();
  next[k] = off;
  return { ...e, off: next };
}

export const resetScales = (e: ExplorerState): ExplorerState => ({ ...e, scales: e.scales.map(() => 1), off: e.off.map(() => false) });

/** The factors the worker applies: the slider's, or 0 where the component is switched off. */
export const effectiveScales = (e: Pick<ExplorerState, 'scales' | 'off'>): number[] => e.scales.map((s, k) => (e.off[k] ? 0 : s));

export const allOnes = (scales: readonly number[]) => scales.every((s) => s === 1);

export const explorerRequested = (e: ExplorerState, key: number): ExplorerState => ({ ...e, requested: Math.max(e.requested, key) });

/** Whether an answer to the newest request is still outstanding. */
export const explorerBusy = (e: ExplorerState) => e.requested > e.answered;

const pct = (c: TaskCounts) => (c.total ? (100 * c.correct) / c.total : 0);

export function resultOf(key: number, scales: number[], counts: readonly TaskCounts[], loss: readonly number[]): ExplorerResult {
  const correct = counts.reduce((s, c) => s + c.correct, 0);
  const images = counts.reduce((s, c) => s + c.total, 0);
  return { key, scales, accuracy: counts.map(pct), loss: [...loss], pooled: images ? (100 * correct) / images : 0, images };
}

type Explored = Extract<WorkerMessage, { type: 'explored' }>;
type Walked = Extract<WorkerMessage, { type: 'walked' }>;
type ExploreFailed = Extract<WorkerMessage, { type: 'exploreFailed' }>;

export function applyExplored(e: ExplorerState, m: Explored): ExplorerState {
  if (e.status !== 'ready') return e;
  const r = resultOf(m.key, m.scales, m.counts, m.loss);
  const baseline = allOnes(m.scales) ? r : e.baseline;
  if (m.key < e.answered) return { ...e, baseline }; // an older answer overtaken by a newer one
  return { ...e, answered: m.key, result: r, baseline, error: null };
}

export function walkRequested(e: ExplorerState, key: number): ExplorerState {
  return { ...e, walk: { ...e.walk, status: 'running', key, error: null } };
}

export function withWalkEnds(e: ExplorerState, a: number, b: number): ExplorerState {
  return { ...e, walk: { ...e.walk, a, b, status: 'idle', points: [], error: null } };
}

export function applyWalked(e: ExplorerState, m: Walked): ExplorerState {
  if (e.status !== 'ready' || m.key !== e.walk.key) return e;
  return { ...e, walk: { ...e.walk, a: m.a, b: m.b, status: 'done', points: m.points, error: null } };
}

export function applyExploreFailed(e: ExplorerState, m: ExploreFailed): ExplorerState {
  if (e.status !== 'ready') return e;
  if (m.what === 'walk') return m.key === e.walk.key ? { ...e, walk: { ...e.walk, status: 'failed', error: m.message } } : e;
  if (m.key < e.answered) return e;
  return { ...e, answered: m.key, error: m.message };
}

/** Accuracy (%) of a walk point's old and new tasks. */
export const walkAccuracy = (p: WalkPoint) => ({ old: pct(p.old), new: pct(p.new) });
