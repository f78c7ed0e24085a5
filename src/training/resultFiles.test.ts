import { describe, expect, it } from 'vitest';
import { accMatrixCsv, alphaCsv, csv } from './resultFiles';

describe('result CSVs (the CLI format)', () => {
  it('acc_matrix.csv: header, 1-based rows, 3 decimals, empty cells above the diagonal', () => {
    expect(accMatrixCsv([[87.5, null], [80.12345, 91]])).toBe('after_task,task_1,task_2\n1,87.5,\n2,80.123,91\n');
  });
  it('alpha.csv: one row per step, as wide as the widest step, 6 decimals', () => {
    expect(alphaCsv([[[1], [1.0000004]], [[0.9999996, 1.25]]])).toBe('task,step,alpha_1,alpha_2\n1,1,1\n1,2,1\n2,1,1,1.25\n');
  });
  it('empty runs still have a header', () => {
    expect(accMatrixCsv([])).toBe('after_task\n');
    expect(alphaCsv([])).toBe('task,step\n');
    expect(csv([['a', null, 2]])).toBe('a,,2\n');
  });
});
