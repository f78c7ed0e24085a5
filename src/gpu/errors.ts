// Typed errors of the WebGPU runtime. Each message says what failed and what to do about it.

/** No WebGPU adapter could be obtained on this platform. */
export class GpuUnavailableError extends Error {
  override name = 'GpuUnavailableError';
}

/** A WGSL module or compute pipeline failed to compile or validate. */
export class ShaderCompileError extends Error {
  override name = 'ShaderCompileError';
  constructor(
    readonly kernel: string,
    readonly entryPoint: string,
    readonly messages: string[],
  ) {
    super(`shader ${kernel}.${entryPoint} failed to compile:\n${messages.join('\n')}`);
  }
}

/** A launcher bound tensors or uniforms that do not match the shader's declarations. */
export class BindingMismatchError extends Error {
  override name = 'BindingMismatchError';
}

/** The GPU device was lost (driver reset, out of memory, tab backgrounded for long). */
export class DeviceLostError extends Error {
  override name = 'DeviceLostError';
}

/** A GPU operation raised a validation or out-of-memory error. */
export class GpuOperationError extends Error {
  override name = 'GpuOperationError';
}
