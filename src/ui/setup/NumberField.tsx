import { useEffect, useState } from 'react';

interface Props {
  label: string;
  value: number | null;
  onChange: (value: number | null) => void;
  testId: string;
  min?: number;
  step?: number | 'any';
  emptyMeans?: string; // when set, an empty field is allowed and means this
  hint?: string;
}

const show = (v: number | null) => (v === null || Number.isNaN(v) ? '' : String(v));

export function NumberField({ label, value, onChange, testId, min, step = 1, emptyMeans, hint }: Props) {
  const [text, setText] = useState(show(value));
  const parse = (t: string): number | null => (t.trim() === '' ? (emptyMeans ? null : Number.NaN) : Number(t));
  useEffect(() => {
    // Follow outside changes (presets) without fighting half-typed input like "0.".
    if (!Object.is(parse(text), value)) setText(show(value));
  }, [value]);
  return (
    <label className="field" title={hint}>
      <span>{label}</span>
      <input
        type="number"
        data-testid={testId}
        value={text}
        min={min}
        step={step}
        placeholder={emptyMeans}
        onChange={(e) => {
          setText(e.target.value);
          onChange(parse(e.target.value));
        }}
      />
    </label>
  );
}
