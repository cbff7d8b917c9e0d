// The loopback fakes of outside services, steered through their control endpoints.
import { inject } from "vitest";
import type { ContractViolation, RecordedRequest, ScriptedReply } from "../../fakes/types";

/**
 * Requests under this prefix break the vendors' contracts on purpose (test/worker/contracts.test.ts
 * proves the check catches them); the check after every test leaves them out.
 */
export const CONTRACT_PROBE_PREFIX = "/t/contract-probe";

/** Talks to a loopback fake's control endpoints. */
export const fake = (name: "posthogUrl" | "zendeskUrl" | "resendUrl" | "slackUrl") => {
  const url = () => inject(name);
  return {
    url,
    async requests(): Promise<RecordedRequest[]> {
      return (await fetch(`${url()}/__fake/requests`)).json();
    },
    async unexpected(): Promise<RecordedRequest[]> {
      return (await fetch(`${url()}/__fake/unexpected`)).json();
    },
    /** What the fake saw that the vendor's API description does not allow (test/fakes/contracts.ts). */
    async contractViolations(): Promise<ContractViolation[]> {
      return (await fetch(`${url()}/__fake/contract-violations`)).json();
    },
    async reset(): Promise<void> {
      await fetch(`${url()}/__fake/reset`, { method: "POST" });
    },
    async script(replies: ScriptedReply[]): Promise<void> {
      await fetch(`${url()}/__fake/script`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(replies),
      });
    },
  };
};

export const posthog = fake("posthogUrl");

/** Every event PostHog's fake accepted (2xx) or saw, flattened from the batches. */
export async function posthogEvents(): Promise<Array<Record<string, any>>> {
  const requests = await posthog.requests();
  return requests.flatMap((r) => ((r.body as { batch?: unknown[] }).batch ?? []) as Array<Record<string, any>>);
}

/** The events PostHog's fake accepted (answered 200), in arrival order: what PostHog holds. */
export async function posthogAccepted(): Promise<Array<Record<string, any>>> {
  return (await fetch(`${inject("posthogUrl")}/__fake/posthog/events`)).json();
}
