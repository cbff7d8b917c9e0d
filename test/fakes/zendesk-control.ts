/**
 * The Zendesk stand-in's control API (not Zendesk's): what an account holds (`tickets`) and how it
 * behaves (`config`: its admin credentials, export quota…). Plain fetch, so worker tests, node tests
 * and the demo can all call it.
 */
export async function controlZendesk(
  baseUrl: string,
  account: string,
  what: "tickets" | "config",
  body: unknown,
): Promise<void> {
  const res = await fetch(`${baseUrl}/__fake/zendesk/${account}/${what}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`the Zendesk stand-in refused ${what}: ${res.status} ${await res.text()}`);
}
