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
:root { color-scheme: light dark; }
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
@media (min-width: 481px) {
  .email-wide { display: block !important; max-height: none !important; max-width: none !important; overflow: visible !important;
    font-size: 12px !important; line-height: 16px !important; }
}
`;

/**
 * Content that some clients must not show, hidden with what each supports (caniemail.com): Gmail's
 * mobile web client drops display:none, <style> and opacity, but keeps max-height, overflow,
 * font-size and line-height, which hide it there and everywhere else; Outlook for Windows ignores
 * display:none, so the conditional comment (which only Outlook's Word engine reads) leaves it out
 * there. No colour trick: text coloured like its background reads as spam to filters, and so do many
 * display:none (SpamAssassin counts them), so only the preheader adds it, for clients that build
 * their preview from the rendered text.
 */
export function Hidden(props: { children: Child; tag: "div" | "span"; className?: string; displayNone?: boolean }) {
  const style = `${props.displayNone ? "display:none;" : ""}max-height:0;max-width:0;overflow:hidden;font-size:0;line-height:0`;
  const Tag = props.tag;
  return (
    <>
      {raw("<!--[if !mso]><!-->")}
      <Tag class={props.className} style={style}>
        {props.children}
      </Tag>
      {raw("<!--<![endif]-->")}
    </>
  );
}

/** The preview line inbox lists show after the subject, hidden in the message itself. */
function Preheader(props: { text: string }) {
  return (
    <Hidden tag="div" displayNone>
      {props.text}
    </Hidden>
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
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <meta name="x-apple-disable-message-reformatting" content="" />
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
