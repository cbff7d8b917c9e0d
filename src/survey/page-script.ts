/**
 * The survey page's small script: a character count, the comment's question for the rating chosen,
 * "What went wrong?" only after a rating of 1 to 3,
 * the chosen face's name for browsers without :has(), the `survey shown` beacon and one submit per
 * click. The form works the same without it.
 * Inlined into the page (allowed by its hash in the Content-Security-Policy); this is its only source.
 */
export const SURVEY_JS = `// Small enhancements for the survey form; the form works the same without them.
(function () {
  var form = document.getElementById("survey-form");
  if (!form) return;
  var comment = document.getElementById("comment");
  var hint = document.getElementById("comment-hint");
  if (comment && hint) {
    var max = Number(hint.getAttribute("data-max"));
    var original = hint.textContent;
    var update = function () {
      var left = max - comment.value.length;
      var noun = left === 1 ? " character left." : " characters left.";
      hint.textContent = comment.value.length ? left.toLocaleString("en-GB") + noun : original;
    };
    comment.addEventListener("input", update);
    update();
  }
  // The comment's question follows the rating chosen (each face names its own in data-prompt), and in
  // older browsers without :has() the chosen face's name does too.
  var prompts = form.querySelectorAll(".prompt-improve, .prompt-praise");
  // "What went wrong?" follows a rating of 1 to 3 only; its note for pages without script goes.
  var reasons = document.getElementById("reasons");
  var reasonsNote = document.getElementById("reasons-note");
  if (reasonsNote) reasonsNote.hidden = true;
  if (reasons) reasons.removeAttribute("aria-describedby");
  var showReasons = function (rating) {
    if (reasons) reasons.hidden = !(rating >= 1 && rating <= 3);
  };
  var checked = form.querySelector("input[name=rating]:checked");
  showReasons(checked ? Number(checked.value) : 0);
  form.addEventListener("change", function (event) {
    var target = event.target;
    if (!target || target.name !== "rating") return;
    form.className = form.className.replace(/\\s*rated-\\d/g, "") + " rated-" + target.value;
    var prompt = "prompt-" + target.getAttribute("data-prompt");
    prompts.forEach(function (span) {
      span.hidden = span.className !== prompt;
    });
    showReasons(Number(target.value));
  });
  // Tell the server the survey was seen (a GET records nothing, so link scanners count for nothing).
  if (navigator.sendBeacon) {
    var link = new URLSearchParams();
    form.querySelectorAll("input[type=hidden]").forEach(function (input) {
      link.append(input.name, input.value);
    });
    navigator.sendBeacon("/shown", link);
  }
  // One answer per click: a double click or double tap sends the form once.
  form.addEventListener("submit", function () {
    var button = form.querySelector("button[type=submit]");
    if (button) {
      window.setTimeout(function () {
        button.disabled = true;
        button.textContent = "Sending…";
      }, 0);
    }
  });
})();
`;
