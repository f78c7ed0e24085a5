import type { EngineCheck } from '../../store/state';

export function CheckTable({ results }: { results: EngineCheck[] }) {
  return (
    <table data-testid="check-results">
      <thead>
        <tr>
          <th>kernel</th>
          <th>result</th>
          <th>max |error|</th>
          <th>error / tolerance</th>
          <th>ms</th>
        </tr>
      </thead>
      <tbody>
        {results.map((r) => (
          <tr key={r.name} className={r.ok ? 'ok' : 'fail'} title={r.detail}>
            <td>{r.name}</td>
            <td>{r.ok ? 'pass' : 'FAIL'}</td>
            <td>{r.maxAbsError.toExponential(2)}</td>
            <td>{r.toleranceRatio.toFixed(3)}</td>
            <td>{r.ms.toFixed(0)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
