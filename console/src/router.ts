// Every page of the console. Adding a page is one entry here plus its view file under
// views/: ``meta.roles`` says who sees it (the server checks the same roles on its API),
// ``meta.nav`` puts it in the top navigation. See console/README.md.
import { createRouter, createWebHistory, type RouteRecordRaw } from "vue-router";
import type { Role } from "./types";
import { session } from "./session";

declare module "vue-router" {
  interface RouteMeta {
    title: string;
    roles: Role[];
    nav?: boolean;
  }
}

export const routes: RouteRecordRaw[] = [
  {
    path: "/",
    name: "workbench",
    component: () => import("./views/WorkbenchView.vue"),
    meta: { title: "工作台", roles: ["agent"], nav: true },
  },
  {
    path: "/cases",
    name: "cases",
    component: () => import("./views/CasesView.vue"),
    meta: { title: "工单", roles: ["agent", "supervisor"], nav: true },
  },
  {
    path: "/cases/:caseNumber",
    name: "case",
    component: () => import("./views/CaseView.vue"),
    meta: { title: "工单详情", roles: ["agent", "supervisor"] },
  },
  {
    path: "/canned",
    name: "canned",
    component: () => import("./views/CannedView.vue"),
    meta: { title: "快捷回复", roles: ["agent", "supervisor", "admin"], nav: true },
  },
  {
    path: "/training",
    name: "training",
    component: () => import("./views/TrainingView.vue"),
    meta: { title: "训练", roles: ["trainer", "admin"], nav: true },
  },
  {
    path: "/reports",
    name: "reports",
    component: () => import("./views/ReportsView.vue"),
    meta: { title: "报表", roles: ["supervisor", "admin"], nav: true },
  },
  {
    path: "/alerts",
    name: "alerts",
    component: () => import("./views/AlertsView.vue"),
    meta: { title: "警报", roles: ["agent", "supervisor", "admin"], nav: true },
  },
  {
    path: "/incidents",
    name: "incidents",
    component: () => import("./views/IncidentsView.vue"),
    meta: { title: "应急事件", roles: ["supervisor", "admin"] },
  },
  {
    path: "/followups",
    name: "followups",
    component: () => import("./views/FollowupsView.vue"),
    meta: { title: "回访", roles: ["agent", "supervisor"] },
  },
  {
    path: "/:rest(.*)*",
    name: "missing",
    component: () => import("./views/MissingView.vue"),
    meta: { title: "页面不存在", roles: ["agent", "trainer", "supervisor", "admin"] },
  },
];

/** Whether someone holding ``roles`` may open a page meant for ``allowed``. */
export function canSee(roles: readonly Role[], allowed: readonly Role[]): boolean {
  return allowed.some((role) => roles.includes(role));
}

/** The pages in the navigation that ``roles`` may open, in order. */
export function navFor(roles: readonly Role[]): RouteRecordRaw[] {
  return routes.filter((r) => r.meta?.nav && canSee(roles, r.meta.roles));
}

export const router = createRouter({ history: createWebHistory("/agent/"), routes });

router.beforeEach((to) => {
  const roles = session.me?.roles ?? [];
  if (to.meta.roles && !canSee(roles, to.meta.roles)) {
    const first = navFor(roles)[0];
    if (first && first.name !== to.name) return { name: first.name };
    return false;
  }
  return true;
});
