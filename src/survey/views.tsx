import { formatCount, formatDay } from "../lib/format";
import type { Brand } from "../lib/layout";
import { Layout, MessagePage, renderedOnce, renderedOncePer } from "../lib/layout";
import {
  COMMENT_MAX_LENGTH,
  COMMENT_QUESTION,
  COMMENT_QUESTION_TOP,
  commentPromptFor,
  type CommentPrompt,
  RATING_LABELS,
  RATING_QUESTION,
  ratingLabel,
  REASON_RATING_MAX,
  REASONS_QUESTION,
} from "../lib/copy";
import { Face } from "./faces";
import type { SurveyLinkFields } from "../lib/survey-link";
import { SURVEY_JS } from "./page-script";

/** The ticket's stored answer, as the customer gave it. */
export interface EarlierAnswer {
  rating: number;
  comment: string | null;
  reasons: string[];
  version: number;
  updatedAt: number;
}

export interface SurveyFormProps {
  link: SurveyLinkFields & { sig: string; unsigned?: boolean };
  selectedRating?: number | undefined;
  comment?: string | undefined;
  /** The reason ids ticked (of `reasons`). */
  chosenReasons: string[];
  /** What "What went wrong?" offers (LOW_RATING_REASONS). */
  reasons: LowRatingReason[];
  /** Set when the ticket was answered before: the page shows that answer and edits it. */
  earlier?: EarlierAnswer | undefined;
  error?: string | undefined;
  charity: string;
  brand: Brand;
}

function HiddenLinkFields(props: { link: SurveyLinkFields & { sig: string; unsigned?: boolean } }) {
  const { link } = props;
  return (
    <>
      <input type="hidden" name="distinct_id" value={link.distinctId} />
      {link.posthogTicket ? (
        <>
          <input type="hidden" name="ticket_id" value={link.posthogTicket.uuid} />
          <input type="hidden" name="ticket_number" value={String(link.posthogTicket.number)} />
        </>
      ) : (
        <input type="hidden" name="ticketId" value={String(link.ticketId)} />
      )}
      <input type="hidden" name="team" value={link.team} />
      {link.initialTargetArea !== undefined ? (
        <input type="hidden" name="initialTargetArea" value={link.initialTargetArea} />
      ) : null}
      {/* An unsigned link (checked against Zendesk) posts back as it came: no expiry, no signature. */}
      {link.unsigned ? null : (
        <>
          <input type="hidden" name="exp" value={String(link.exp)} />
          <input type="hidden" name="sig" value={link.sig} />
        </>
      )}
    </>
  );
}

const day = (ms: number) => formatDay(ms);

/** One reason a low rating can give: its stable id and the words shown. */
export interface LowRatingReason {
  id: string;
  label: string;
}

/**
 * "What went wrong?": real checkboxes in a fieldset. Without script it is shown for every rating, its
 * note saying it is for low ratings (a rating above 3 drops the reasons); the page's script shows it
 * only after a rating of 1 to 3 and then hides the note.
 */
function ReasonsQuestion(props: { reasons: LowRatingReason[]; chosen: string[] }) {
  return (
    <fieldset class="reasons" id="reasons" aria-describedby="reasons-note">
      <legend>
        {REASONS_QUESTION} <span class="optional">(optional)</span>
      </legend>
      <p class="hint" id="reasons-note">
        Only if you chose one of the first {REASON_RATING_MAX} faces. Choose any that apply.
      </p>
      <ul class="reason-list">
        {props.reasons.map((r) => (
          <li>
            <label class="reason">
              <input type="checkbox" name="reason" value={r.id} checked={props.chosen.includes(r.id)} /> {r.label}
            </label>
          </li>
        ))}
      </ul>
    </fieldset>
  );
}

/** The labels of chosen reason ids, in the list's order (an id no longer listed is shown as it is). */
function reasonLabels(reasons: LowRatingReason[], chosen: string[]): string[] {
  return chosen.map((id) => reasons.find((r) => r.id === id)?.label ?? id);
}

/**
 * The comment's question for the chosen rating (commentPromptFor). Both are in the page, the other one
 * hidden: the page's script shows the one that follows a rating chosen on the page, each face naming
 * its question in `data-prompt`. Without script the question is the preselected rating's.
 */
function CommentQuestion(props: { prompt: CommentPrompt }) {
  return (
    <>
      <span class="prompt-improve" hidden={props.prompt !== "improve"}>
        {COMMENT_QUESTION}
      </span>
      <span class="prompt-praise" hidden={props.prompt !== "praise"}>
        {COMMENT_QUESTION_TOP}
      </span>
    </>
  );
}

// Markup that is the same on every survey page, rendered once per isolate (see renderedOnce).
const RATINGS = [1, 2, 3, 4, 5];
const faceMarkup = RATINGS.map((rating) => renderedOnce(() => <Face rating={rating} />));

const commentLabel = (prompt: CommentPrompt) =>
  renderedOnce(() => (
    <label for="comment" class="comment-label">
      <CommentQuestion prompt={prompt} /> <span class="optional">(optional)</span>
    </label>
  ));
const commentLabelMarkup: Record<CommentPrompt, () => unknown> = {
  improve: commentLabel("improve"),
  praise: commentLabel("praise"),
};

const commentHintMarkup = renderedOnce(() => (
  <p class="hint" id="comment-hint" data-max={String(COMMENT_MAX_LENGTH)}>
    Up to {formatCount(COMMENT_MAX_LENGTH)} characters.
  </p>
));

/** The five faces as radio buttons, `selected` (0 for none) checked: six renderings in all. */
const faceRowMarkup = renderedOncePer((selected: number) => (
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
            checked={selected === rating}
            required
            data-prompt={commentPromptFor(rating)}
          />
          {faceMarkup[i]!()}
          <span class="face-label">{label}</span>
        </label>
      );
    })}
  </div>
));

/** "What went wrong?" with nothing ticked, the common case, once per LOW_RATING_REASONS list. */
const unansweredReasonsMarkup = renderedOncePer(
  (reasons: LowRatingReason[]) => <ReasonsQuestion reasons={reasons} chosen={[]} />,
  new WeakMap(),
);

const scaleMarkup = renderedOnce(() => (
  <>
    <div class="scale-ends" aria-hidden="true">
      <span>{RATING_LABELS[0]}</span>
      <span>{RATING_LABELS[4]}</span>
    </div>
    <p class="chosen" aria-hidden="true">
      {RATING_LABELS.map((label, i) => (
        <span class={`chosen-${i + 1}`}>{label}</span>
      ))}
    </p>
  </>
));

export function SurveyPage(props: SurveyFormProps) {
  const { earlier } = props;
  return (
    <Layout title="How did we do? · Support survey" style="survey" script={SURVEY_JS} brand={props.brand}>
      <p class="eyebrow">Support ticket #{props.link.posthogTicket?.number ?? props.link.ticketId}</p>
      {earlier ? (
        <p class="notice" role="status">
          You answered on {day(earlier.updatedAt)}: <strong>{ratingLabel(earlier.rating)}</strong>. Your answer is
          below; change it and press Update to edit it.
        </p>
      ) : null}
      {props.error ? (
        <p class="error" role="alert" id="form-error">
          {props.error}
        </p>
      ) : null}
      <form
        method="post"
        action="/"
        class={props.selectedRating ? `survey rated-${props.selectedRating}` : "survey"}
        id="survey-form"
      >
        <HiddenLinkFields link={props.link} />
        {/* Which answer this form showed: a submit never replaces an answer the customer did not see. */}
        <input type="hidden" name="base_version" value={String(earlier?.version ?? 0)} />
        <fieldset class="faces" aria-describedby={props.error ? "form-error" : undefined}>
          <legend>
            <h1>{RATING_QUESTION}</h1>
          </legend>
          {faceRowMarkup(RATINGS.includes(props.selectedRating ?? 0) ? props.selectedRating! : 0)}
          {scaleMarkup()}
        </fieldset>
        {props.chosenReasons.length === 0 ? (
          unansweredReasonsMarkup(props.reasons)
        ) : (
          <ReasonsQuestion reasons={props.reasons} chosen={props.chosenReasons} />
        )}
        {commentLabelMarkup[commentPromptFor(props.selectedRating)]()}
        <textarea id="comment" name="comment" rows={4} maxlength={COMMENT_MAX_LENGTH} aria-describedby="comment-hint">
          {props.comment ?? ""}
        </textarea>
        {commentHintMarkup()}
        <button type="submit">{earlier ? "Update my answer" : "Submit"}</button>
      </form>
      <p class="footnote">Every answer feeds a hedgehog: we donate to {props.charity} for each one.</p>
    </Layout>
  );
}

function AnswerSummary(props: { rating: number; comment: string | null | undefined; reasons: string[] }) {
  return (
    <>
      <p>
        <strong>{ratingLabel(props.rating)}</strong> ({props.rating} of 5)
      </p>
      {props.reasons.length > 0 ? (
        <p class="your-reasons">
          {REASONS_QUESTION} {props.reasons.join("; ")}
        </p>
      ) : null}
      {props.comment ? <blockquote class="your-comment">{props.comment}</blockquote> : <p>No comment.</p>}
    </>
  );
}

/**
 * The ticket was answered since this form was shown (on another device or tab): both answers, and
 * the customer chooses. Keeping the earlier one writes nothing; replacing it posts the new answer
 * again, now against the answer it replaces.
 */
export function ConflictPage(props: {
  link: SurveyLinkFields & { sig: string; unsigned?: boolean };
  earlier: EarlierAnswer;
  submitted: { rating: number; comment: string | undefined; reasons: string[] };
  reasons: LowRatingReason[];
  thanksUrl: string;
  brand: Brand;
}) {
  return (
    <Layout title="Which answer should we keep? · Support survey" style="answer" brand={props.brand}>
      <p class="eyebrow">Support ticket #{props.link.posthogTicket?.number ?? props.link.ticketId}</p>
      <h1>You answered this survey before</h1>
      <p>
        This ticket already has an answer from {day(props.earlier.updatedAt)}, which the form you just sent did not
        show. Which one should we keep?
      </p>
      <div class="choices">
        <section class="choice">
          <h2>Your earlier answer</h2>
          <AnswerSummary
            rating={props.earlier.rating}
            comment={props.earlier.comment}
            reasons={reasonLabels(props.reasons, props.earlier.reasons)}
          />
          <a class="button secondary" href={props.thanksUrl}>
            Keep my earlier answer
          </a>
        </section>
        <section class="choice">
          <h2>The answer you just sent</h2>
          <AnswerSummary
            rating={props.submitted.rating}
            comment={props.submitted.comment}
            reasons={reasonLabels(props.reasons, props.submitted.reasons)}
          />
          <form method="post" action="/">
            <HiddenLinkFields link={props.link} />
            <input type="hidden" name="base_version" value={String(props.earlier.version)} />
            <input type="hidden" name="rating" value={String(props.submitted.rating)} />
            <input type="hidden" name="comment" value={props.submitted.comment ?? ""} />
            {props.submitted.reasons.map((id) => (
              <input type="hidden" name="reason" value={id} />
            ))}
            <button type="submit">Use this answer instead</button>
          </form>
        </section>
      </div>
    </Layout>
  );
}

export function ThanksPage(props: {
  hedgehogNumber: number;
  rating: number;
  comment: string | null;
  chosenReasons: string[];
  reasons: LowRatingReason[];
  /** The answer was changed after it was first given. */
  edited: boolean;
  changeUrl: string;
  charity: string;
  brand: Brand;
}) {
  const hedgehog = `#${formatCount(props.hedgehogNumber)}`;
  return (
    <Layout title="Thank you · Support survey" style="answer" brand={props.brand}>
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
      <h1>{props.edited ? "Your answer was updated" : "Thank you!"}</h1>
      <p class="big" role="status">
        {props.edited ? `Your first answer fed hedgehog ${hedgehog}.` : `You just fed hedgehog ${hedgehog}.`}
      </p>
      <p>Your answer:</p>
      <AnswerSummary
        rating={props.rating}
        comment={props.comment}
        reasons={reasonLabels(props.reasons, props.chosenReasons)}
      />
      <p>
        <a href={props.changeUrl}>Change my answer</a>
      </p>
      <p class="footnote">
        We donate to {props.charity} for every answer. Thank you for helping us improve.{" "}
        <a href="/hedgehogs">See every hedgehog fed</a>
      </p>
    </Layout>
  );
}

export function BadLinkPage(props: { problems: string[]; brand?: Brand }) {
  return (
    <MessagePage title="Incomplete survey link" heading="This survey link is incomplete" brand={props.brand}>
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

export function ForgedLinkPage(props: { brand?: Brand }) {
  return (
    <MessagePage title="Survey link not valid" heading="This survey link isn't valid" brand={props.brand}>
      <p>We couldn't confirm that this link came from one of our emails, so we can't record an answer with it.</p>
      <p>Please open the survey again from your email.</p>
    </MessagePage>
  );
}

export function ExpiredLinkPage(props: { brand?: Brand }) {
  return (
    <MessagePage title="Survey link expired" heading="This survey has closed" brand={props.brand}>
      <p>The link in your email has expired, so we can no longer record an answer for this ticket.</p>
      <p>Thank you for wanting to tell us. You can always reply to your support email.</p>
    </MessagePage>
  );
}

export function TicketNotFoundPage(props: { brand?: Brand }) {
  return (
    <MessagePage title="Ticket not found" heading="We couldn't find this ticket" brand={props.brand}>
      <p>The survey link names a support ticket we have no record of, so we can't take an answer for it.</p>
      <p>Please open the survey again from your email, or reply to your support email.</p>
    </MessagePage>
  );
}

export function NotYourTicketPage(props: { brand?: Brand }) {
  return (
    <MessagePage title="Survey link not valid" heading="This survey link doesn't match its ticket" brand={props.brand}>
      <p>The link names a ticket that was opened by someone else, so we can't record an answer with it.</p>
      <p>Please open the survey from the email about your own ticket.</p>
    </MessagePage>
  );
}

export function TicketNotSolvedPage(props: { brand?: Brand }) {
  return (
    <MessagePage title="Ticket still open" heading="This ticket isn't solved yet" brand={props.brand}>
      <p>
        We ask how we did once a ticket is solved. This one is still being worked on, so there's nothing to rate yet.
      </p>
    </MessagePage>
  );
}

export function CannotCheckPage(props: { brand?: Brand }) {
  return (
    <MessagePage title="Please try again" heading="We can't open this survey right now" brand={props.brand}>
      <p>We couldn't check the ticket this link is for. Please try again in a minute.</p>
    </MessagePage>
  );
}
