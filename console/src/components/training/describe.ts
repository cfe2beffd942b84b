// Labels and predictions as one line of Chinese ("物流配送 · 普通", "查询进度").
import { label as vocabularyName } from "../../session";
import type { ReviewItem, TrainingVocabulary } from "../../training";

type LabelLike = { intent?: string | null; category?: string | null; urgency?: string | null; trigger?: string | null };

export function describeLabel(label: LabelLike | null | undefined, vocabulary: TrainingVocabulary): string {
  if (!label) return "";
  if (label.intent) return vocabulary.intent?.[label.intent] ?? "其他意图";
  if (!label.category) return "";
  const parts = [vocabularyName("category", label.category), vocabularyName("urgency", label.urgency ?? "")];
  if (label.urgency === "urgent" && label.trigger) parts.push(vocabularyName("trigger", label.trigger));
  return parts.filter(Boolean).join(" · ");
}

export function describePrediction(item: ReviewItem, vocabulary: TrainingVocabulary): string {
  const percent = (x: number | undefined): string => `${Math.round((x ?? 0) * 100)}%`;
  if (item.kind === "intent") return `${describeLabel({ intent: item.intent }, vocabulary)}（${percent(item.intent_confidence)}）`;
  return `${vocabularyName("category", item.category)}（${percent(item.category_confidence)}）· ${vocabularyName("urgency", item.urgency)}（${percent(item.urgency_score)}）`;
}
