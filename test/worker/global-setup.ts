import type { TestProject } from "vitest/node";
import type { FakeServer } from "../fakes/fake-server";
import { startFakePostHog } from "../fakes/posthog";
import { startFakeResend } from "../fakes/resend";
import { startFakeSlack } from "../fakes/slack";
import { startFakeZendesk } from "../fakes/zendesk";

/** Starts the loopback fakes of outside services once for the workers project. */
export default async function setup(project: TestProject) {
  const fakes: FakeServer[] = [];
  const posthog = await startFakePostHog();
  fakes.push(posthog);
  project.provide("posthogUrl", posthog.url);
  const zendesk = await startFakeZendesk();
  fakes.push(zendesk);
  project.provide("zendeskUrl", zendesk.url);
  const resend = await startFakeResend();
  fakes.push(resend);
  project.provide("resendUrl", resend.url);
  const slack = await startFakeSlack();
  fakes.push(slack);
  project.provide("slackUrl", slack.url);
  return async () => {
    await Promise.all(fakes.map((f) => f.close()));
  };
}
