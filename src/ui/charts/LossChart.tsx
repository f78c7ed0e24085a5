import { CartesianGrid, Line, LineChart, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { usePlayground } from '../../store/state';

export function LossChart() {
  const points = usePlayground((s) => s.loss.points);
  const taskStarts = usePlayground((s) => s.taskStarts);
  const totalSteps = usePlayground((s) => s.run.totalSteps);
  return (
    <div className="card chart-card" data-testid="loss-chart">
      <h3>Training loss</h3>
      {points.length === 0 ? (
        <p className="empty">The cross-entropy of each batch (current task's classes) appears here.</p>
      ) : (
        <ResponsiveContainer width="100%" height={200}>
          <LineChart data={points} margin={{ top: 8, right: 24, bottom: 8, left: 0 }}>
            <CartesianGrid strokeDasharray="3 3" stroke="#e3e7ef" />
            <XAxis dataKey="step" type="number" domain={[0, Math.max(1, totalSteps)]} allowDecimals={false} />
            <YAxis domain={[0, 'auto']} width={56} tickFormatter={(v: number) => v.toFixed(2)} />
            <Tooltip formatter={(v) => (typeof v === 'number' ? v.toFixed(4) : String(v))} labelFormatter={(step) => `step ${String(step)}`} />
            {taskStarts.slice(1).map((step) => (
              <ReferenceLine key={step} x={step} stroke="#9aa3b5" strokeDasharray="4 4" />
            ))}
            <Line name="loss" dataKey="loss" stroke="#1f3b73" dot={false} strokeWidth={1.5} isAnimationActive={false} />
          </LineChart>
        </ResponsiveContainer>
      )}
    </div>
  );
}
