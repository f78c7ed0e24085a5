// The legend of the charts that draw several runs: the run on screen as a solid line, each pinned run dashed,
// named by its method and seed (recharts' own legend lists series, not runs). Colour entries (per task or per
// component) come first when a chart needs them.
import type { RunRecord } from '../../store/history';

export const OVERLAY_DASH = '6 4';

export interface ColourEntry {
  label: string;
  colour: string;
}

export function RunLegend({ current, overlays, colours = [] }: { current: string | null; overlays: readonly RunRecord[]; colours?: readonly ColourEntry[] }) {
  return (
    <ul className="run-legend" data-testid="run-legend">
      {colours.map((c) => (
        <li key={c.label}>
          <svg width="18" height="10" aria-hidden="true">
            <line x1="0" y1="5" x2="18" y2="5" stroke={c.colour} strokeWidth="3" />
          </svg>
          {c.label}
        </li>
      ))}
      {current && (
        <li className="run-style" data-run="current">
          <svg width="28" height="10" aria-hidden="true">
            <line x1="0" y1="5" x2="28" y2="5" stroke="#1d2433" strokeWidth="2" />
          </svg>
          {current}
        </li>
      )}
      {overlays.map((r) => (
        <li key={r.id} className="run-style" data-run={r.id}>
          <svg width="28" height="10" aria-hidden="true">
            <line x1="0" y1="5" x2="28" y2="5" stroke="#1d2433" strokeWidth="2" strokeDasharray={OVERLAY_DASH} />
          </svg>
          {r.label} (pinned)
        </li>
      ))}
    </ul>
  );
}
