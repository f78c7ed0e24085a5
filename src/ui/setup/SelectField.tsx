interface Props<T extends string | number> {
  label: string;
  value: T;
  options: readonly { value: T; label: string; disabled?: boolean }[];
  onChange: (value: T) => void;
  testId: string;
  hint?: string;
}

export function SelectField<T extends string | number>({ label, value, options, onChange, testId, hint }: Props<T>) {
  return (
    <label className="field" title={hint}>
      <span>{label}</span>
      <select
        data-testid={testId}
        value={String(value)}
        onChange={(e) => {
          const picked = options.find((o) => String(o.value) === e.target.value);
          if (picked) onChange(picked.value);
        }}
      >
        {options.map((o) => (
          <option key={String(o.value)} value={String(o.value)} disabled={o.disabled}>
            {o.label}
          </option>
        ))}
      </select>
    </label>
  );
}
