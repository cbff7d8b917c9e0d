import { Layout, MessagePage } from "../lib/layout";
import { COMMENT_MAX_LENGTH, COMMENT_QUESTION, RATING_LABELS, RATING_QUESTION, ratingLabel } from "./copy";
import { Face } from "./faces";
import type { SurveyLinkFields } from "./link";

export interface SurveyFormProps {
  link: SurveyLinkFields & { sig: string };
  selectedRating?: number | undefined;
  comment?: string | undefined;
  /** Set when the ticket was answered before: the page edits that answer. */
  alreadyAnswered: boolean;
  error?: string | undefined;
  charity: string;
}

function HiddenLinkFields(props: { link: SurveyLinkFields & { sig: string } }) {
  const { link } = props;
  return (
    <>
      <input type="hidden" name="distinct_id" value={link.distinctId} />
      <input type="hidden" name="ticketId" value={String(link.ticketId)} />
      <input type="hidden" name="team" value={link.team} />
      {link.initialTargetArea !== undefined ? (
        <input type="hidden" name="initialTargetArea" value={link.initialTargetArea} />
      ) : null}
      <input type="hidden" name="exp" value={String(link.exp)} />
      <input type="hidden" name="sig" value={link.sig} />
    </>
  );
}

export function SurveyPage(props: SurveyFormProps) {
  return (
    <Layout title="How did we do? · Support survey" script="/survey.js">
      <p class="eyebrow">Support ticket #{props.link.ticketId}</p>
      {props.alreadyAnswered ? (
        <p class="notice" role="status">
          You already answered for this ticket. You can change your answer below.
        </p>
      ) : null}
      {props.error ? (
        <p class="error" role="alert" id="form-error">
          {props.error}
        </p>
      ) : null}
      <form method="post" action="/" class="survey" id="survey-form">
        <HiddenLinkFields link={props.link} />
        <fieldset class="faces" aria-describedby={props.error ? "form-error" : undefined}>
          <legend>
            <h1>{RATING_QUESTION}</h1>
          </legend>
          <div class="face-row">
            {RATING_LABELS.map((label, i) => {
              const rating = i + 1;
              return (
                <label class="face-option">
                  <input
                    class="visually-hidden"
                    type="radio"
                    name="rating"
                    value={String(rating)}
                    checked={props.selectedRating === rating}
                    required
                  />
                  <Face rating={rating} />
                  <span class="face-label">{label}</span>
                </label>
              );
            })}
          </div>
          <div class="scale-ends" aria-hidden="true">
            <span>{RATING_LABELS[0]}</span>
            <span>{RATING_LABELS[4]}</span>
          </div>
        </fieldset>
        <label for="comment" class="comment-label">
          {COMMENT_QUESTION} <span class="optional">(optional)</span>
        </label>
        <textarea id="comment" name="comment" rows={4} maxlength={COMMENT_MAX_LENGTH} aria-describedby="comment-hint">
          {props.comment ?? ""}
        </textarea>
        <p class="hint" id="comment-hint" data-max={String(COMMENT_MAX_LENGTH)}>
          Up to {COMMENT_MAX_LENGTH.toLocaleString("en-GB")} characters.
        </p>
        <button type="submit">{props.alreadyAnswered ? "Update my answer" : "Submit"}</button>
      </form>
      <p class="footnote">Every answer feeds a hedgehog: we donate to {props.charity} for each one.</p>
    </Layout>
  );
}

export function ThanksPage(props: {
  hedgehogNumber: number;
  rating: number;
  comment: string | null;
  changeUrl: string;
  charity: string;
}) {
  return (
    <Layout title="Thank you · Support survey">
      <div class="hedgehog" aria-hidden="true">
        <svg viewBox="0 0 64 40" width="96" height="60" focusable="false">
          <path
            class="spines"
            d="M6 32 L4 22 L12 24 L12 12 L20 18 L24 6 L30 15 L36 5 L40 15 L48 8 L48 19 L56 16 L52 28 Z"
          />
          <ellipse class="body" cx="34" cy="29" rx="24" ry="10" />
          <circle class="nose" cx="59" cy="30" r="2.5" />
          <circle class="eye" cx="50" cy="26" r="1.6" />
        </svg>
      </div>
      <h1>Thank you!</h1>
      <p class="big" role="status">
        You just fed hedgehog #{props.hedgehogNumber.toLocaleString("en-GB")}.
      </p>
      <p>
        Your answer: <strong>{ratingLabel(props.rating)}</strong> ({props.rating} of 5)
      </p>
      {props.comment ? <blockquote class="your-comment">{props.comment}</blockquote> : null}
      <p>
        <a href={props.changeUrl}>Change my answer</a>
      </p>
      <p class="footnote">We donate to {props.charity} for every answer. Thank you for helping us improve.</p>
    </Layout>
  );
}

export function BadLinkPage(props: { problems: string[] }) {
  return (
    <MessagePage title="Incomplete survey link" heading="This survey link is incomplete">
      <p>Something in the link is missing or has been changed:</p>
      <ul class="problems">
        {props.problems.map((p) => (
          <li>{p[0]!.toUpperCase() + p.slice(1)}.</li>
        ))}
      </ul>
      <p>
        Please open the survey again from your email. If your email app split the link over two lines, copy the whole
        link.
      </p>
    </MessagePage>
  );
}

export function ForgedLinkPage() {
  return (
    <MessagePage title="Survey link not valid" heading="This survey link isn't valid">
      <p>We couldn't confirm that this link came from one of our emails, so we can't record an answer with it.</p>
      <p>Please open the survey again from your email.</p>
    </MessagePage>
  );
}

export function ExpiredLinkPage() {
  return (
    <MessagePage title="Survey link expired" heading="This survey has closed">
      <p>The link in your email has expired, so we can no longer record an answer for this ticket.</p>
      <p>Thank you for wanting to tell us. You can always reply to your support email.</p>
    </MessagePage>
  );
}
