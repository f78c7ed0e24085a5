// Model sources in the store: the embedded default (present, or absent and replaced by small32), the user's
// files (a refused pick keeps the form's model), the memory check against the device's limits, config files
// naming a model, and the merged ONNX model's state.
import { describe, expect, it } from 'vitest';
import type { BuiltinIndexEntry } from '../data/builtin';
import { presetInfo } from '../worker/modelSource';
import type { ModelInfo, WorkerMessage } from '../worker/protocol';
import { applyPreset, loadConfigText, modelFilesPicked, requestRun, setConfig, setDataset, setMaxPerClass, setModel, workerMessages } from './actions';
import { configFileText } from './configFile';
import { store, type FilesSource } from './state';

const fashion: BuiltinIndexEntry = { name: 'split-fashion-mnist', title: 'Split Fashion-MNIST', manifest: 'm', classes: 10, train: 5000, test: 1000, bytes: 1 };
const limits = { maxBufferSize: 2 ** 30, maxStorageBufferBindingSize: 2 ** 30 };
const small32Info: ModelInfo = { ...presetInfo('small32'), format: 'embedded default: Hugging Face config + safetensors (F16)', bytes: 400_000, about: null };
const mine: FilesSource = { kind: 'files', name: 'my-vit', format: 'checkpoint', files: ['config.json', 'model.safetensors'] };
const tinyInfo: ModelInfo = { ...presetInfo('tiny'), format: 'Hugging Face config + safetensors (F32)', bytes: 1234 };

const msg = (m: WorkerMessage) => workerMessages([m], 0);

describe('the embedded default', () => {
  it('is the initial choice, and runs wait until it has been read', () => {
    store.setState({ datasets: [fashion] });
    expect(store.getState().form.model).toEqual({ kind: 'default' });
    expect(store.getState().form.preset).toBe('teaching-fast');
    expect(requestRun(0)).toBeNull();
    expect(store.getState().formErrors.join()).toContain('still being read');
  });

  it('when absent, the form and the presets fall back to the untrained small32', () => {
    msg({ type: 'modelFailed', key: 'default', message: 'embedded default not built in this copy (npm run pretrain)', absent: true, limits });
    const s = store.getState();
    expect(s.defaultModel.status).toBe('absent');
    expect(s.form.model).toEqual({ kind: 'preset', id: 'small32' });
    expect(s.form.preset).toBe('teaching-fast'); // the preset still matches: its model is "the best this copy has"
    expect(s.deviceLimits).toEqual(limits);
    applyPreset('paper-code');
    expect(store.getState().form.model).toEqual({ kind: 'preset', id: 'small32' });
    setModel('default');
    expect(requestRun(0)).toBeNull();
    expect(store.getState().formErrors.join()).toContain('not built in this copy');
  });

  it('when present, it is used and a batch that will not fit is refused before the run', () => {
    msg({ type: 'modelChecked', key: 'default', info: small32Info, limits });
    setModel('default');
    setDataset(fashion.name);
    setMaxPerClass(8);
    setConfig({ tasks: 2, batchSize: 4, epochs: 1 });
    expect(requestRun(0)?.model).toEqual({ kind: 'default' });
    msg({ type: 'modelChecked', key: 'default', info: small32Info, limits: { maxBufferSize: 64 * 1024, maxStorageBufferBindingSize: 64 * 1024 } });
    store.setState({ run: { ...store.getState().run, status: 'idle' } });
    expect(requestRun(0)).toBeNull();
    const err = store.getState().formErrors.join();
    expect(err).toContain('will not fit on this device at batch size 4');
    expect(err).toContain('per-buffer limit');
  });
});

describe('your model files', () => {
  it('a refused pick shows why and keeps the form on its model', () => {
    msg({ type: 'modelChecked', key: 'default', info: small32Info, limits });
    setModel('tiny');
    modelFilesPicked('files-1', 'broken', mine);
    expect(store.getState().userModel.pending?.status).toBe('checking');
    msg({ type: 'modelFailed', key: 'files-1', message: 'model.safetensors does not match config.json: 1 missing: x', absent: false, limits });
    const s = store.getState();
    expect(s.userModel.pending).toMatchObject({ status: 'failed', error: expect.stringContaining('1 missing: x') });
    expect(s.userModel.accepted).toBeNull();
    expect(s.form.model).toEqual({ kind: 'preset', id: 'tiny' });
    // Names alone can refuse a pick, before the worker sees it.
    modelFilesPicked('files-2', 'x.txt', null, 'none of the picked files is a model');
    expect(store.getState().userModel.pending).toMatchObject({ status: 'failed', source: null });
    expect(store.getState().form.model).toEqual({ kind: 'preset', id: 'tiny' });
  });

  it('an accepted pick becomes the model; a stale answer for an older pick is ignored', () => {
    modelFilesPicked('files-3', 'my-vit', mine);
    msg({ type: 'modelChecked', key: 'files-2', info: tinyInfo, limits });
    expect(store.getState().userModel.accepted).toBeNull();
    msg({ type: 'modelChecked', key: 'files-3', info: tinyInfo, limits });
    const s = store.getState();
    expect(s.userModel.accepted?.source).toEqual(mine);
    expect(s.userModel.pending).toBeNull();
    expect(s.form.model).toEqual(mine);
    expect(requestRun(0)?.model).toEqual(mine);
  });

  it('a config file of a run on user files selects them when loaded, else asks for them', () => {
    store.setState({ run: { ...store.getState().run, status: 'idle' } });
    const text = configFileText({ dataset: fashion.name, model: mine, maxPerClass: 8, config: { ...store.getState().form.config, seed: 9 } });
    setModel('tiny');
    loadConfigText(text, 'config-a.json');
    expect(store.getState().form.model).toEqual(mine);
    expect(store.getState().formNotice).toBeNull();
    const other = configFileText({ dataset: fashion.name, model: { ...mine, name: 'someone-else' }, maxPerClass: 8, config: { ...store.getState().form.config } });
    setModel('tiny');
    loadConfigText(other, 'config-b.json');
    expect(store.getState().form.model).toEqual({ kind: 'preset', id: 'tiny' });
    expect(store.getState().formNotice).toContain('pick those files again under Model');
  });
});

describe('the merged model', () => {
  it('follows the finished run only', () => {
    setModel('tiny');
    setConfig({ tasks: 2, batchSize: 4, epochs: 1 });
    expect(requestRun(0)).not.toBeNull();
    msg({ type: 'mergedModel', status: 'checking' });
    expect(store.getState().mergedModel.status).toBe('none'); // not finished yet: an older run's answer
    store.setState({ run: { ...store.getState().run, status: 'finished' } });
    msg({ type: 'mergedModel', status: 'checking' });
    expect(store.getState().mergedModel.status).toBe('checking');
    const check = { images: 4, classes: 10, maxAbsDiff: 2e-7, maxAbsLogit: 1.5, tolerance: 1e-3, runtime: 'ort', seconds: 1 };
    msg({ type: 'mergedModel', status: 'ready', onnx: Uint8Array.of(8, 1), check });
    expect(store.getState().mergedModel).toMatchObject({ status: 'ready', check });
    expect(requestRun(1)).not.toBeNull();
    expect(store.getState().mergedModel.status).toBe('none');
  });
});
