import { emailDocument, type RenderedEmail } from "../lib/email-shell";
import { formatPercent } from "./report";
import {
  answerHeadline,
  digestFigures,
  digestText,
  digestTitle,
  emptyWeekLine,
  isEmptyWeek,
  type DigestAnswer,
  type WeeklyDigest,
} from "./digest";
import { plural } from "../lib/plural";

const cell =
  "padding:6px 4px;border-bottom:1px solid #d8d4ca;text-align:left;vertical-align:top;overflow-wrap:anywhere;word-break:break-word";
const table = "width:100%;border-collapse:collapse;font-size:14px;table-layout:fixed";

function AnswerList(props: { title: string; answers: DigestAnswer[]; leftOut: number; what: string }) {
  if (props.answers.length === 0) return null;
  return (
    <>
      <h2 style="font-size:16px;margin:20px 0 8px">{props.title}</h2>
      <ul style="padding-left:20px;margin:0">
        {props.answers.map((a) => (
          <li style="margin:0 0 8px">
            {a.url ? (
              <a href={a.url} class="email-link">
                {answerHeadline(a)}
              </a>
            ) : (
              answerHeadline(a)
            )}
            {a.comment ? <blockquote style="margin:4px 0 0 8px;white-space:pre-wrap">{a.comment}</blockquote> : null}
          </li>
        ))}
      </ul>
      {props.leftOut > 0 ? <p>…and {plural(props.leftOut, props.what)} more (see /admin/answers).</p> : null}
    </>
  );
}

/** The team's email: the same figures and lists as its Slack message. */
export function renderDigestEmail(d: WeeklyDigest): Omit<RenderedEmail, "headers"> {
  const empty = isEmptyWeek(d);
  const subject = empty
    ? `Weekly CSAT digest for ${digestTitle(d)}: no answers`
    : `Weekly CSAT digest for ${digestTitle(d)}: ${plural(d.current.answers, "answer")}, CSAT ${formatPercent(d.current.csat)}`;
  const html = emailDocument({
    title: subject,
    preheader: empty ? emptyWeekLine(d) : `${plural(d.lowRatings.total, "low rating")} last week.`,
    maxWidth: 560,
    children: empty ? (
      <p style="font-size:16px;margin:0">{emptyWeekLine(d)}</p>
    ) : (
      <>
        <h1 style="font-size:20px;line-height:1.3;margin:0 0 12px">Weekly CSAT digest: {digestTitle(d)}</h1>
        <table role="presentation" cellpadding="0" cellspacing="0" border={0} style={table}>
          {digestFigures(d).map((f) => (
            <tr>
              <th style={cell}>{f.label}</th>
              <td style={cell}>{f.shown}</td>
            </tr>
          ))}
        </table>
        <AnswerList title="Low ratings" answers={d.lowRatingList} leftOut={d.leftOut.lowRatings} what="low rating" />
        <AnswerList title="Comments" answers={d.comments} leftOut={d.leftOut.comments} what="comment" />
      </>
    ),
  });
  return { subject, html, text: digestText(d) };
}
