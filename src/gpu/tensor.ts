// GpuTensor: a typed view of (part of) a GPUBuffer with a shape. Kernels bind tensors by name.

export type DType = 'f32' | 'u32' | 'i32';

export interface GpuTensor {
  readonly buffer: GPUBuffer;
  readonly byteOffset: number; // multiple of the device's minStorageBufferOffsetAlignment
  readonly shape: readonly number[];
  readonly dtype: DType;
  readonly label: string;
}

export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function byteLength(t: GpuTensor): number {
  return numel(t.shape) * 4;
}

export function shapeString(shape: readonly number[]): string {
  return `[${shape.join('×')}]`;
}

/** The same memory under another shape with the same element count. */
export function reshape(t: GpuTensor, shape: readonly number[]): GpuTensor {
  if (numel(shape) !== numel(t.shape)) throw new Error(`reshape ${t.label} ${shapeString(t.shape)} → ${shapeString(shape)}: element counts differ`);
  return { ...t, shape: [...shape] };
}

/** The first `rows` rows of t (rows, …rest): the same memory from the same offset, a shorter leading dimension. */
export function headRows(t: GpuTensor, rows: number): GpuTensor {
  if (!(Number.isInteger(rows) && rows >= 1 && rows <= (t.shape[0] ?? 0))) throw new Error(`headRows ${t.label} ${shapeString(t.shape)}: ${rows} rows do not fit`);
  return { ...t, shape: [rows, ...t.shape.slice(1)] };
}
