import { describe, expect, it } from 'vitest';
import * as matmul from './matmul';
import * as matmulTexture from './matmulTexture';

// The texture kernel shares the matmul reference; its gradient checks live in matmul.test.ts.
describe('reference matmulTexture', () => {
  it('is the matmul reference', () => {
    expect(matmulTexture.forward).toBe(matmul.forward);
    expect(matmulTexture.backward).toBe(matmul.backward);
  });
});
