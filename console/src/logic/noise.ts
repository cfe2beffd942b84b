// Whether an evaluation set can tell a candidate's macro-F1 change from chance, in a trainer's
// words. The server sends a 95 % paired bootstrap interval of (new − live); a held-out file of a
// few hundred messages often cannot separate two models, and a trainer should not promote (or
// discard) on a difference of two messages.

export interface NoiseNote {
  text: string;
  /** true when the interval excludes 0: the set does show a real change. */
  real: boolean;
}

const points = (x: number): string => `${x > 0 ? "+" : x < 0 ? "−" : ""}${Math.abs(x * 100).toFixed(1)}`;

export function noiseNote(interval: readonly [number, number] | null | undefined): NoiseNote | null {
  if (!interval) return null;
  const [low, high] = interval;
  if (low === 0 && high === 0) return { text: "新旧版本在这个评测集上的分类判断完全相同。", real: false };
  const range = `宏平均 F1 变化的 95% 区间：${points(low)} 到 ${points(high)} 个百分点。`;
  if (low <= 0 && high >= 0) {
    return { text: `${range}区间包含 0，这个评测集分不出新旧版本的差别，不要只凭它决定是否上线。`, real: false };
  }
  return { text: `${range}区间不含 0，这是这个评测集上确实的${low > 0 ? "提升" : "下降"}。`, real: true };
}
