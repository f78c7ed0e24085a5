// The tasks as the run will use them: the seeded class order (the authors' numpy permutation of the form's seed,
// src/training/experiment.ts classOrderAndTasks) cut into equal consecutive tasks, which the user may edit: move a
// class up or down (across a task border it changes task), or type a whole order. The run, its config file and
// its metrics JSON then carry that exact order (RunConfig.classOrder); Reset goes back to the seeded one.
import { useState } from 'react';
import { moveClass, resetClassOrder, setClassOrderText } from '../../store/actions';
import { formOrder } from '../../store/classOrder';
import { datasetEntry, usePlayground } from '../../store/state';

export function TaskOrderView() {
  const config = usePlayground((s) => s.form.config);
  const classes = usePlayground((s) => datasetEntry(s, s.form.dataset)?.classes ?? 0);
  const previewNames = usePlayground((s) => s.previews[s.form.dataset]?.classes);
  const [text, setText] = useState<string | null>(null);
  const [textError, setTextError] = useState<string | null>(null);
  if (classes < 1) return null;
  const { view, error } = formOrder(config, classes);
  if (!view) return <p className="hint" data-testid="task-order-error">No task split yet: {error}</p>;
  const names = previewNames?.length === classes ? previewNames.map((c) => c.name) : Array.from({ length: classes }, (_, i) => String(i));
  const per = classes / config.tasks;
  return (
    <div className="task-order" data-testid="task-order" data-edited={view.edited}>
      <p className="hint">
        {view.edited ? 'Your class order' : `Class order of seed ${config.seed} (as the authors' code makes it)`}, in {config.tasks} tasks of {per} classes:
      </p>
      <ol className="order-tasks">
        {view.tasks.map((task, t) => (
          <li key={t} data-testid="order-task" data-task={t} data-classes={task.map((c) => names[c]).join(',')}>
            <span className="order-task-label">Task {t + 1}</span>
            {task.map((c, i) => {
              const k = t * per + i;
              return (
                <span key={c} className="order-class" data-testid="order-class" data-class={names[c]} data-position={k}>
                  <button type="button" title="Earlier in the order" aria-label={`move ${names[c]} earlier`} data-testid={`order-up-${k}`} disabled={k === 0} onClick={() => moveClass(k, -1)}>
                    ↑
                  </button>
                  {names[c]}
                  <button type="button" title="Later in the order" aria-label={`move ${names[c]} later`} data-testid={`order-down-${k}`} disabled={k === classes - 1} onClick={() => moveClass(k, 1)}>
                    ↓
                  </button>
                </span>
              );
            })}
          </li>
        ))}
      </ol>
      <div className="order-actions">
        <button type="button" data-testid="order-reset" disabled={!view.edited} onClick={() => resetClassOrder()}>
          Reset to the seeded order
        </button>
        <button type="button" data-testid="order-type" onClick={() => setText(text === null ? view.order.map((c) => names[c]).join(', ') : null)}>
          {text === null ? 'Type an order…' : 'Cancel'}
        </button>
      </div>
      {text !== null && (
        <div className="order-text">
          <textarea data-testid="order-text" rows={3} value={text} onChange={(e) => setText(e.target.value)} aria-label="class order, names or ids separated by commas" />
          <button
            type="button"
            data-testid="order-apply"
            onClick={() => {
              const err = setClassOrderText(text, names);
              setTextError(err);
              if (!err) setText(null);
            }}
          >
            Use this order
          </button>
          {textError && (
            <p className="error" data-testid="order-text-error">
              {textError}
            </p>
          )}
        </div>
      )}
    </div>
  );
}
