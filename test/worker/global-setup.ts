import type { ProvidedContext } from "vitest";
import type { TestProject } from "vitest/node";
import type { FakeServer } from "../fakes/fake-server";
import { startFakePostHog } from "../fakes/posthog";
import { startFakeResend } from "../fakes/resend";
import { startFakeSlack } from "../fakes/slack";
import { startFakeZendesk } from "../fakes/zendesk";

const FAKES: Array<[keyof ProvidedContext, () => Promise<FakeServer>]> = [
  ["posthogUrl", startFakePostHog],
  ["zendeskUrl", startFakeZendesk],
  ["resendUrl", startFakeResend],
  ["slackUrl", startFakeSlack],
];

/** Starts the loopback fakes of outside services once for the workers project and hands over their URLs. */
export default async function setup(project: TestProject) {
  const fakes = await Promise.all(FAKES.map(([, start]) => start()));
  FAKES.forEach(([key], i) => project.provide(key, fakes[i]!.url));
  return async () => {
    await Promise.all(fakes.map((f) => f.close()));
  };
}
