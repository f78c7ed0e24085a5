// The merged model (.onnx) download of a finished run and its check: the worker merges every LoRA component
// into the weights, exports ONNX and runs it in ONNX Runtime (wasm) on a few test images against this
// engine's logits; the button is enabled only when they agree (max |Δ| shown), else the reason is shown.
import { usePlayground } from '../../store/state';
import { saveBlob } from './download';

export function OnnxDownload({ base }: { base: string }) {
  const merged = usePlayground((s) => s.mergedModel);
  const finished = usePlayground((s) => s.run.status === 'finished');
  if (!finished && merged.status === 'none') return null;
  const c = merged.check;
  const save = () => {
    if (merged.onnx) saveBlob(`model-${base}.onnx`, new Blob([merged.onnx.slice().buffer as ArrayBuffer], { type: 'application/octet-stream' }));
  };
  return (
    <div className="onnx-download" data-testid="onnx" data-status={merged.status}>
      <button data-testid="download-onnx" className="secondary" onClick={save} disabled={merged.status !== 'ready'} title="Every LoRA component merged into the weights: a plain ViT for ONNX Runtime or any ONNX tool">
        Merged model (.onnx)
      </button>
      <p className={merged.status === 'refused' || merged.status === 'failed' ? 'onnx-check error' : 'onnx-check'} data-testid="onnx-check" data-max-abs-diff={c ? c.maxAbsDiff : undefined}>
        {merged.status === 'checking' && 'Merging the weights and checking the ONNX file in ONNX Runtime…'}
        {merged.status === 'none' && 'The merged model is prepared after the run.'}
        {merged.status === 'ready' &&
          c &&
          `Checked in ${c.runtime} on ${c.images} test image(s): max |Δ logit| = ${c.maxAbsDiff.toExponential(1)} against the playground (logits up to ${c.maxAbsLogit.toFixed(2)}; allowed ${c.tolerance.toExponential(0)}).`}
        {(merged.status === 'refused' || merged.status === 'failed') && `Not offered: ${merged.message}`}
      </p>
    </div>
  );
}
