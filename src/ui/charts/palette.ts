// Series colours: one per LoRA component / task, distinguishable and colour-blind friendly (Okabe–Ito first).

const COLOURS = ['#0072b2', '#e69f00', '#009e73', '#cc79a7', '#d55e00', '#56b4e9', '#f0e442', '#000000', '#8c564b', '#7f7f7f'];

export const seriesColour = (k: number) => COLOURS[k % COLOURS.length]!;
