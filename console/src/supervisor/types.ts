// The shapes of the supervisor's API (handoff/gateway/report_views.py and
// handoff/reporting/compute.py). Keep in step with the server.

export interface Compliance {
  met: number;
  breached: number;
  pending: number;
  compliance_rate: number | null;
  p50_minutes: number | null;
  p90_minutes: number | null;
}

export interface DayRow {
  date: string;
  cases: number;
  urgent: number;
  normal: number;
  quality: number;
  logistics: number;
  after_sales: number;
  other: number;
}

export interface AgentRow {
  agent: string;
  display_name: string;
  handled: number;
  resolved: number;
  first_response_p50_minutes: number | null;
  first_response_compliance: number | null;
  csat_average: number | null;
  csat_responses: number;
}

export interface Problem {
  phrase: string;
  count: number;
  examples: { case_number: string; text: string }[];
}

export interface IncidentSummary {
  id: number;
  title: string;
  status: "open" | "closed";
  scope: "product" | "category";
  scope_value: string;
  declared_at: string;
  closed_at: string | null;
  cases: number;
  summary: string | null;
  improvements: string[];
}

export interface Report {
  range: { from: string; to: string; days: number };
  generated_at: string;
  cases: number;
  by_category: Record<string, number>;
  by_urgency: Record<string, number>;
  by_day: DayRow[];
  by_product: { product: string; cases: number; urgent: number; top_category: string }[];
  first_response: Compliance;
  resolution: Compliance;
  handoff: { handed: number; rate: number | null; reasons: Record<string, number> };
  csat: {
    responses: number;
    average: number | null;
    response_rate: number | null;
    resolved: number;
    distribution: Record<string, number>;
  };
  agents: AgentRow[];
  top_problems: Record<string, Problem[]>;
  followups: Record<string, number | null>;
  incidents: IncidentSummary[];
  alerts: Record<string, number>;
  labels_zh: { category: Record<string, string>; urgency: Record<string, string>; reason: Record<string, string> };
}

export interface Alert {
  id: number;
  kind: "sla_warning" | "sla_breach" | "escalation" | "surge" | "followup_failed";
  created_at: string;
  detail: Record<string, unknown> & { message_zh?: string; case_number?: string; count?: number };
  case_id: number | null;
  product: string | null;
  category: string | null;
  audience: string[];
  acknowledged_at: string | null;
  acknowledged_by: string | null;
  suggested_message_zh?: string;
}

export interface TimelineLine {
  at: string;
  actor: string;
  kind: string;
  detail: Record<string, unknown>;
}

export interface Incident {
  id: number;
  title: string;
  status: "open" | "closed";
  scope: "product" | "category";
  scope_value: string;
  alert_id: number | null;
  message_zh: string;
  team: string[];
  declared_by: string;
  declared_at: string;
  closed_at: string | null;
  summary: string | null;
  improvements: string[];
  case_count: number;
  shoppers_told: number;
  cases?: { case_number: string; status: string; category: string; description: string }[];
  timeline?: TimelineLine[];
}

export interface Followup {
  id: number;
  case_number: string;
  category: string;
  description: string;
  shopper_id: string;
  status: string;
  resolved_at: string;
  due_at: string;
  asked_at: string | null;
}

export const ALERT_KIND_ZH: Record<Alert["kind"], string> = {
  sla_warning: "即将超时",
  sla_breach: "已超时",
  escalation: "升级主管",
  surge: "投诉激增",
  followup_failed: "回访未解决",
};

export const TIMELINE_ZH: Record<string, string> = {
  declared: "启动应急预案",
  message_approved: "确认对顾客的说明",
  shopper_told: "已告知一位受影响的顾客",
  note: "进展记录",
  closed: "结束并总结",
};
