import { raw } from "hono/html";
import type { Child } from "hono/jsx";

/** What every email we send is made of. */
export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
  headers: Record<string, string>;
}

export const EMAIL_FONT = "font-family:-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;";

/**
 * Dark mode for clients that honour it (Apple Mail, Outlook on the web and apps, Gmail's own dark
 * theme recolours the rest): light by default, swapped by class. `[data-ogsc]` is Outlook.com's
 * marker for its dark mode. Clients without <style> support keep the light colours, which work.
 */
const DARK_MODE = `
:root { color-scheme: light dark; supported-color-schemes: light dark; }
@media (prefers-color-scheme: dark) {
  .email-bg { background: #15171c !important; }
  .email-card { background: #1f232b !important; border-color: #3a404c !important; }
  .email-text { color: #eceef2 !important; }
  .email-muted { color: #a9b0bd !important; }
  .email-button { background: #2a2f38 !important; border-color: #4a5160 !important; }
  .email-link { color: #8aa6ff !important; }
}
[data-ogsc] .email-text { color: #eceef2 !important; }
[data-ogsc] .email-muted { color: #a9b0bd !important; }
[data-ogsc] .email-link { color: #8aa6ff !important; }
@media (min-width: 481px) { .email-wide { display: block !important; max-height: none !important; overflow: visible !important; } }
`;

/**
 * The preview line inbox lists show after the subject, hidden in the message itself in every client
 * (Gmail's app ignores display:none alone: the size, colour, opacity and mso-hide do the rest), and
 * padded so the body's first words do not follow it into the preview.
 */
function Preheader(props: { text: string }) {
  return (
    <div style="display:none;font-size:1px;line-height:1px;max-height:0;max-width:0;opacity:0;overflow:hidden;mso-hide:all;color:#f6f4ef">
      {props.text}
      {raw("&#8199;&#65279;&#847; ".repeat(30))}
    </div>
  );
}

/**
 * An email's HTML document: head with charset, viewport, colour schemes and title; a full-width
 * background table; one centred card at most `maxWidth` wide that shrinks to the screen (no fixed
 * widths anywhere, so nothing scrolls sideways at 320 px).
 */
export function emailDocument(props: {
  title: string;
  preheader: string;
  maxWidth: number;
  children: Child;
  footer?: Child;
}) {
  return (
    raw("<!doctype html>") +
    String(
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <meta http-equiv="Content-Type" content="text/html; charset=utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <meta name="x-apple-disable-message-reformatting" />
          <meta name="color-scheme" content="light dark" />
          <meta name="supported-color-schemes" content="light dark" />
          <title>{props.title}</title>
          <style>{raw(DARK_MODE)}</style>
        </head>
        <body class="email-bg" style={`margin:0;padding:0;width:100%;background:#f6f4ef;${EMAIL_FONT}`}>
          <Preheader text={props.preheader} />
          <table
            role="presentation"
            class="email-bg"
            width="100%"
            cellpadding="0"
            cellspacing="0"
            border={0}
            style="background:#f6f4ef;width:100%"
          >
            <tr>
              <td align="center" style="padding:16px 8px">
                <table
                  role="presentation"
                  class="email-card"
                  width="100%"
                  cellpadding="0"
                  cellspacing="0"
                  border={0}
                  style={`max-width:${props.maxWidth}px;width:100%;background:#ffffff;border:1px solid #d8d4ca;border-radius:12px`}
                >
                  <tr>
                    <td
                      class="email-text"
                      style={`padding:20px 16px;color:#1d1f24;font-size:16px;line-height:1.5;${EMAIL_FONT}`}
                    >
                      {props.children}
                    </td>
                  </tr>
                </table>
                {props.footer ?? null}
              </td>
            </tr>
          </table>
        </body>
      </html>,
    )
  );
}
