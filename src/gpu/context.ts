// GpuContext: the WebGPU runtime. Owns the device, the shader sources, the pipeline cache, the
// command encoder of the step being recorded, and readbacks. Knows nothing about ML.
// Launchers (src/kernels/*) call `run(kernel, entry, {bindings, uniforms, overrides, workgroups})`;
// bindings and uniforms are checked by name against the WGSL (see reflect.ts).
// A `var x: texture_storage_2d<rgba32float, read>;` binding is also given a GpuTensor: run() copies the tensor, in order with the
// recorded dispatches, into a pooled rgba32float texture and binds it. The layout is linear whatever the tensor's
// shape: texel i holds elements 4i .. 4i+3 and sits at (i % TEXTURE_ROW_TEXELS, i / TEXTURE_ROW_TEXELS), so any
// row length copies with whole 16 KiB texture rows (bytesPerRow must be a multiple of 256) plus one partial row.
// Copies cost (~30 µs for a weight, ~150 µs for a ViT's qkv on lavapipe), so a tensor read again before anything
// writes it keeps its own texture (see `resident`): a frozen weight is copied once, not at every step, and attention's
// qkv once per step, not once per kernel that reads it. run(), write(), copy(), copyRange() and zero() track every
// write to a buffer range and so know when such a texture is stale.
import { BindingMismatchError, DeviceLostError, GpuOperationError, GpuUnavailableError, ShaderCompileError } from './errors';
import { reflect, uniformSize, type EntryReflection, type ShaderReflection } from './reflect';
import { byteLength, numel, shapeString, type DType, type GpuTensor } from './tensor';
import { DispatchProfiler, type ProfileEntry } from './profiler';

export type AdapterKind = 'hardware' | 'lavapipe' | 'swiftshader' | 'software';

export interface AdapterSummary {
  kind: AdapterKind;
  description: string; // e.g. "llvmpipe (LLVM 15.0.6, 256 bits)"
  vendor: string;
  architecture: string;
  backend: string; // "Dawn for Node (vulkan)" or "browser"
}

export interface RunArgs {
  bindings: Record<string, GpuTensor>;
  uniforms?: Record<string, number>;
  overrides?: Record<string, number>;
  workgroups: readonly [number, number?, number?];
}

export interface ContextOptions {
  /**
   * How to wait for a GPU promise that `start` creates (a queue's work done, a buffer mapped). Default: just await
   * it. Dawn for Node needs more: see platform/node.ts `pollGently`. expectMs: the shortest earlier wait after the same
   * number of dispatches, once two or more are known.
   */
  waitFor?: <T>(start: () => Promise<T>, expectMs?: number) => Promise<T>;
  backend: string;
  /** The WGSL language features of the WebGPU entry object (`gpu.wgslLanguageFeatures`): read-only storage textures
   *  (`readonly_and_readwrite_storage_textures`) are used only where it lists them (see GpuContext.textureBinding). */
  wgslLanguageFeatures?: ReadonlySet<string>;
}

interface Pipeline {
  pipeline: GPUComputePipeline;
  layout: GPUBindGroupLayout;
  entry: EntryReflection;
  /** Distinguishes pipelines in bind-group cache keys. */
  id: number;
  /** The entry point's storage and texture bindings (not its uniform struct), in declaration order. */
  bindings: EntryReflection['bindings'];
  uniform: { name: string; binding: number; fields: { name: string; type: string; offset: number }[]; size: number } | null;
}

/** Texels per row of a texture binding's linear layout (kernels take it as an override). */
export const TEXTURE_ROW_TEXELS = 1024;

const UNIFORM_SLOT = 256; // bytes per dispatch's uniform block (the default minUniformBufferOffsetAlignment)
const UNIFORM_SLOTS = 512;
/** Most bind groups kept (see GpuContext.bindGroups); the cache starts over when full. */
const BIND_GROUP_CACHE = 4096;

/** Classifies an adapter from its info strings. */
export function classifyAdapter(info: Pick<GPUAdapterInfo, 'vendor' | 'architecture' | 'device' | 'description'>): AdapterKind {
  const text = `${info.vendor} ${info.architecture} ${info.device} ${info.description}`.toLowerCase();
  if (text.includes('llvmpipe') || text.includes('lavapipe')) return 'lavapipe';
  if (text.includes('swiftshader')) return 'swiftshader';
  const fallback = (info as GPUAdapterInfo & { isFallbackAdapter?: boolean }).isFallbackAdapter;
  if (fallback || text.includes('cpu')) return 'software';
  return 'hardware';
}

/** Requests an adapter and a device with the features the kernels can use. Returns null if no adapter. */
export async function openDevice(gpu: GPU): Promise<{ adapter: GPUAdapter; device: GPUDevice } | null> {
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) return null;
  const wanted: GPUFeatureName[] = ['subgroups' as GPUFeatureName, 'shader-f16', 'timestamp-query'];
  const requiredFeatures = wanted.filter((f) => adapter.features.has(f));
  const L = adapter.limits;
  // Kernels stay within the default per-stage limits; only sizes of memory objects are raised to what the
  // adapter allows (buffers, and texture rows so a texture-bound operand can be a whole batch of matrices).
  const device = await adapter.requestDevice({
    requiredFeatures,
    requiredLimits: {
      maxBufferSize: L.maxBufferSize,
      maxStorageBufferBindingSize: L.maxStorageBufferBindingSize,
      maxTextureDimension2D: L.maxTextureDimension2D,
    },
  });
  return { adapter, device };
}

/** The adapter's description; a hardware one's device name added when the description lacks it (NVIDIA's Vulkan
 *  driver describes itself by its version alone: "NVIDIA: 580.159.04 …", device "nvidia-h200"). */
export function describeAdapter(info: Pick<GPUAdapterInfo, 'vendor' | 'architecture' | 'device' | 'description'>): string {
  const d = info.description || [info.vendor, info.architecture, info.device].filter(Boolean).join(' ') || 'unknown adapter';
  const named = info.device && !/^(0x)?[0-9a-f]+$/i.test(info.device) && !d.toLowerCase().includes(info.device.toLowerCase());
  return named && classifyAdapter(info) === 'hardware' ? `${d} (${info.device})` : d;
}

export class GpuContext {
  readonly device: GPUDevice;
  readonly adapter: AdapterSummary;
  readonly subgroupSize: number | null;
  private readonly sources: Record<string, string>;
  private readonly reflections = new Map<string, ShaderReflection>();
  private readonly modules = new Map<string, GPUShaderModule>();
  private readonly pipelines = new Map<string, Pipeline>();
  /** Pipeline and binding/uniform name sets run() has checked (see run). */
  private readonly checkedNames = new Set<string>();
  private nextPipelineId = 0;
  private readonly pendingScopes: Promise<void>[] = [];
  private readonly errors: string[] = [];
  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  private readonly uniformRing: GPUBuffer;
  private readonly uniformStaging = new ArrayBuffer(UNIFORM_SLOT * UNIFORM_SLOTS);
  private uniformUsed = 0;
  private lostReason: string | null = null;
  private readonly opts: ContextOptions;
  private dispatchCount = 0;
  private liveBytes = 0;
  private peak = 0;
  private readonly sizes = new WeakMap<GPUBuffer, number>();
  /** rgba32float textures that texture bindings are copied into, one per (size, slot); kept until destroy. */
  private readonly texturePool = new Map<string, GPUTexture>();
  // Bind groups by pipeline and entries: a training step records the same few hundred every time, and creating
  // one costs ~60 µs in Dawn for Node (a quarter of recording a step). Buffers and pooled textures get ids here.
  private readonly bindGroups = new Map<string, GPUBindGroup>();
  private readonly bufferIds = new WeakMap<GPUBuffer, number>();
  private readonly textureViews = new WeakMap<GPUTexture, { id: number; view: GPUTextureView }>();
  private nextResourceId = 0;
  private bindGroupCount = 0;
  /** Texture-bound tensors by buffer range: reads since the range was last written, and the range's own texture
   *  once it has been read twice between writes (see textureFor). */
  private readonly resident = new Map<GPUBuffer, Map<string, Resident>>();
  private residentBytes = 0;
  /** Launchers' intermediate buffers (see scratch()), one per slot, grown on demand; kept until destroy. */
  private readonly scratchPool = new Map<string, GPUBuffer>();
  /** Objects that must outlive the device (Dawn for Node frees the device if its GPU instance is collected). */
  private keepAlive: unknown[] = [];
  /** Per-dispatch GPU timing (timestamp queries), while startProfiling() is in effect. */
  private profiler: DispatchProfiler | null = null;
  /**
   * How texture operands are bound. Kernels declare them `texture_storage_2d<rgba32float, read>` and read them with
   * textureLoad(t, coords); 'sampled' compiles them as `texture_2d<f32>` with textureLoad(t, coords, 0) instead
   * (sampledTextureSource). Read-only storage textures on lavapipe, where such a load costs about half a sampled one
   * (the small32 products 1.3×, attention 1.6×), when the WGSL has them; sampled elsewhere: on SwiftShader
   * (Chromium's software adapter) storage loads were slower (ViT-Tiny inference 696 → 890 ms), and they are the
   * path every WebGPU implementation has (seventeenth session, bench/README.md).
   */
  readonly textureBinding: 'storage' | 'sampled';
  /** The usage of the textures texture operands are copied into: what textureBinding binds them as, and the copy. */
  private get textureUsage(): GPUTextureUsageFlags {
    return (this.textureBinding === 'storage' ? GPUTextureUsage.STORAGE_BINDING : GPUTextureUsage.TEXTURE_BINDING) | GPUTextureUsage.COPY_DST;
  }

  constructor(
    device: GPUDevice,
    adapterInfo: GPUAdapterInfo,
    shaders: Record<string, string>,
    opts: ContextOptions,
    keepAlive: unknown[] = [],
  ) {
    this.device = device;
    this.keepAlive = keepAlive;
    this.sources = shaders;
    this.opts = opts;
    this.adapter = {
      kind: classifyAdapter(adapterInfo),
      description: describeAdapter(adapterInfo),
      vendor: adapterInfo.vendor,
      architecture: adapterInfo.architecture,
      backend: opts.backend,
    };
    const info = adapterInfo as GPUAdapterInfo & { subgroupMinSize?: number; subgroupMaxSize?: number };
    const hasSubgroups = device.features.has('subgroups' as GPUFeatureName);
    this.subgroupSize =
      hasSubgroups && info.subgroupMinSize && info.subgroupMinSize === info.subgroupMaxSize ? info.subgroupMinSize : null;
    this.textureBinding =
      this.adapter.kind === 'lavapipe' && opts.wgslLanguageFeatures?.has('readonly_and_readwrite_storage_textures') ? 'storage' : 'sampled';
    this.uniformRing = device.createBuffer({
      label: 'context.uniforms',
      size: UNIFORM_SLOT * UNIFORM_SLOTS,
      usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
    });
    device.lost.then((info) => {
      this.lostReason = info.message || info.reason || 'unknown';
    });
    device.addEventListener('uncapturederror', (e) => {
      this.errors.push((e as GPUUncapturedErrorEvent).error.message);
    });
  }

  get limits(): GPUSupportedLimits {
    return this.device.limits;
  }

  hasFeature(name: string): boolean {
    return this.device.features.has(name as GPUFeatureName);
  }

  /** Names of the WGSL files this context can run. */
  get kernelNames(): string[] {
    return Object.keys(this.sources).sort();
  }

  reflection(kernel: string): ShaderReflection {
    let r = this.reflections.get(kernel);
    if (!r) {
      const src = this.sources[kernel];
      if (src === undefined) throw new Error(`unknown shader '${kernel}': no shaders/${kernel}.wgsl was loaded`);
      r = reflect(src);
      this.reflections.set(kernel, r);
    }
    return r;
  }

  // ---------------------------------------------------------------- tensors

  /** Allocates a zero-filled tensor. */
  tensor(shape: readonly number[], label = 'tensor', dtype: DType = 'f32'): GpuTensor {
    this.checkAlive();
    const bytes = Math.max(16, Math.ceil((numel(shape) * 4) / 4) * 4);
    const maxBytes = this.device.limits.maxBufferSize;
    if (bytes > maxBytes)
      throw new GpuOperationError(`tensor ${label} ${shapeString(shape)} needs ${bytes} bytes; this device allows ${maxBytes} per buffer`);
    const buffer = this.device.createBuffer({
      label,
      size: bytes,
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
    });
    this.sizes.set(buffer, bytes);
    this.liveBytes += bytes;
    this.peak = Math.max(this.peak, this.liveBytes);
    return { buffer, byteOffset: 0, shape: [...shape], dtype, label };
  }

  /** Allocates a tensor and fills it from host data (f32 unless the data is a Uint32Array/Int32Array). */
  fromArray(data: ArrayLike<number>, shape: readonly number[], label = 'tensor'): GpuTensor {
    if (data.length !== numel(shape)) throw new Error(`${label}: ${data.length} values for shape ${shapeString(shape)}`);
    const dtype: DType = data instanceof Uint32Array ? 'u32' : data instanceof Int32Array ? 'i32' : 'f32';
    const t = this.tensor(shape, label, dtype);
    this.write(t, data);
    return t;
  }

  /** Writes host data into a tensor, after all work recorded so far (ordering is preserved). */
  write(t: GpuTensor, data: ArrayLike<number>): void {
    if (data.length !== numel(t.shape)) throw new Error(`${t.label}: writing ${data.length} values into ${shapeString(t.shape)}`);
    if (this.encoder) this.submit();
    const arr =
      data instanceof Float32Array || data instanceof Uint32Array || data instanceof Int32Array
        ? data
        : t.dtype === 'f32'
          ? Float32Array.from(data)
          : t.dtype === 'u32'
            ? Uint32Array.from(data)
            : Int32Array.from(data);
    this.device.queue.writeBuffer(t.buffer, t.byteOffset, arr.buffer, arr.byteOffset, arr.byteLength);
    this.wrote(t.buffer, t.byteOffset, arr.byteLength);
  }

  /** Copies src into dst (same element count), recorded in order with dispatches. */
  copy(dst: GpuTensor, src: GpuTensor): void {
    if (numel(dst.shape) !== numel(src.shape)) throw new Error(`copy ${src.label} → ${dst.label}: sizes differ`);
    this.endPass();
    this.enc().copyBufferToBuffer(src.buffer, src.byteOffset, dst.buffer, dst.byteOffset, byteLength(src));
    this.wrote(dst.buffer, dst.byteOffset, byteLength(src));
  }

  /** Copies `count` elements from src[srcOffset…] to dst[dstOffset…] (element offsets), in order with dispatches. */
  copyRange(dst: GpuTensor, dstOffset: number, src: GpuTensor, srcOffset: number, count: number): void {
    if (dstOffset + count > numel(dst.shape) || srcOffset + count > numel(src.shape) || count < 0)
      throw new Error(`copyRange ${src.label}[${srcOffset}…+${count}] → ${dst.label}[${dstOffset}…]: out of range`);
    if (count === 0) return;
    this.endPass();
    this.enc().copyBufferToBuffer(src.buffer, src.byteOffset + srcOffset * 4, dst.buffer, dst.byteOffset + dstOffset * 4, count * 4);
    this.wrote(dst.buffer, dst.byteOffset + dstOffset * 4, count * 4);
  }

  /** Sets `count` elements of t from element `offset` on to zero, in order with the recorded dispatches. */
  zero(t: GpuTensor, offset = 0, count = numel(t.shape) - offset): void {
    if (offset < 0 || count < 0 || offset + count > numel(t.shape)) throw new Error(`zero ${t.label}[${offset}…+${count}]: out of range`);
    if (count === 0) return;
    this.endPass();
    this.enc().clearBuffer(t.buffer, t.byteOffset + offset * 4, count * 4);
    this.wrote(t.buffer, t.byteOffset + offset * 4, count * 4);
  }

  release(...ts: GpuTensor[]): void {
    for (const t of ts) {
      const bytes = this.sizes.get(t.buffer);
      if (bytes !== undefined) {
        this.liveBytes -= bytes;
        this.sizes.delete(t.buffer);
      }
      this.forget(t.buffer);
      t.buffer.destroy();
    }
  }

  /**
   * Why tensor `t` cannot be bound to a texture binding; null when it can. The linear copy into an
   * rgba32float texture needs f32 data of whole texels (a multiple of 4 elements) at a 16-byte aligned offset,
   * and ⌈elements / 4 / TEXTURE_ROW_TEXELS⌉ texture rows within maxTextureDimension2D.
   */
  textureProblem(t: GpuTensor): string | null {
    const n = numel(t.shape);
    const max = this.device.limits.maxTextureDimension2D;
    if (t.dtype !== 'f32') return `it is ${t.dtype}, not f32`;
    if (n < 1) return 'it is empty';
    if (n % 4 !== 0) return `its ${n} elements are not whole texels of 4`;
    if (t.byteOffset % 16 !== 0) return `its byte offset ${t.byteOffset} is not a multiple of 16`;
    const rows = Math.ceil(n / 4 / TEXTURE_ROW_TEXELS);
    if (rows > max || TEXTURE_ROW_TEXELS > max) return `its ${n} elements need ${rows} texture rows of ${TEXTURE_ROW_TEXELS} texels, above maxTextureDimension2D ${max}`;
    return null;
  }

  /** Whether `t` can be given to a texture binding (see textureProblem). */
  canBindAsTexture(t: GpuTensor): boolean {
    return this.textureProblem(t) === null;
  }

  /**
   * A launcher's intermediate tensor (e.g. an operand transposed for a faster matmul layout): the buffer of
   * `slot`, grown when too small and otherwise reused, so it is valid only until the next scratch() of the same slot.
   * Work runs in recording order, so a later user overwrites it only after earlier dispatches have read it.
   * Counted in `memory` like the pooled textures; freed by releaseTextures() or destroy().
   */
  scratch(slot: string, shape: readonly number[]): GpuTensor {
    const bytes = Math.max(16, numel(shape) * 4);
    let buffer = this.scratchPool.get(slot);
    if (!buffer || buffer.size < bytes) {
      if (buffer) {
        this.submit(); // recorded work may still use the old buffer: it goes to the queue before the buffer dies
        this.liveBytes -= buffer.size;
        this.forget(buffer);
        buffer.destroy();
      }
      if (bytes > this.device.limits.maxBufferSize)
        throw new GpuOperationError(`scratch ${slot} ${shapeString(shape)} needs ${bytes} bytes; this device allows ${this.device.limits.maxBufferSize} per buffer`);
      buffer = this.device.createBuffer({ label: `context.scratch ${slot}`, size: bytes, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
      this.scratchPool.set(slot, buffer);
      this.liveBytes += bytes;
      this.peak = Math.max(this.peak, this.liveBytes);
    }
    return { buffer, byteOffset: 0, shape: [...shape], dtype: 'f32', label: `scratch ${slot}` };
  }

  /** Frees the pooled textures and scratch buffers (after the work recorded so far); later runs re-create them. */
  releaseTextures(): void {
    this.submit();
    for (const tex of this.texturePool.values()) {
      this.liveBytes -= tex.width * tex.height * 16;
      tex.destroy();
    }
    this.texturePool.clear();
    this.bindGroups.clear();
    for (const buffer of this.scratchPool.values()) {
      this.liveBytes -= buffer.size;
      buffer.destroy();
    }
    this.scratchPool.clear();
    for (const buffer of [...this.resident.keys()]) this.forget(buffer);
  }

  /** Bytes of tensor memory allocated now, and the most ever allocated at once (every tensor goes through tensor()). */
  get memory(): { liveBytes: number; peakBytes: number } {
    return { liveBytes: this.liveBytes, peakBytes: this.peak };
  }

  /** Starts a new peak measurement from the current allocation. */
  resetPeak(): void {
    this.peak = this.liveBytes;
  }

  // ---------------------------------------------------------------- dispatch

  /** Records one dispatch of `kernel.entry`. Nothing runs until flush/read. */
  run(kernel: string, entryPoint: string, args: RunArgs): void {
    this.checkAlive();
    const p = this.pipelineFor(kernel, entryPoint, args.overrides ?? {});
    const entries: GPUBindGroupEntry[] = [];
    const byName = p.bindings;
    // Binding and uniform names are checked once per pipeline and set of names given (then remembered).
    let names = p.id + '|';
    for (const k in args.bindings) names += k + ',';
    names += '|';
    if (args.uniforms) for (const k in args.uniforms) names += k + ',';
    else names += '-';
    if (!this.checkedNames.has(names)) {
      const given = new Set(Object.keys(args.bindings));
      const missing = byName.filter((b) => !given.has(b.name)).map((b) => b.name);
      const extra = [...given].filter((n) => !byName.some((b) => b.name === n));
      if (missing.length || extra.length)
        throw new BindingMismatchError(
          `${kernel}.${entryPoint}: ` +
            (missing.length ? `missing bindings [${missing.join(', ')}] ` : '') +
            (extra.length ? `unexpected bindings [${extra.join(', ')}] ` : '') +
            `(the shader uses [${byName.map((b) => b.name).join(', ')}])`,
        );
      if (p.uniform) {
        const u = args.uniforms ?? {};
        const fields = p.uniform.fields.map((f) => f.name);
        const missingU = fields.filter((n) => !(n in u));
        const extraU = Object.keys(u).filter((n) => !fields.includes(n));
        if (missingU.length || extraU.length)
          throw new BindingMismatchError(
            `${kernel}.${entryPoint}: uniform ${p.uniform.name} ` +
              (missingU.length ? `missing [${missingU.join(', ')}] ` : '') +
              (extraU.length ? `unexpected [${extraU.join(', ')}]` : ''),
          );
      } else if (args.uniforms && Object.keys(args.uniforms).length) {
        throw new BindingMismatchError(`${kernel}.${entryPoint}: uniforms given but the entry point reads no uniform struct`);
      }
      this.checkedNames.add(names);
    }
    const textures: { texture: GPUTexture; t: GpuTensor; texels: number }[] = [];
    let key = `${p.id}`; // the bind group's cache key: pipeline and every entry
    for (const b of byName) {
      const t = args.bindings[b.name]!;
      if (b.space === 'texture') {
        const problem = this.textureProblem(t);
        if (problem) throw new BindingMismatchError(`${kernel}.${entryPoint}: ${t.label} ${shapeString(t.shape)} cannot be bound to texture ${b.name}: ${problem}`);
        const texels = numel(t.shape) / 4;
        const rows = Math.ceil(texels / TEXTURE_ROW_TEXELS);
        const { texture, fresh } = this.textureFor(t, rows, () => textures.filter((x) => x.texture.height === rows).length);
        if (!fresh) textures.push({ texture, t, texels });
        const view = this.viewOf(texture);
        entries.push({ binding: b.binding, resource: view.view });
        key += `|${b.binding}t${view.id}`;
      } else {
        const size = Math.max(4, byteLength(t));
        entries.push({ binding: b.binding, resource: { buffer: t.buffer, offset: t.byteOffset, size } });
        key += `|${b.binding}b${this.idOf(t.buffer)}:${t.byteOffset}:${size}`;
      }
    }
    if (p.uniform) {
      const u = args.uniforms!;
      if (this.uniformUsed >= UNIFORM_SLOTS) this.submit();
      const slot = this.uniformUsed++;
      const view = new DataView(this.uniformStaging, slot * UNIFORM_SLOT, UNIFORM_SLOT);
      for (const f of p.uniform.fields) {
        const v = u[f.name]!;
        if (f.type === 'f32') view.setFloat32(f.offset, v, true);
        else if (f.type === 'i32') view.setInt32(f.offset, v, true);
        else {
          if (!Number.isInteger(v) || v < 0) throw new BindingMismatchError(`${kernel}.${entryPoint}: uniform ${f.name}=${v} is not a u32`);
          view.setUint32(f.offset, v, true);
        }
      }
      entries.push({ binding: p.uniform.binding, resource: { buffer: this.uniformRing, offset: slot * UNIFORM_SLOT, size: p.uniform.size } });
      key += `|u${slot}`;
    }
    const [x, y = 1, z = 1] = args.workgroups;
    const maxWg = this.device.limits.maxComputeWorkgroupsPerDimension;
    if (x > maxWg || y > maxWg || z > maxWg)
      throw new GpuOperationError(`${kernel}.${entryPoint}: grid ${x}×${y}×${z} exceeds ${maxWg} workgroups per dimension`);
    if (x === 0 || y === 0 || z === 0) return;
    // Copies sit between passes, so they are ordered after the dispatches that wrote the tensor and before
    // this one; a pooled texture reused by a later dispatch is overwritten only after this one has read it.
    if (textures.length) {
      this.endPass();
      for (const { texture, t, texels } of textures) {
        const full = Math.floor(texels / TEXTURE_ROW_TEXELS);
        const rest = texels - full * TEXTURE_ROW_TEXELS;
        const bytesPerRow = TEXTURE_ROW_TEXELS * 16;
        if (full) this.enc().copyBufferToTexture({ buffer: t.buffer, offset: t.byteOffset, bytesPerRow, rowsPerImage: full }, { texture }, [TEXTURE_ROW_TEXELS, full]);
        if (rest) this.enc().copyBufferToTexture({ buffer: t.buffer, offset: t.byteOffset + full * bytesPerRow }, { texture, origin: [0, full] }, [rest, 1]);
      }
    }
    let bindGroup = this.bindGroups.get(key);
    if (!bindGroup) {
      if (this.bindGroups.size >= BIND_GROUP_CACHE) this.bindGroups.clear();
      bindGroup = this.device.createBindGroup({ label: `${kernel}.${entryPoint}`, layout: p.layout, entries });
      this.bindGroups.set(key, bindGroup);
      this.bindGroupCount++;
    }
    if (this.profiler) {
      if (this.profiler.full) this.submit();
      this.endPass();
      this.pass = this.enc().beginComputePass({ label: 'context.pass', timestampWrites: this.profiler.next(`${kernel}.${entryPoint} ${x}×${y}×${z}`) });
    }
    const pass = this.computePass();
    pass.setPipeline(p.pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(x, y, z);
    this.dispatchCount++;
    if (this.profiler) this.endPass();
    for (const b of byName)
      if (b.space === 'storage' && b.access === 'read_write') {
        const t = args.bindings[b.name]!;
        this.wrote(t.buffer, t.byteOffset, byteLength(t));
      }
  }

  /** Number of bind groups created since the context was created (the rest came from the cache; for tests). */
  get bindGroupsCreated(): number {
    return this.bindGroupCount;
  }

  /** Number of dispatches recorded since the context was created (for tests and profiling). */
  get dispatches(): number {
    return this.dispatchCount;
  }

  /** Submits recorded work without waiting for it. */
  submit(): void {
    this.endPass();
    if (this.uniformUsed > 0) {
      this.device.queue.writeBuffer(this.uniformRing, 0, this.uniformStaging, 0, this.uniformUsed * UNIFORM_SLOT);
      this.uniformUsed = 0;
    }
    if (this.encoder) {
      this.profiler?.resolve(this.encoder);
      this.device.queue.submit([this.encoder.finish()]);
      this.profiler?.collect();
      this.encoder = null;
    }
  }

  /**
   * Starts timing every dispatch with timestamp queries (each dispatch gets its own pass, so this perturbs
   * what it measures a little). For profiling scripts, not for production runs.
   */
  startProfiling(): void {
    if (!this.hasFeature('timestamp-query'))
      throw new GpuOperationError('profiling needs the timestamp-query feature, which this adapter does not offer');
    this.submit();
    this.profiler ??= new DispatchProfiler(this.device, (start) => this.wait(start));
  }

  /** Stops profiling; returns GPU time per kernel entry point and grid, largest first. */
  async stopProfiling(): Promise<ProfileEntry[]> {
    const p = this.profiler;
    if (!p) return [];
    this.submit();
    this.profiler = null;
    const out = await p.finish();
    p.destroy();
    return out;
  }

  /** Submits and waits for all recorded work. */
  async flush(): Promise<void> {
    this.submit();
    await this.wait(() => this.device.queue.onSubmittedWorkDone());
    await this.checkErrors();
  }

  /** Dispatches recorded before a wait → the shortest such wait so far (ms) and how many there were: a slow one
   *  (pipelines compiling, a busy machine) never makes a later wait start polling late, and one alone is no hint (the
   *  first wait after a new number of dispatches is often a warm-up; it slowed a whole benchmark run). */
  private readonly waitTimes = new Map<number, { ms: number; count: number }>();
  private dispatchesWaited = 0;

  /** Reads a tensor back to the host after all recorded work. */
  async read(t: GpuTensor): Promise<Float32Array> {
    return new Float32Array(await this.readBytes(t));
  }

  async readU32(t: GpuTensor): Promise<Uint32Array> {
    return new Uint32Array(await this.readBytes(t));
  }

  /** Waits for a GPU promise; a training loop's steps are alike, so the shortest wait after as many dispatches tells
   *  the waiter when to start looking (pollGently). */
  private async wait<T>(start: () => Promise<T>): Promise<T> {
    if (!this.opts.waitFor) return start();
    const n = this.dispatchCount - this.dispatchesWaited;
    this.dispatchesWaited = this.dispatchCount;
    const t0 = performance.now();
    const seen = n > 0 ? this.waitTimes.get(n) : undefined;
    const out = await this.opts.waitFor(start, seen && seen.count >= 2 ? seen.ms : undefined);
    if (n > 0) {
      if (this.waitTimes.size >= 64) this.waitTimes.clear();
      const ms = performance.now() - t0;
      this.waitTimes.set(n, seen ? { ms: Math.min(ms, seen.ms), count: seen.count + 1 } : { ms, count: 1 });
    }
    return out;
  }

  private async readBytes(t: GpuTensor): Promise<ArrayBuffer> {
    this.checkAlive();
    const size = byteLength(t);
    const staging = this.device.createBuffer({ label: 'context.readback', size, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    this.endPass();
    this.enc().copyBufferToBuffer(t.buffer, t.byteOffset, staging, 0, size);
    this.submit();
    try {
      await this.wait(() => staging.mapAsync(GPUMapMode.READ));
    } catch (e) {
      await this.checkErrors();
      throw e;
    }
    const out = staging.getMappedRange().slice(0);
    staging.unmap();
    staging.destroy();
    await this.checkErrors();
    return out;
  }

  destroy(): void {
    this.uniformRing.destroy();
    for (const tex of this.texturePool.values()) tex.destroy();
    for (const buffer of this.scratchPool.values()) buffer.destroy();
    for (const buffer of [...this.resident.keys()]) this.forget(buffer);
    this.texturePool.clear();
    this.bindGroups.clear();
    this.profiler?.destroy();
    this.device.destroy();
    this.keepAlive = [];
  }

  // ---------------------------------------------------------------- internals

  private checkAlive(): void {
    if (this.lostReason !== null)
      throw new DeviceLostError(`the GPU device was lost (${this.lostReason}); reload the page or restart the program to get a new one`);
  }

  private async checkErrors(): Promise<void> {
    const scopes = this.pendingScopes.splice(0);
    await Promise.all(scopes);
    if (this.errors.length) {
      const msgs = this.errors.splice(0);
      throw new GpuOperationError(`GPU error: ${msgs.join('\n')}`);
    }
    this.checkAlive();
  }

  private enc(): GPUCommandEncoder {
    if (!this.encoder) this.encoder = this.device.createCommandEncoder({ label: 'context.step' });
    return this.encoder;
  }

  private computePass(): GPUComputePassEncoder {
    if (!this.pass) this.pass = this.enc().beginComputePass({ label: 'context.pass' });
    return this.pass;
  }

  private endPass(): void {
    if (this.pass) {
      this.pass.end();
      this.pass = null;
    }
  }

  /** A number per buffer, for bind-group cache keys. */
  private idOf(buffer: GPUBuffer): number {
    let id = this.bufferIds.get(buffer);
    if (id === undefined) this.bufferIds.set(buffer, (id = this.nextResourceId++));
    return id;
  }

  /**
   * The texture to bind for tensor t (`rows` texture rows) and whether it already holds t's data (fresh: no copy).
   * A range read for the second time since its last write, or read twice between two writes before, gets a texture
   * of its own (kept while its buffer lives, at most RESIDENT_BYTES in all); everything else shares the pooled
   * textures (slot: the how-manieth binding of that height in this dispatch).
   */
  private textureFor(t: GpuTensor, rows: number, slot: () => number): { texture: GPUTexture; fresh: boolean } {
    let ranges = this.resident.get(t.buffer);
    if (!ranges) this.resident.set(t.buffer, (ranges = new Map()));
    const key = `${t.byteOffset}:${numel(t.shape)}`;
    let r = ranges.get(key);
    if (!r) ranges.set(key, (r = { start: t.byteOffset, end: t.byteOffset + byteLength(t), reads: 0, reused: false, texture: null, fresh: false }));
    r.reads++;
    if (r.texture && r.fresh) return { texture: r.texture, fresh: true };
    const bytes = rows * TEXTURE_ROW_TEXELS * 16;
    if (!r.texture && (r.reused || r.reads > 1) && this.residentBytes + bytes <= RESIDENT_BYTES) {
      r.texture = this.device.createTexture({
        label: `context.resident ${t.label}`,
        size: [TEXTURE_ROW_TEXELS, rows],
        format: 'rgba32float',
        usage: this.textureUsage,
      });
      this.residentBytes += bytes;
      this.liveBytes += bytes;
      this.peak = Math.max(this.peak, this.liveBytes);
    }
    if (r.texture) {
      r.fresh = true; // the copy recorded for this dispatch fills it
      return { texture: r.texture, fresh: false };
    }
    return { texture: this.pooledTexture(TEXTURE_ROW_TEXELS, rows, slot()), fresh: false };
  }

  /** Bytes [offset, offset + size) of buffer are written (in recording order): textures holding them are stale. */
  private wrote(buffer: GPUBuffer, offset: number, size: number): void {
    const ranges = this.resident.get(buffer);
    if (!ranges) return;
    for (const r of ranges.values())
      if (r.start < offset + size && offset < r.end) {
        if (r.reads > 1) r.reused = true;
        r.reads = 0;
        r.fresh = false;
      }
  }

  /** Drops what `resident` holds for a buffer that is going away. */
  private forget(buffer: GPUBuffer): void {
    const ranges = this.resident.get(buffer);
    if (!ranges) return;
    for (const r of ranges.values())
      if (r.texture) {
        const bytes = r.texture.width * r.texture.height * 16;
        this.residentBytes -= bytes;
        this.liveBytes -= bytes;
        r.texture.destroy();
      }
    this.resident.delete(buffer);
  }

  /** The one view of a pooled texture, and its number for bind-group cache keys. */
  private viewOf(texture: GPUTexture): { id: number; view: GPUTextureView } {
    let v = this.textureViews.get(texture);
    if (!v) this.textureViews.set(texture, (v = { id: this.nextResourceId++, view: texture.createView() }));
    return v;
  }

  /** The pooled rgba32float texture of this size for the `slot`-th texture binding of that size in one dispatch. */
  private pooledTexture(width: number, height: number, slot: number): GPUTexture {
    const key = `${width}x${height}#${slot}`;
    let tex = this.texturePool.get(key);
    if (!tex) {
      tex = this.device.createTexture({
        label: `context.texture ${key}`,
        size: [width, height],
        format: 'rgba32float',
        usage: this.textureUsage,
      });
      this.texturePool.set(key, tex);
      this.liveBytes += width * height * 16;
      this.peak = Math.max(this.peak, this.liveBytes);
    }
    return tex;
  }

  private moduleFor(kernel: string): GPUShaderModule {
    let m = this.modules.get(kernel);
    if (!m) {
      this.reflection(kernel);
      const src = this.sources[kernel]!;
      m = this.device.createShaderModule({ label: kernel, code: this.textureBinding === 'sampled' ? sampledTextureSource(src) : src });
      this.modules.set(kernel, m);
    }
    return m;
  }

  private pipelineFor(kernel: string, entryPoint: string, overrides: Record<string, number>): Pipeline {
    // Looked up first by the overrides in the caller's order (launchers pass the same literal every time), then in
    // name order, so that one set of constants compiles once whatever the order.
    // (Built by a loop: a step looks up ~90 pipelines, and Object.entries + join allocate an array per constant.)
    let fast = kernel + '|' + entryPoint;
    for (const k in overrides) fast += ';' + k + ',' + overrides[k];
    const seen = this.pipelines.get(fast);
    if (seen) return seen;
    const keys = Object.keys(overrides).sort();
    const key = pipelineKey(kernel, entryPoint, overrides);
    const hit = this.pipelines.get(key);
    if (hit) {
      this.pipelines.set(fast, hit);
      return hit;
    }
    const refl = this.reflection(kernel);
    const entry = refl.entries.get(entryPoint);
    if (!entry)
      throw new BindingMismatchError(`shaders/${kernel}.wgsl has no @compute entry point '${entryPoint}' (it has: ${[...refl.entries.keys()].join(', ')})`);
    const unknown = keys.filter((k) => !refl.overrides.has(k));
    if (unknown.length) throw new BindingMismatchError(`${kernel}: unknown override constants [${unknown.join(', ')}]`);
    let uniform: Pipeline['uniform'] = null;
    const layoutEntries: GPUBindGroupLayoutEntry[] = [];
    for (const b of entry.bindings) {
      if (b.group !== 0) throw new BindingMismatchError(`${kernel}: only @group(0) is supported (binding ${b.name})`);
      if (b.space === 'uniform') {
        const fields = refl.structs.get(b.type);
        if (!fields) throw new BindingMismatchError(`${kernel}: uniform ${b.name} must be a struct of u32/i32/f32 scalars`);
        if (uniform) throw new BindingMismatchError(`${kernel}.${entryPoint}: at most one uniform struct per entry point`);
        uniform = { name: b.name, binding: b.binding, fields, size: uniformSize(fields) };
        layoutEntries.push({ binding: b.binding, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'uniform' } });
      } else if (b.space === 'texture') {
        if (b.type.replace(/\s+/g, '') !== 'texture_storage_2d<rgba32float,read>')
          throw new BindingMismatchError(`${kernel}: texture ${b.name} is ${b.type}; only texture_storage_2d<rgba32float, read> bindings are supported`);
        // rgba32float is not filterable without an optional feature; kernels read it with textureLoad only.
        layoutEntries.push(
          this.textureBinding === 'storage'
            ? { binding: b.binding, visibility: GPUShaderStage.COMPUTE, storageTexture: { access: 'read-only', format: 'rgba32float', viewDimension: '2d' } }
            : { binding: b.binding, visibility: GPUShaderStage.COMPUTE, texture: { sampleType: 'unfilterable-float', viewDimension: '2d' } },
        );
      } else {
        layoutEntries.push({
          binding: b.binding,
          visibility: GPUShaderStage.COMPUTE,
          buffer: { type: b.access === 'read_write' ? 'storage' : 'read-only-storage' },
        });
      }
    }
    const module = this.moduleFor(kernel);
    const label = `${kernel}.${entryPoint}`;
    this.device.pushErrorScope('validation');
    const layout = this.device.createBindGroupLayout({ label, entries: layoutEntries });
    const pipeline = this.device.createComputePipeline({
      label,
      layout: this.device.createPipelineLayout({ label, bindGroupLayouts: [layout] }),
      compute: { module, entryPoint, constants: overrides },
    });
    this.pendingScopes.push(
      this.device.popErrorScope().then(async (err) => {
        if (!err) return;
        const info = await module.getCompilationInfo();
        const msgs = info.messages.map((m) => `${m.type} ${kernel}.wgsl:${m.lineNum}:${m.linePos} ${m.message}`);
        throw new ShaderCompileError(kernel, entryPoint, msgs.length ? msgs : [err.message]);
      }),
    );
    const p: Pipeline = { pipeline, layout, entry, uniform, id: this.nextPipelineId++, bindings: entry.bindings.filter((b) => b.space !== 'uniform') };
    this.pipelines.set(key, p);
    this.pipelines.set(fast, p);
    return p;
  }
}

/** A texture-bound buffer range (GpuContext.textureFor): reads since its last write, whether it was read more than
 *  once between two writes before, and its own texture once it has one (fresh: holds the range's current data). */
interface Resident {
  start: number;
  end: number;
  reads: number;
  reused: boolean;
  texture: GPUTexture | null;
  fresh: boolean;
}

/** Most bytes of textures kept for tensors read more than once (GpuContext.textureFor); past it, pooled textures. */
const RESIDENT_BYTES = 256 * 1024 * 1024;

/**
 * A kernel's source with its read-only storage textures as sampled ones (GpuContext.textureBinding 'sampled'): every
 * `texture_storage_2d<rgba32float, read>` becomes `texture_2d<f32>` and every two-argument textureLoad(t, coords)
 * gets level 0. Both read the same texels of the same rgba32float texture.
 */
export function sampledTextureSource(src: string): string {
  const s = src.replace(/texture_storage_2d<\s*rgba32float\s*,\s*read\s*>/g, 'texture_2d<f32>');
  let out = '';
  let at = 0;
  for (let i = s.indexOf('textureLoad('); i >= 0; i = s.indexOf('textureLoad(', at)) {
    // The call's closing parenthesis, and whether it has exactly one top-level comma (two arguments).
    let depth = 0;
    let commas = 0;
    let j = i + 'textureLoad'.length;
    for (; j < s.length; j++) {
      const ch = s[j];
      if (ch === '(') depth++;
      else if (ch === ')' && --depth === 0) break;
      else if (ch === ',' && depth === 1) commas++;
    }
    out += s.slice(at, j) + (commas === 1 ? ', 0' : '');
    at = j;
  }
  return out + s.slice(at);
}

/** The pipeline cache's key: kernel, entry point and overrides in name order. */
function pipelineKey(kernel: string, entryPoint: string, overrides: Record<string, number>): string {
  const keys = Object.keys(overrides).sort();
  return `${kernel}|${entryPoint}|${keys.map((k) => `${k}=${overrides[k]}`).join(',')}`;
}

/** Builds a GpuContext from a WebGPU entry object (navigator.gpu or Dawn's). Throws GpuUnavailableError with advice. */
export async function createContext(
  gpu: GPU,
  shaders: Record<string, string>,
  opts: ContextOptions,
  advice: string,
): Promise<GpuContext> {
  const opened = await openDevice(gpu);
  if (!opened) throw new GpuUnavailableError(`no WebGPU adapter is available. ${advice}`);
  return new GpuContext(opened.device, opened.adapter.info, shaders, { wgslLanguageFeatures: gpu.wgslLanguageFeatures, ...opts }, [gpu, opened.adapter]);
}
