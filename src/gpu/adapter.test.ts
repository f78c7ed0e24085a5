import { describe, expect, it } from 'vitest';
import { classifyAdapter, describeAdapter } from './context';

// Adapter infos as Dawn reported them on the machines this project ran on.
const h200 = { vendor: 'nvidia', architecture: '', device: 'nvidia-h200', description: 'NVIDIA: 580.159.04 580.159.4.0' };
const lavapipe = { vendor: 'mesa', architecture: '', device: 'llvmpipe', description: 'llvmpipe: Mesa 25.0.7-2~bpo12+1 (LLVM 15.0.6) 0.0.1' };

describe('adapter naming', () => {
  it('adds a hardware device name that the description lacks (NVIDIA names only its driver)', () => {
    expect(classifyAdapter(h200)).toBe('hardware');
    expect(describeAdapter(h200)).toBe('NVIDIA: 580.159.04 580.159.4.0 (nvidia-h200)');
  });
  it('keeps software adapters, descriptions that already name the device and numeric device ids as they are', () => {
    expect(classifyAdapter(lavapipe)).toBe('lavapipe');
    expect(describeAdapter(lavapipe)).toBe(lavapipe.description);
    expect(describeAdapter({ ...h200, description: 'NVIDIA-H200 driver' })).toBe('NVIDIA-H200 driver');
    expect(describeAdapter({ ...h200, device: '0x2335' })).toBe(h200.description);
    expect(describeAdapter({ vendor: 'acme', architecture: 'x1', device: 'gpu9', description: '' })).toBe('acme x1 gpu9');
  });
});
