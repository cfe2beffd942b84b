// The 训练 page's API (handoff/gateway/review_views.py): typed shapes and one function per
// call. Codes (intent, category, ...) travel to and from the server; the page shows their
// Chinese names from the vocabulary the list call returns.
import { get, post } from "./api";

export type ItemKind = "intent" | "triage";
export type ItemStatus = "open" | "labelled" | "ignored";
export type Action = "confirm" | "relabel" | "ignore" | "undo";

export interface IntentLabel {
  intent: string;
}
export interface TriageLabel {
  category: string;
  urgency: string;
  trigger?: string | null;
}
export type Label = IntentLabel | TriageLabel;

export interface ReviewItem {
  id: number;
  kind: ItemKind;
  text: string;
  reason: string;
  reasons: string[];
  count: number;
  uncertainty: number;
  status: ItemStatus;
  conversation_id: string | null;
  first_seen_at: string;
  last_seen_at: string;
  suggested: (Partial<TriageLabel> & Partial<IntentLabel> & { by?: string }) | null;
  label: (Partial<TriageLabel> & Partial<IntentLabel>) | null;
  labelled_by: string | null;
  intent?: string;
  intent_confidence?: number;
  category?: string;
  category_confidence?: number;
  urgency?: string;
  urgency_score?: number;
  trigger?: string | null;
}

export type TrainingVocabulary = Record<string, Record<string, string>>;

export interface ItemList {
  items: ReviewItem[];
  counts: Record<ItemStatus, number>;
  intents: string[];
  vocabulary: TrainingVocabulary;
}

export interface HistoryEntry {
  id: number;
  action: Action | "import";
  batch: string | null;
  actor: string;
  at: string;
  before: { status: ItemStatus; label: ReviewItem["label"] };
  after: { status: ItemStatus; label: ReviewItem["label"] };
  undone: boolean;
}

export interface ContextMessage {
  id: number;
  sender: "shopper" | "bot" | "agent" | "system";
  text: string;
  at: string;
  this: boolean;
}

export interface ItemDetail {
  item: ReviewItem;
  history: HistoryEntry[];
  conversation: ContextMessage[];
}

export interface Filters {
  status: ItemStatus | "all";
  kind: ItemKind | "";
  reason: string;
  predicted: string;
  since: string;
  until: string;
}

export interface ExportResult {
  intent_examples: number;
  triage_examples: number;
  intents_changed: boolean;
  triage_changed: boolean;
  skipped_existing: number;
  held_back: number;
}

export interface Job {
  id: number;
  status: "queued" | "running" | "succeeded" | "failed";
  progress: number;
  step: string;
  requested_by: string;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  candidate_version: string | null;
  error: string | null;
  seconds: number | null;
}

export interface VersionRow {
  kind: "triage" | "rasa";
  version: string;
  live: boolean;
  status: "candidate" | "promoted" | "discarded" | "unregistered";
  created_at: string | null;
  summary: Record<string, string | number | null>;
  has_evaluation: boolean;
  job_id: number | null;
}

export interface ModelsState {
  triage: VersionRow[];
  rasa: VersionRow[];
  live: { triage: string | null; rasa: string | null };
  serving: string | null;
  jobs: Job[];
  active_job: Job | null;
}

export interface Scores {
  per_class: Record<string, { precision: number; recall: number; f1: number; support: number }>;
  macro_f1: number;
  accuracy: number;
  urgent_recall: number;
  urgent_precision: number;
  urgent_support: number;
  confusion: number[][];
}

export interface ChangedMessage {
  text: string;
  expected: TriageLabel;
  before: TriageLabel;
  after: TriageLabel;
  kind: "fixed" | "broken" | "changed";
}

export interface SetComparison {
  size: number;
  labels: string[];
  before: Scores | null;
  after: Scores | null;
  changed: ChangedMessage[];
  changed_counts: Record<"fixed" | "broken" | "changed", number>;
  /** 95 % paired bootstrap interval of macro-F1 (new minus live), null without a live model. */
  macro_f1_change_interval?: [number, number] | null;
}

export interface Comparison {
  live_version: string | null;
  candidate_version: string;
  training_seconds: number;
  sets: Record<string, SetComparison>;
}

const API = "/agent/api/training";

export function listItems(filters: Filters): Promise<ItemList> {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(filters)) if (value) query.set(key, value);
  return get<ItemList>(`${API}/items?${query.toString()}`);
}

export const itemDetail = (id: number): Promise<ItemDetail> => get<ItemDetail>(`${API}/items/${id}`);

export function act(id: number, action: Action, label?: Label): Promise<ReviewItem> {
  return post<ReviewItem>(`${API}/items/${id}/${action}`, label ? { label } : {});
}

export function bulkAct(ids: number[], action: Action, label?: Label): Promise<{ batch: string; done: number }> {
  return post(`${API}/bulk`, label ? { ids, action, label } : { ids, action });
}

export const undoBatch = (batch: string): Promise<{ done: number }> => post(`${API}/undo-batch`, { batch });
export const exportLabels = (): Promise<ExportResult> => post<ExportResult>(`${API}/export`);
export const modelsState = (): Promise<ModelsState> => get<ModelsState>(`${API}/models`);
export const retrain = (): Promise<{ job_id: number }> => post(`${API}/retrain`);
export const jobState = (id: number): Promise<Job> => get<Job>(`${API}/jobs/${id}`);
export const comparison = (version: string): Promise<Comparison> =>
  get<Comparison>(`${API}/models/triage/${encodeURIComponent(version)}/comparison`);
export const promote = (kind: "triage" | "rasa", version: string): Promise<{ live: string }> =>
  post(`${API}/models/${kind}/${encodeURIComponent(version)}/promote`);
export const rollback = (kind: "triage" | "rasa"): Promise<{ live: string }> => post(`${API}/models/${kind}/rollback`);
export const discard = (version: string): Promise<unknown> =>
  post(`${API}/models/triage/${encodeURIComponent(version)}/discard`);

/** The label "confirm" would accept: the agent's correction, else the model's guess. */
export function proposedLabel(item: ReviewItem): Label {
  if (item.kind === "intent") return { intent: item.suggested?.intent ?? item.intent ?? "" };
  return {
    category: item.suggested?.category ?? item.category ?? "",
    urgency: item.suggested?.urgency ?? item.urgency ?? "",
    trigger: item.suggested?.trigger ?? item.trigger ?? null,
  };
}

/** A version as people read it: when it was trained, never its folder name. */
export function versionName(row: { created_at: string | null; version: string }, when: (iso: string) => string): string {
  return row.created_at ? `${when(row.created_at)} 训练的版本` : "早期版本";
}
