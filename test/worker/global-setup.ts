import type { TestProject } from "vitest/node";
import type { FakeServer } from "../fakes/fake-server";
import { startFakePostHog } from "../fakes/posthog";

/** Starts the loopback fakes of outside services once for the workers project. */
export default async function setup(project: TestProject) {
  const fakes: FakeServer[] = [];
  const posthog = await startFakePostHog();
  fakes.push(posthog);
  project.provide("posthogUrl", posthog.url);
  return async () => {
    await Promise.all(fakes.map((f) => f.close()));
  };
}
