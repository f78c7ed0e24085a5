import { usePlayground } from '../../store/state';

export function NoWebGpu() {
  const message = usePlayground((s) => (s.gpu.status === 'unavailable' ? s.gpu.message : ''));
  return (
    <section className="no-webgpu" data-testid="no-webgpu">
      <h2>WebGPU is not available</h2>
      <p>{message}</p>
      <p>The playground trains a Vision Transformer with WebGPU compute shaders inside this page, so it needs a browser that exposes WebGPU.</p>
      <p>Nothing was sent anywhere: your images never leave this page.</p>
    </section>
  );
}
