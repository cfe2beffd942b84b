// The console's WebSocket: the queue, new messages of the watched chat, typing, case changes.
// It reconnects by itself; ``live.connected`` drives the "connection lost" banner.
import { reactive } from "vue";
import type { ChatMessage, QueueSnapshot } from "./types";

type MessageListener = (conversationId: string, message: ChatMessage) => void;
type NoticeListener = (notice: { type: string; who?: string }) => void;

export const live = reactive<{
  queue: QueueSnapshot | null;
  connected: boolean;
  everConnected: boolean;
  now: number;
}>({ queue: null, connected: false, everConnected: false, now: Date.now() });

const messageListeners = new Set<MessageListener>();
const noticeListeners = new Set<NoticeListener>();
const queueListeners = new Set<(snapshot: QueueSnapshot) => void>();
let socket: WebSocket | null = null;
let watched: { id: string; after: number } | null = null;
let retryDelay = 1000;
let started = false;

function send(data: unknown): void {
  if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(data));
}

function connect(): void {
  const url = `${location.origin.replace(/^http/, "ws")}/agent/ws`;
  socket = new WebSocket(url);
  socket.onopen = () => {
    live.connected = true;
    live.everConnected = true;
    retryDelay = 1000;
    if (watched) send({ type: "watch", conversation_id: watched.id, after: watched.after });
  };
  socket.onmessage = (event: MessageEvent<string>) => {
    let data: Record<string, unknown>;
    try {
      data = JSON.parse(event.data) as Record<string, unknown>;
    } catch {
      return;
    }
    if (data.type === "queue") {
      const snapshot = data as unknown as QueueSnapshot;
      live.queue = snapshot;
      for (const listener of queueListeners) listener(snapshot);
    } else if (data.type === "message") {
      const conversationId = String(data.conversation_id);
      const message = data.message as ChatMessage;
      if (watched && watched.id === conversationId) watched.after = Math.max(watched.after, message.id);
      for (const listener of messageListeners) listener(conversationId, message);
    } else if (typeof data.type === "string") {
      for (const listener of noticeListeners) listener(data as { type: string; who?: string });
    }
  };
  socket.onclose = () => {
    live.connected = false;
    socket = null;
    window.setTimeout(connect, retryDelay);
    retryDelay = Math.min(retryDelay * 2, 10_000);
  };
}

export function startLive(): void {
  if (started) return;
  started = true;
  connect();
  window.setInterval(() => {
    live.now = Date.now();
  }, 1000);
}

/** Follow one chat's new messages (after the last id the view already has). */
export function watch(conversationId: string | null, after = 0): void {
  watched = conversationId ? { id: conversationId, after } : null;
  send({ type: "watch", conversation_id: conversationId, after });
}

export function sendTyping(): void {
  send({ type: "typing" });
}

export function onMessage(listener: MessageListener): () => void {
  messageListeners.add(listener);
  return () => messageListeners.delete(listener);
}

export function onNotice(listener: NoticeListener): () => void {
  noticeListeners.add(listener);
  return () => noticeListeners.delete(listener);
}

export function onQueue(listener: (snapshot: QueueSnapshot) => void): () => void {
  queueListeners.add(listener);
  return () => queueListeners.delete(listener);
}
