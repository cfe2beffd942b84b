import { createApp } from "vue";
import "element-plus/dist/index.css";
import "./style.css";
import App from "./App.vue";
import { router } from "./router";
import { loadSession } from "./session";

async function start(): Promise<void> {
  await loadSession();
  createApp(App).use(router).mount("#app");
}

void start().catch(() => {
  const root = document.getElementById("app");
  if (root) root.textContent = "客服工作台加载失败，请刷新页面重试。";
});
