// The daily PostHog check's findings on /admin: shown only when something is wrong.
import { lastPostHogCheck, type StoredCheck } from "../survey/posthog-check-store";
import { formatTime } from "./views";

function PostHogSetupNotice(props: { check: StoredCheck }) {
  const { check } = props;
  return (
    <section class="error" role="alert" aria-labelledby="posthog-setup-title">
      <h2 id="posthog-setup-title">PostHog's survey set-up needs attention</h2>
      {check.error ? (
        <p>
          The daily check on {formatTime(check.checkedAt)} could not look at PostHog: {check.error}
        </p>
      ) : (
        <>
          <p>The daily check on {formatTime(check.checkedAt)} found:</p>
          <ul>
            {check.mismatches.map((m) => (
              <li>{m}</li>
            ))}
          </ul>
        </>
      )}
      <p>
        Run <code>npm run posthog-setup</code> to see the details and <code>npm run posthog-setup -- --fix</code> to
        repair them.
      </p>
    </section>
  );
}

/** The notice for the admin report page, or nothing when the last daily check found PostHog in order. */
export async function postHogSetupNotice(db: D1Database) {
  const check = await lastPostHogCheck(db);
  if (!check || check.ok) return null;
  if (!check.error && check.mismatches.length === 0) return null;
  return <PostHogSetupNotice check={check} />;
}
