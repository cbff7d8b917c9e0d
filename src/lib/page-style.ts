/**
 * The stylesheet of the pages customers see (survey, thanks, unsubscribe, messages). It is inlined
 * into each of them (one request for the whole first view, allowed by its hash in the
 * Content-Security-Policy) and also served at /survey.css for the admin area, which imports it. This
 * is its only source.
 */
export const PAGE_CSS = `:root {
  color-scheme: light dark;
  --bg: #f6f4ef;
  --card: #ffffff;
  --text: #1d1f24;
  --muted: #5b6270;
  --accent: #1d4aff;
  --ring: #f54e00;
  --line: #d8d4ca;
  --error-bg: #fde8e4;
  --error: #a11d00;
  --notice-bg: #e8eefc;
  --face-1: #d9412b;
  --face-2: #ec7f2c;
  --face-3: #e8b517;
  --face-4: #7cb342;
  --face-5: #2e9c55;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #15171c;
    --card: #1f232b;
    --text: #eceef2;
    --muted: #a9b0bd;
    --accent: #8aa6ff;
    --line: #3a404c;
    --error-bg: #4a1d16;
    --error: #ffb4a6;
    --notice-bg: #1e2b4d;
  }
}
* {
  box-sizing: border-box;
}
html {
  -webkit-text-size-adjust: 100%;
}
body {
  margin: 0;
  min-height: 100vh;
  background: var(--bg);
  color: var(--text);
  font:
    16px/1.5 system-ui,
    -apple-system,
    "Segoe UI",
    Roboto,
    "Helvetica Neue",
    Arial,
    sans-serif;
  display: flex;
  justify-content: center;
  align-items: flex-start;
  padding: 16px 12px;
}
.card {
  width: 100%;
  max-width: 34rem;
  background: var(--card);
  border: 1px solid var(--line);
  border-radius: 14px;
  padding: 20px 16px 16px;
  margin-top: 4vh;
}
.card.wide {
  max-width: 64rem;
}
@media (min-width: 480px) {
  .card {
    padding: 28px 28px 20px;
  }
}
h1 {
  font-size: 1.3rem;
  line-height: 1.3;
  margin: 0 0 12px;
}
a {
  color: var(--accent);
}
.eyebrow {
  color: var(--muted);
  font-size: 0.875rem;
  margin: 0 0 6px;
}
.big {
  font-size: 1.25rem;
  font-weight: 600;
}
.footnote {
  color: var(--muted);
  font-size: 0.85rem;
  margin-top: 20px;
}
.notice,
.error {
  border-radius: 8px;
  padding: 10px 12px;
  margin: 0 0 14px;
}
.notice {
  background: var(--notice-bg);
}
.error {
  background: var(--error-bg);
  color: var(--error);
  font-weight: 600;
}
.problems {
  padding-left: 1.2rem;
}
fieldset {
  border: 0;
  margin: 0;
  padding: 0;
  min-width: 0;
}
legend {
  padding: 0;
}
.face-row {
  display: flex;
  justify-content: space-between;
  gap: 4px;
  margin: 8px 0 20px;
  position: relative;
}
.face-option {
  flex: 1 1 0;
  display: flex;
  flex-direction: column;
  align-items: center;
  gap: 6px;
  padding: 8px 2px;
  border-radius: 10px;
  border: 2px solid transparent;
  cursor: pointer;
  text-align: center;
  min-width: 0;
}
.face-option:hover {
  background: var(--notice-bg);
}
.face circle:first-child {
  fill: var(--line);
  transition: fill 0.15s;
}
.face .eye {
  fill: var(--text);
}
.face .mouth {
  fill: none;
  stroke: var(--text);
  stroke-width: 2.6;
  stroke-linecap: round;
}
.face-label {
  font-size: 0.8rem;
  line-height: 1.2;
  color: var(--muted);
}
.scale-ends {
  display: none;
  justify-content: space-between;
  font-size: 0.85rem;
  color: var(--muted);
  margin: -12px 0 20px;
}
/* On a phone five labels do not fit under the faces: name the ends of the scale instead (the
   labels stay in the accessibility tree, so screen readers still read each face's name). */
@media (max-width: 479px) {
  .face-label {
    position: absolute;
    width: 1px;
    height: 1px;
    overflow: hidden;
    clip: rect(0 0 0 0);
    white-space: nowrap;
  }
  .scale-ends {
    display: flex;
  }
}
.face-option:has(:checked) {
  border-color: var(--text);
  background: var(--notice-bg);
}
.face-option:has(:checked) .face-label {
  color: var(--text);
  font-weight: 600;
}
:checked + .face-1 circle:first-child {
  fill: var(--face-1);
}
:checked + .face-2 circle:first-child {
  fill: var(--face-2);
}
:checked + .face-3 circle:first-child {
  fill: var(--face-3);
}
:checked + .face-4 circle:first-child {
  fill: var(--face-4);
}
:checked + .face-5 circle:first-child {
  fill: var(--face-5);
}
:focus-visible + .face {
  outline: 3px solid var(--ring);
  outline-offset: 3px;
  border-radius: 50%;
}
.visually-hidden {
  position: absolute;
  width: 1px;
  height: 1px;
  margin: -1px;
  padding: 0;
  border: 0;
  overflow: hidden;
  clip: rect(0 0 0 0);
  white-space: nowrap;
}
.comment-label {
  display: block;
  font-weight: 600;
  margin-bottom: 6px;
}
.optional {
  font-weight: 400;
  color: var(--muted);
}
textarea {
  width: 100%;
  font: inherit;
  color: inherit;
  background: var(--bg);
  border: 1px solid var(--line);
  border-radius: 8px;
  padding: 10px;
  resize: vertical;
}
textarea:focus-visible,
button:focus-visible,
a:focus-visible,
input:focus-visible {
  outline: 3px solid var(--ring);
  outline-offset: 2px;
}
.hint {
  color: var(--muted);
  font-size: 0.85rem;
  margin: 4px 0 16px;
}
button,
.button {
  display: inline-block;
  font: inherit;
  font-weight: 600;
  color: #fff;
  background: var(--accent);
  border: 0;
  border-radius: 8px;
  padding: 12px 20px;
  min-height: 44px;
  cursor: pointer;
  width: 100%;
  text-decoration: none;
  text-align: center;
}
@media (prefers-color-scheme: dark) {
  button,
  .button {
    color: #0b1020;
  }
}
@media (min-width: 480px) {
  button,
  .button {
    width: auto;
  }
}
button[disabled] {
  opacity: 0.6;
  cursor: progress;
}
.hedgehog {
  text-align: center;
  margin-bottom: 4px;
}
.hedgehog .spines {
  fill: #7a5a3a;
}
.hedgehog .body {
  fill: #c9a27a;
}
.hedgehog .nose,
.hedgehog .eye {
  fill: #1d1f24;
}
.your-comment {
  margin: 0 0 12px;
  padding: 8px 12px;
  border-left: 4px solid var(--line);
  white-space: pre-wrap;
  overflow-wrap: anywhere;
}

.brand {
  display: flex;
  align-items: center;
  gap: 8px;
  font-weight: 700;
  color: var(--muted);
  font-size: 0.95rem;
  margin: 0 0 10px;
}
.brand img {
  height: 24px;
  width: auto;
}
/* The chosen face's name, under the faces: on a phone the five names do not fit, so this says it. */
.chosen {
  min-height: 1.5em;
  margin: -12px 0 16px;
  font-weight: 600;
  text-align: center;
}
.chosen span {
  display: none;
}
.faces:has([value="1"]:checked) .chosen-1,
.faces:has([value="2"]:checked) .chosen-2,
.faces:has([value="3"]:checked) .chosen-3,
.faces:has([value="4"]:checked) .chosen-4,
.faces:has([value="5"]:checked) .chosen-5,
.rated-1 .chosen-1,
.rated-2 .chosen-2,
.rated-3 .chosen-3,
.rated-4 .chosen-4,
.rated-5 .chosen-5 {
  display: inline;
}
@media (min-width: 480px) {
  .chosen {
    display: none;
  }
}
/* The comment's question follows the rating: what would raise it, or (for a 5) what went well. */
.prompt-praise,
.rated-5 .prompt-improve {
  display: none;
}
.rated-5 .prompt-praise {
  display: inline;
}
@supports selector(:has(*)) {
  .survey:has([value="5"]:checked) .prompt-improve {
    display: none;
  }
  .survey:has([value="5"]:checked) .prompt-praise {
    display: inline;
  }
  .survey:has([name="rating"]:checked):not(:has([value="5"]:checked)) .prompt-improve {
    display: inline;
  }
  .survey:has([name="rating"]:checked):not(:has([value="5"]:checked)) .prompt-praise {
    display: none;
  }
}
.choices {
  display: grid;
  gap: 12px;
  margin: 16px 0;
}
@media (min-width: 480px) {
  .choices {
    grid-template-columns: 1fr 1fr;
  }
}
.choice {
  border: 1px solid var(--line);
  border-radius: 10px;
  padding: 12px;
}
.choice h2 {
  font-size: 1rem;
  margin: 0 0 6px;
}
.choice form {
  margin-top: 10px;
}
.secondary {
  background: transparent;
  color: var(--accent);
  border: 2px solid var(--accent);
}
@media (prefers-color-scheme: dark) {
  .secondary {
    color: var(--accent);
  }
  /* The nose and eye sit partly on the page: a ring of the body's colour keeps them visible on dark. */
  .hedgehog .nose,
  .hedgehog .eye {
    fill: #2b1d12;
    stroke: #e6c9a8;
    stroke-width: 0.8;
  }
  .hedgehog .spines {
    fill: #a07a52;
  }
}
/* The public hedgehog counter (/hedgehogs). */
.tally {
  width: 100%;
  border-collapse: collapse;
}
.tally caption {
  text-align: left;
  font-weight: 600;
  margin-bottom: 6px;
}
.tally th,
.tally td {
  padding: 4px 0;
  border-bottom: 1px solid var(--line);
  text-align: left;
}
.tally .num {
  text-align: right;
  white-space: nowrap;
}
.tally-bar {
  fill: var(--accent);
}
`;
