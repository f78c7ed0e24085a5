// The α explorer's pure parts: the test subset, component labels, scaling a state's magnitudes, the straight line
// between two weight sets, and scoring logits as the runner does.
import { describe, expect, it } from 'vitest';
import type { BankComponent } from '../io/loraBank';
import type { MethodState } from '../training/methods';
import { componentLabels, explorePerClass, finalAlphas, interpolateBackbone, scaledState, scoreLogits, testSubset } from './explorer';

const comp = (alpha: number): BankComponent => ({ rank: 1, alpha, normalized: true, targets: ['q', 'v'], blocks: [] });
const state = (over: Partial<MethodState>): MethodState => ({
  base: new Map(),
  head: null,
  components: [],
  seqLora: null,
  prototypes: null,
  lastResidual: null,
  absResidual: null,
  ...over,
});

describe('explorer helpers', () => {
  it('takes the first images of each class, in order; fewer per class when there are many classes', () => {
    const refs = [0, 1, 0, 0, 1, 2, 1].map((label, i) => ({ label, i }));
    expect(testSubset(refs, 2).map((r) => r.i)).toEqual([0, 1, 2, 4, 5]);
    expect(explorePerClass(10)).toBe(30);
    expect(explorePerClass(100)).toBe(6);
    expect(explorePerClass(5000)).toBe(1);
  });

  it('labels components by the task that made them (KD drops folded directions; seq-lora has one pair)', () => {
    expect(componentLabels('sdlora', 3, [null, 0.9, 0.8], 0.69)).toEqual(['task 1', 'task 2', 'task 3']);
    expect(componentLabels('sdlora-kd', 2, [null, 0.5, 0.8], 0.69)).toEqual(['task 1', 'task 3']);
    expect(componentLabels('first-direction', 1, [null, null], 0.69)).toEqual(['task 1']);
    expect(componentLabels('seq-lora', 1, [null, null], 0.69)).toEqual(['one pair for all tasks']);
    expect(componentLabels('sdlora-kd', 3, [null, 0.5, 0.8], 0.69)).toEqual(['component 1', 'component 2', 'component 3']);
  });

  it('scales each component’s α and nothing else; sequential LoRA’s pair by the first factor', () => {
    const s = state({ components: [comp(0.9), comp(0.6)] });
    const scaled = scaledState(s, [0, 2]);
    expect(finalAlphas(scaled)).toEqual([0, 1.2]);
    expect(finalAlphas(s)).toEqual([0.9, 0.6]); // the run's state is untouched
    expect(scaled.components[0]!.blocks).toBe(s.components[0]!.blocks);
    expect(finalAlphas(scaledState(state({ seqLora: comp(0.5) }), [0.5]))).toEqual([0.25]);
  });

  it('interpolates every backbone weight and keeps the later head', () => {
    const a = new Map([['w', Float32Array.of(0, 2)], ['head.weight', Float32Array.of(1)]]);
    const b = new Map([['w', Float32Array.of(4, 6)], ['head.weight', Float32Array.of(9)]]);
    const mid = interpolateBackbone(a, b, 0.25);
    expect([...mid.get('w')!]).toEqual([1, 3]);
    expect([...mid.get('head.weight')!]).toEqual([9]);
    expect(() => interpolateBackbone(new Map(), b, 0.5)).toThrow('differ in w');
  });

  it('scores over the classes seen so far, per task, with each image’s cross-entropy', () => {
    // K = 4 columns, hi = 2 (task 1 only): the large logit in column 3 must not count.
    const logits = Float32Array.of(2, 0, 0, 9, 0, 1, 0, 9, 0, 0, 0, 0);
    const { counts, losses } = scoreLogits(logits, [0, 0, 1], 4, 2, 2);
    expect(counts).toEqual([{ correct: 1, total: 3 }]);
    expect(losses[0]).toBeCloseTo(Math.log(1 + Math.exp(-2)), 6);
    expect(losses[1]).toBeCloseTo(Math.log(1 + Math.E), 6);
    expect(losses[2]).toBeCloseTo(Math.log(2), 6);
    const all = scoreLogits(logits, [3, 1, 2], 4, 4, 2);
    expect(all.counts).toEqual([{ correct: 0, total: 1 }, { correct: 1, total: 2 }]);
  });
});
