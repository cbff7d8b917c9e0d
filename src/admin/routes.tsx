import { Hono } from "hono";
import type { AppEnv } from "../app-env";
import { settingsOf } from "../config";
import { sameOriginPosts } from "../lib/http";
import { answersRoutes } from "./answers-routes";
import { requireAdmin } from "./auth";
import { digestPreviewRoutes } from "./digest-preview-routes";
import { dispatchRoutes } from "./dispatch-routes";
import { donationsRoutes } from "./donations-routes";
import { eraseRoutes } from "./erase-routes";
import { outboxRoutes } from "./outbox-routes";
import { reportPreviewRoutes } from "./report-preview-routes";
import { reportRoutes } from "./report-routes";
import { signInRoutes } from "./sign-in-routes";

/** The admin area's routes: every page behind the sign-in check, each page's routes in its own file. */
export const adminRoutes = new Hono<AppEnv>();

adminRoutes.use("*", requireAdmin);

// Admin forms only ever post from admin pages.
adminRoutes.use(
  "*",
  sameOriginPosts<AppEnv>({
    publicBaseUrl: (c) => settingsOf(c.env).publicBaseUrl,
    onRefused: (c) => c.json({ error: "Cross-site request refused." }, 403),
  }),
);

adminRoutes.route("/", signInRoutes);
adminRoutes.route("/", reportRoutes);
adminRoutes.route("/", dispatchRoutes);
adminRoutes.route("/", outboxRoutes);
adminRoutes.route("/", eraseRoutes);
adminRoutes.route("/", answersRoutes);
adminRoutes.route("/", reportPreviewRoutes);
adminRoutes.route("/", digestPreviewRoutes);
adminRoutes.route("/", donationsRoutes);
