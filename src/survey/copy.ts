/** The words customers see, in one place so the page, the email and the PostHog event agree. */
export const RATING_QUESTION = "How happy are you with the level of support you received?";
export const COMMENT_QUESTION = "What can we do to increase your rating?";
export const COMMENT_MAX_LENGTH = 2000;
export const RATING_LABELS = ["Very dissatisfied", "Dissatisfied", "Neutral", "Satisfied", "Very satisfied"] as const;

export function ratingLabel(rating: number): string {
  return RATING_LABELS[rating - 1] ?? String(rating);
}
