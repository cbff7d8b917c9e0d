import { EMAIL_FONT, emailDocument, Hidden, type RenderedEmail } from "../lib/email-shell";
import type { Brand } from "../lib/layout";
import { FACE_EMOJI, RATING_LABELS, RATING_QUESTION } from "../lib/copy";

export type { RenderedEmail } from "../lib/email-shell";

export interface SurveyEmailInput {
  ticketId: number;
  requesterName: string | null;
  team: string | null;
  /** Signed survey links with rating=1..5, in that order. */
  faceUrls: string[];
  unsubscribeUrl: string;
  charity: string;
  brand: Brand;
  /** The one reminder: the same email and links, saying it is a reminder. */
  reminder?: boolean;
}

const REMINDER_LINE = "A reminder, in case our first email got buried: this is the only one we send.";

function firstName(name: string | null): string | null {
  const first = name?.trim().split(/\s+/)[0];
  return first && first.length <= 40 ? first : null;
}

const PREHEADER = "One tap tells us how we did, and feeds a hedgehog.";

/**
 * Five equal buttons, "bulletproof": each is a table cell carrying the padding, border and
 * background (Outlook for Windows drops them on links), with the whole face as the link. A fixed
 * table layout keeps them equal; the names show under the faces where there is room (481 px and
 * up, in clients that read <style>) and otherwise the two ends of the scale are named below.
 */
function FaceButtons(props: { faceUrls: string[] }) {
  return (
    <>
      <table
        role="presentation"
        width="100%"
        cellpadding="0"
        cellspacing="6"
        border={0}
        style="width:100%;table-layout:fixed;margin:4px 0 0"
      >
        <tr>
          {props.faceUrls.map((url, i) => (
            <td
              align="center"
              valign="middle"
              width="20%"
              class="email-button"
              style="width:20%;padding:8px 0;border:1px solid #d8d4ca;border-radius:10px;background:#ffffff"
            >
              <a
                href={url}
                title={RATING_LABELS[i]}
                class="email-text"
                style={`display:block;color:#1d1f24;text-decoration:none;font-size:28px;line-height:36px;${EMAIL_FONT}`}
              >
                {/* The space keeps face and name two words to a spam filter (not one split by a tag). */}
                {FACE_EMOJI[i]}{" "}
                <Hidden tag="span" className="email-wide">
                  {RATING_LABELS[i]}
                </Hidden>
              </a>
            </td>
          ))}
        </tr>
      </table>
      <table role="presentation" width="100%" cellpadding="0" cellspacing="0" border={0} style="width:100%">
        <tr>
          <td class="email-muted" align="left" style="padding:2px 6px 0;font-size:12px;color:#5b6270">
            {FACE_EMOJI[0]} {RATING_LABELS[0]}
          </td>
          <td class="email-muted" align="right" style="padding:2px 6px 0;font-size:12px;color:#5b6270">
            {RATING_LABELS[4]} {FACE_EMOJI[4]}
          </td>
        </tr>
      </table>
    </>
  );
}

function BrandLine(props: { brand: Brand }) {
  // Images in email need a hosted https URL (mail clients drop data: images); the name always shows.
  const logo = props.brand.logoUrl?.startsWith("https://") ? props.brand.logoUrl : undefined;
  return (
    <p class="email-muted" style="margin:0 0 12px;font-size:14px;font-weight:700;color:#5b6270">
      {logo ? (
        <img
          src={logo}
          alt={props.brand.name}
          height="24"
          style="height:24px;width:auto;vertical-align:middle;border:0"
        />
      ) : (
        props.brand.name
      )}
    </p>
  );
}

/** The survey email: HTML and plain text, with the one-click unsubscribe headers (RFC 8058). */
export function renderSurveyEmail(input: SurveyEmailInput): RenderedEmail {
  const name = firstName(input.requesterName);
  const greeting = name ? `Hi ${name},` : "Hi,";
  const subject = input.reminder
    ? `Reminder: how did we do with your support ticket #${input.ticketId}?`
    : `How did we do with your support ticket #${input.ticketId}?`;
  const solved = `Your support ticket #${input.ticketId}${input.team ? ` with our ${input.team} team` : ""} was solved a few days ago.`;
  const html = emailDocument({
    title: subject,
    preheader: PREHEADER,
    maxWidth: 520,
    children: (
      <>
        <BrandLine brand={input.brand} />
        <p style="margin:0 0 12px">{greeting}</p>
        {input.reminder ? <p style="margin:0 0 12px">{REMINDER_LINE}</p> : null}
        <p style="margin:0 0 12px">
          {solved} {RATING_QUESTION}
        </p>
        <FaceButtons faceUrls={input.faceUrls} />
        <p class="email-muted" style="margin:16px 0 0;font-size:14px;color:#5b6270">
          Your tap opens a short page where you can add a comment. Nothing is recorded until you press Submit there.
        </p>
        <p style="margin:16px 0 0">For every answer we feed a hedgehog: a donation to {input.charity}.</p>
      </>
    ),
    footer: (
      <p class="email-muted" style={`margin:12px 0 0;font-size:12px;color:#5b6270;${EMAIL_FONT}`}>
        Don't want these surveys?{" "}
        <a href={input.unsubscribeUrl} class="email-link" style="color:#5b6270">
          Unsubscribe
        </a>
        .
      </p>
    ),
  });
  const text = [
    greeting,
    "",
    ...(input.reminder ? [REMINDER_LINE, ""] : []),
    solved,
    RATING_QUESTION,
    "",
    ...input.faceUrls.map((url, i) => `${RATING_LABELS[i]}:\n${url}\n`),
    "Your tap opens a short page where you can add a comment. Nothing is recorded until you press Submit there.",
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
