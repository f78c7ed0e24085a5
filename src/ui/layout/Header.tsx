import { usePlayground } from '../../store/state';

export function Header() {
  const hasGpu = usePlayground((s) => s.gpu.status !== 'unavailable');
  return (
    <header className="page-header">
      <div>
        <h1>SD-LoRA Playground</h1>
        <p className="tagline">Continual learning on a Vision Transformer, trained on your own GPU in this page.</p>
      </div>
      {hasGpu && (
        <nav className="page-nav">
          <a href="#playground">Playground</a>
          <a href="#engine">Engine</a>
        </nav>
      )}
    </header>
  );
}
