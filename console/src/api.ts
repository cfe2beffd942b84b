// The one way the console talks to the gateway: same-origin JSON, Chinese errors.
// A refused action throws ApiError with the server's Chinese message, which the view shows
// in place (never alert()). A lost session sends the browser to the login page.

export class ApiError extends Error {
  readonly status: number;
  constructor(message: string, status: number) {
    super(message);
    this.status = status;
  }
}

const NETWORK_ZH = "网络连接失败，请检查网络后重试。";

export function errorText(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  return "操作失败，请稍后重试。";
}

export async function request<T>(
  method: "GET" | "POST" | "DELETE",
  path: string,
  body?: unknown,
): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      credentials: "same-origin",
      headers: body === undefined ? {} : { "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(NETWORK_ZH, 0);
  }
  if (response.status === 401) {
    window.location.assign("/agent/login");
    throw new ApiError("登录已过期，请重新登录。", 401);
  }
  let data: unknown = null;
  try {
    data = await response.json();
  } catch {
    data = null;
  }
  if (!response.ok) {
    const message =
      data && typeof data === "object" && "error" in data && typeof data.error === "string"
        ? data.error
        : `操作失败（错误 ${response.status}），请稍后重试。`;
    throw new ApiError(message, response.status);
  }
  return data as T;
}

export const get = <T>(path: string): Promise<T> => request<T>("GET", path);
export const post = <T>(path: string, body: unknown = {}): Promise<T> =>
  request<T>("POST", path, body);

export const conversationPath = (id: string): string =>
  `/agent/api/conversations/${encodeURIComponent(id)}`;
export const casePath = (caseNumber: string): string =>
  `/agent/api/cases/${encodeURIComponent(caseNumber)}`;
