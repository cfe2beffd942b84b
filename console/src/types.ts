// Shapes of the gateway's console API (handoff/gateway/agent_views.py, case_views.py,
// handoff/console_present.py). Every *_zh field is what a person reads; codes are only sent
// back to the server (pickers, filters).

export type Role = "agent" | "trainer" | "supervisor" | "admin";
export type PageName = "workbench" | "cases" | "canned" | "training" | "reports";

export interface Me {
  name: string;
  display_name: string;
  roles: Role[];
  roles_zh: string[];
  pages: PageName[];
}

/** code → Chinese name, per kind (category, urgency, status, resolution, ...). */
export type Vocabulary = Record<string, Record<string, string>>;

export interface QueueCard {
  entry_id: number;
  conversation_id: string;
  shopper_id: string;
  shopper_zh: string;
  priority: "urgent" | "normal";
  priority_zh: string;
  queue_reason_zh: string;
  reasons_zh: string[];
  status: "waiting" | "claimed";
  claimed_by: string | null;
  claimed_by_zh: string | null;
  created_at: string;
  claimed_at: string | null;
  due: string;
  /** When the clock of ``due`` started (for the 80% warning). */
  deadline_start: string;
  /** Which deadline ``due`` is: 首次回复 or 解决期限. */
  deadline_zh: string;
  case_number: string | null;
  category: string | null;
  category_zh: string | null;
  complaint: string;
}

export interface AgentPresence {
  name: string;
  display_name: string;
  online: boolean;
}

export interface QueueSnapshot {
  waiting: QueueCard[];
  claimed: QueueCard[];
  agents: AgentPresence[];
  now: string;
}

export interface ChatMessage {
  id: number;
  sender: "shopper" | "bot" | "agent" | "system";
  agent: string | null;
  text: string;
  client_id: string | null;
  buttons: { title: string; payload: string }[];
  attachment: string | null;
  at: string;
}

export interface HistoryLine {
  at: string;
  date_zh: string;
  time_zh: string;
  actor_zh: string;
  kind: string;
  text_zh: string;
  line_zh: string;
}

export interface OrderView {
  order_id: string;
  product: string;
  amount_yuan: string;
  status_zh: string;
  ordered_zh: string | null;
}

export interface CaseView {
  id: number;
  case_number: string;
  conversation_id: string;
  shopper_id: string;
  shopper_zh: string;
  order_id: string | null;
  order: OrderView | null;
  description: string;
  category: string;
  category_zh: string;
  category_corrected: boolean;
  category_confidence: number | null;
  urgency: string;
  urgency_zh: string;
  reasons_zh: string[];
  status: string;
  status_zh: string;
  agent: string | null;
  agent_zh: string | null;
  created_at: string;
  created_zh: string;
  first_response_due: string;
  first_response_due_zh: string;
  first_response_at: string | null;
  resolution_due: string;
  resolution_due_zh: string;
  resolved_zh: string | null;
  resolution: string | null;
  resolution_zh: string | null;
  resolution_note: string | null;
  rating: number | null;
  rating_comment: string | null;
  history?: HistoryLine[];
}

export interface CannedReply {
  id: number;
  title: string;
  text: string;
}

export interface ConversationDetail {
  conversation_id: string;
  shopper_id: string;
  shopper_zh: string;
  entry: {
    entry_id: number;
    status: "waiting" | "claimed";
    priority: string;
    priority_zh: string;
    claimed_by: string | null;
    claimed_by_zh: string | null;
    mine: boolean;
    created_at: string;
  } | null;
  case: CaseView | null;
  other_cases: { case_number: string; status_zh: string; category_zh: string }[];
  messages: ChatMessage[];
  canned: CannedReply[];
}

export interface CasePage extends CaseView {
  chat: { status_zh: string; claimed_by_zh: string | null; mine: boolean } | null;
  messages: ChatMessage[];
}

export interface CaseList {
  total: number;
  page: number;
  page_size: number;
  cases: CaseView[];
}
