// Who is logged in and the Chinese names of every code, loaded once at start.
import { reactive } from "vue";
import { get } from "./api";
import type { Me, Vocabulary } from "./types";

export const session = reactive<{ me: Me | null; vocabulary: Vocabulary }>({
  me: null,
  vocabulary: {},
});

export async function loadSession(): Promise<void> {
  const [me, vocabulary] = await Promise.all([
    get<Me>("/agent/api/me"),
    get<Vocabulary>("/agent/api/vocabulary"),
  ]);
  session.me = me;
  session.vocabulary = vocabulary;
}

/** The Chinese name of a code (an unknown code reads 未知, never the code). */
export function label(kind: string, code: string | null | undefined): string {
  if (!code) return "";
  return session.vocabulary[kind]?.[code] ?? "未知";
}

/** ``[{value, label}]`` for a picker of one kind. */
export function options(kind: string): { value: string; label: string }[] {
  return Object.entries(session.vocabulary[kind] ?? {}).map(([value, name]) => ({
    value,
    label: name,
  }));
}
