// `npm run experiment` end to end, as a user runs it (a child process on the software GPU): a folder of images in,
// every promised file out (config.json, metrics.json with its fields, the CSVs, alpha.svg, the LoRA bank, the
// merged ONNX model, the checkpoint), and an interrupted run (--stop-after 1) resumed with --resume ends with the
// same numbers as an uninterrupted one. A bad flag exits non-zero with a message naming the valid fields.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { presets } from '../model/vit/config';
import { initParams } from '../model/vit/params';
import { repoRoot } from '../platform/node';
import { modelFiles } from '../training/pretrainFiles';
import { describeGpu } from '../testing/gpu';
import { quadrantColourImages } from '../testing/syntheticImages';

const work = mkdtempSync(join(tmpdir(), 'sdlora-cli-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function writeFolder(): Promise<string> {
  const root = join(work, 'colours');
  const data = quadrantColourImages(8, 4);
  for (const im of [...data.train, ...data.test]) {
    // train/class0/1.png → train/red/1.png: class folders named as the user would
    const path = join(root, im.path.replace(/class(\d)/, (_, c: string) => data.classNames[Number(c)]!));
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, await im.bytes());
  }
  return root;
}

const tsx = join(repoRoot, 'node_modules/.bin/tsx');
function experiment(args: string[]): { status: number | null; stderr: string } {
  const r = spawnSync(tsx, ['src/cli/experiment.ts', ...args], { cwd: repoRoot, encoding: 'utf8', timeout: 300_000 });
  return { status: r.status, stderr: r.stderr };
}

const readJson = (p: string) => JSON.parse(readFileSync(p, 'utf8')) as Record<string, unknown>;

await describeGpu('npm run experiment (command line)', () => {
  it('writes every output file, and a resumed run ends with the same numbers', async () => {
    const data = await writeFolder();
    const common = ['--model', 'random:tiny', '--data', data, '--max-per-class', '6', '--method', 'sdlora', '--alphaMode', 'carry', '--tasks', '2', '--epochs', '2', '--batchSize', '4', '--learningRate', '0.05', '--seed', '3'];
    const full = join(work, 'full');
    const r = experiment([...common, '--out', full]);
    expect(r.status, r.stderr).toBe(0);
    for (const f of ['config.json', 'metrics.json', 'acc_matrix.csv', 'alpha.csv', 'alpha.svg', 'lora_bank.safetensors', 'model.onnx', 'checkpoint/progress.json'])
      expect(existsSync(join(full, f)), f).toBe(true);
    const m = readJson(join(full, 'metrics.json'));
    for (const k of ['method', 'seed', 'classOrder', 'accMatrix', 'acc', 'aaa', 'accMeanOfTasks', 'forgetting', 'bwt', 'alpha', 'lsResidual', 'trainableParams', 'wallSeconds', 'tilMatrix', 'newTaskBias', 'featureDrift'])
      expect(m, k).toHaveProperty(k);
    expect(m.storedSamples).toBe(0);
    expect((m.accMatrix as unknown[]).length).toBe(2);
    expect(readFileSync(join(full, 'alpha.svg'), 'utf8')).toContain('data-component="2"');
    expect(readFileSync(join(full, 'acc_matrix.csv'), 'utf8').split('\n')[0]).toBe('after_task,task_1,task_2');
    const config = readJson(join(full, 'config.json'));
    expect(config).toMatchObject({ run: { method: 'sdlora', seed: 3, alphaMode: 'carry' }, model: 'random:tiny', maxPerClass: 6 });
    // 6 of the 8 training images per class: 2 tasks × 2 classes × 6 / batch 4 × 2 epochs = 6 steps per task
    expect((m.alpha as number[][][]).map((steps) => steps.length)).toEqual([6, 6]);

    const part = join(work, 'part');
    expect(experiment([...common, '--out', part, '--stop-after', '1']).status).toBe(0);
    expect(readJson(join(part, 'checkpoint/progress.json')).done).toBe(1);
    const resumed = experiment(['--resume', part]);
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(resumed.stderr).toContain('resuming after task 1');
    const mr = readJson(join(part, 'metrics.json'));
    for (const k of ['accMatrix', 'acc', 'aaa', 'forgetting', 'alpha', 'lsResidual', 'featureDrift']) expect(mr[k], k).toEqual(m[k]);
  }, 300_000);

  it("reads a model folder's preprocessor_config.json, input convention included", async () => {
    const dir = join(work, 'gray-model');
    mkdirSync(dir, { recursive: true });
    const config = { ...presets.tiny, numClasses: 0, grayscale: true, lightOnDark: true };
    for (const [name, data] of Object.entries(modelFiles(config, initParams(config, 2)))) writeFileSync(join(dir, name), data);
    const r = experiment(['--model', dir, '--data', await writeFolder(), '--method', 'ncm', '--tasks', '2', '--out', join(work, 'gray-run')]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain('(input convention: images made gray and light on dark first)');
  }, 120_000);

  it('a bad flag exits with a message that lists the fields', () => {
    const r = experiment(['--out', join(work, 'bad'), '--model', 'random:tiny', '--learningrate', '0.1']);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/unknown flag --learningrate; config fields: .*learningRate/);
  }, 120_000);
});
