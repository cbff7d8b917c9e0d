import { RATING_LABELS, RATING_QUESTION } from "../survey/copy";

/** Faces as text, so the email reads the same with images blocked. */
const FACE_EMOJI = ["😠", "☹", "😐", "☺", "😄"] as const;

export interface SurveyEmailInput {
  ticketId: number;
  requesterName: string | null;
  team: string | null;
  /** Signed survey links with rating=1..5, in that order. */
  faceUrls: string[];
  unsubscribeUrl: string;
  charity: string;
}

export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
  headers: Record<string, string>;
}

function firstName(name: string | null): string | null {
  const first = name?.trim().split(/\s+/)[0];
  return first && first.length <= 40 ? first : null;
}

const font = "font-family:-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;";

function Html(props: SurveyEmailInput & { greeting: string; subject: string }) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="light dark" />
        <title>{props.subject}</title>
      </head>
      <body style={`margin:0;padding:0;background:#f6f4ef;${font}`}>
        <div style="display:none;max-height:0;overflow:hidden">
          One click tells us how we did, and feeds a hedgehog.
        </div>
        <table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background:#f6f4ef">
          <tr>
            <td align="center" style="padding:16px 8px">
              <table
                role="presentation"
                width="100%"
                cellpadding="0"
                cellspacing="0"
                style="max-width:520px;background:#ffffff;border:1px solid #d8d4ca;border-radius:12px"
              >
                <tr>
                  <td style={`padding:24px 20px;color:#1d1f24;font-size:16px;line-height:1.5;${font}`}>
                    <p style="margin:0 0 12px">{props.greeting}</p>
                    <p style="margin:0 0 16px">
                      Your support ticket #{props.ticketId}
                      {props.team ? ` with our ${props.team} team` : ""} was solved a few days ago. {RATING_QUESTION}
                    </p>
                    <table role="presentation" width="100%" cellpadding="0" cellspacing="0">
                      <tr>
                        {props.faceUrls.map((url, i) => (
                          <td align="center" width="20%" style="padding:2px">
                            <a
                              href={url}
                              style={`display:block;padding:10px 2px;border:1px solid #d8d4ca;border-radius:10px;color:#1d1f24;text-decoration:none;font-size:12px;line-height:1.3;${font}`}
                            >
                              <span style="font-size:28px;line-height:1.2" aria-hidden="true">
                                {FACE_EMOJI[i]}
                              </span>
                              <br />
                              {RATING_LABELS[i]}
                            </a>
                          </td>
                        ))}
                      </tr>
                    </table>
                    <p style="margin:16px 0 0;font-size:14px;color:#5b6270">
                      Your click opens a short page where you can add a comment. Nothing is recorded until you press
                      Submit there.
                    </p>
                    <p style="margin:16px 0 0">For every answer we feed a hedgehog: a donation to {props.charity}.</p>
                  </td>
                </tr>
              </table>
              <p style={`margin:12px 0 0;font-size:12px;color:#5b6270;${font}`}>
                Don't want these surveys?{" "}
                <a href={props.unsubscribeUrl} style="color:#5b6270">
                  Unsubscribe
                </a>
                .
              </p>
            </td>
          </tr>
        </table>
      </body>
    </html>
  );
}

/** The survey email: HTML and plain text, with the one-click unsubscribe headers (RFC 8058). */
export function renderSurveyEmail(input: SurveyEmailInput): RenderedEmail {
  const name = firstName(input.requesterName);
  const greeting = name ? `Hi ${name},` : "Hi,";
  const subject = `How did we do with your support ticket #${input.ticketId}?`;
  const html = "<!doctype html>" + String(<Html {...input} greeting={greeting} subject={subject} />);
  const text = [
    greeting,
    "",
    `Your support ticket #${input.ticketId}${input.team ? ` with our ${input.team} team` : ""} was solved a few days ago.`,
    RATING_QUESTION,
    "",
    ...input.faceUrls.map((url, i) => `${RATING_LABELS[i]}:\n${url}\n`),
    "Your click opens a short page where you can add a comment. Nothing is recorded until you press Submit there.",
    "",
    `For every answer we feed a hedgehog: a donation to ${input.charity}.`,
    "",
    `Don't want these surveys? Unsubscribe: ${input.unsubscribeUrl}`,
    "",
  ].join("\n");
  return {
    subject,
    html,
    text,
    headers: {
      "List-Unsubscribe": `<${input.unsubscribeUrl}>`,
      "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    },
  };
}
