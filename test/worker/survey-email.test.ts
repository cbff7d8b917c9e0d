import { describe, expect, it } from "vitest";
import { renderSurveyEmail } from "../../src/dispatch/email";

describe("survey email", () => {
  const input = {
    ticketId: 77,
    requesterName: 'Ada <b>"Lovelace"</b>',
    team: "Product analytics",
    faceUrls: [1, 2, 3, 4, 5].map((r) => `https://s.example/?ticketId=77&sig=x&rating=${r}`),
    unsubscribeUrl: "https://s.example/unsubscribe?t=77&sig=def",
    charity: "Herts Wildlife Trust",
    brand: { name: "PostHog" },
  };

  it("has a plain subject, both parts, five face links in order, the promise and a visible unsubscribe", () => {
    const email = renderSurveyEmail(input);
    expect(email.subject).toBe("How did we do with your support ticket #77?");
    const links = [...email.html.matchAll(/href="([^"]+)"/g)].map((m) => m[1]!.replace(/&amp;/g, "&"));
    expect(links).toEqual([...input.faceUrls, input.unsubscribeUrl]);
    expect(email.html).toContain("Very dissatisfied");
    expect(email.html).toContain("we feed a hedgehog");
    expect(email.html).not.toContain("<img");
    expect(email.text).toContain("Very satisfied:\nhttps://s.example/?ticketId=77&sig=x&rating=5");
    expect(email.text).toContain("Unsubscribe: https://s.example/unsubscribe?t=77&sig=def");
    expect(email.headers).toEqual({
      "List-Unsubscribe": "<https://s.example/unsubscribe?t=77&sig=def>",
      "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    });
  });

  it("escapes the requester's name and greets by first name only", () => {
    expect(renderSurveyEmail(input).html).toContain("Hi Ada,");
    const hostile = renderSurveyEmail({ ...input, requesterName: "<b>Ada</b> Lovelace" });
    expect(hostile.html).toContain("Hi &lt;b&gt;Ada&lt;/b&gt;,");
    expect(hostile.html).not.toContain("<b>");
    expect(renderSurveyEmail({ ...input, requesterName: null }).text.startsWith("Hi,")).toBe(true);
  });
});
