/** The words customers see, in one place so the page, the email and the PostHog event agree. */
export const RATING_QUESTION = "How happy are you with the level of support you received?";
/** The comment's question for ratings 1 to 4 (the seed page's words) … */
export const COMMENT_QUESTION = "What can we do to increase your rating?";
/** … and for a 5, where there is no rating left to increase. */
export const COMMENT_QUESTION_TOP = "What did we do well?";
export const COMMENT_MAX_LENGTH = 2000;

/** Which of the two comment questions follows a rating: none yet, or 1 to 4, asks what would raise it. */
export type CommentPrompt = "improve" | "praise";
export function commentPromptFor(rating: number | undefined): CommentPrompt {
  return rating === 5 ? "praise" : "improve";
}
export const RATING_LABELS = ["Very dissatisfied", "Dissatisfied", "Neutral", "Satisfied", "Very satisfied"] as const;

export function ratingLabel(rating: number): string {
  return RATING_LABELS[rating - 1] ?? String(rating);
}

/**
 * The faces as emoji, for the email (mail clients cannot draw the page's SVG faces): the same five
 * expressions as the page's drawings, from a big frown to a big smile. U+FE0F asks for the colour
 * emoji presentation, so no face shows as a small black text symbol beside the others.
 */
export const FACE_EMOJI = [
  "\u2639\uFE0F",
  "\u{1F641}\uFE0F",
  "\u{1F610}\uFE0F",
  "\u{1F642}\uFE0F",
  "\u{1F600}\uFE0F",
] as const;

/** The question after a rating of 1 to 3 (REASON_RATING_MAX), with a short multi-select of reasons. */
export const REASONS_QUESTION = "What went wrong?";
/** The highest rating that asks "What went wrong?": 1 to 3, the ratings that do not count as satisfied. */
export const REASON_RATING_MAX = 3;
/** Whether a rating asks for reasons. */
export const asksReasons = (rating: number | undefined) => rating !== undefined && rating <= REASON_RATING_MAX;
