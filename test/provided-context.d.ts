// What test/worker/global-setup.ts hands to the worker tests (loopback fake URLs).
declare module "vitest" {
  export interface ProvidedContext {
    posthogUrl: string;
    zendeskUrl: string;
    resendUrl: string;
    slackUrl: string;
  }
}
export {};
