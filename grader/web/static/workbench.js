// grader serve: the override form's points field follows the maximum of the check chosen;
// the class page's live view is fetched again while a run goes on (and now and then after);
// a class's page says when the class changed since it was drawn (it never reloads by itself
// there: a form may be half filled in).
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  for (const form of document.querySelectorAll("form[data-override]")) {
    const check = form.querySelector("select[name=check]");
    const score = form.querySelector("input[name=score]");
    const follow = () => {
      const max = check.selectedOptions[0] && check.selectedOptions[0].dataset.max;
      if (max) score.placeholder = "0 to " + Number(max);
    };
    check.addEventListener("change", follow);
    follow();
  }
});
document.addEventListener("DOMContentLoaded", () => {
  const live = document.querySelector("[data-live-src]");
  if (!live) return;
  const state = () => live.querySelector("#live-state");
  let before = state() ? state().dataset.run + state().dataset.running : "";
  const poll = async () => {
    try {
      const reply = await fetch(live.dataset.liveSrc, { credentials: "same-origin" });
      if (reply.ok) {
        live.innerHTML = await reply.text();
        const now = state() ? state().dataset.run + state().dataset.running : "";
        // A run that started or ended changes the table: show it as the gradebook has it.
        if (before.endsWith("true") && now !== before) return location.reload();
        before = now;
      }
    } catch (error) { /* the server is gone for a moment: try again later */ }
    const running = state() && state().dataset.running === "true";
    setTimeout(poll, running ? 2000 : 10000);
  };
  setTimeout(poll, 2000);
});
document.addEventListener("DOMContentLoaded", () => {
  const main = document.querySelector("[data-stamp-src]");
  const notice = document.getElementById("overtaken");
  if (!main || !notice) return;
  const poll = async () => {
    try {
      const reply = await fetch(main.dataset.stampSrc, { credentials: "same-origin" });
      if (reply.ok) {
        const now = (await reply.text()).trim();
        if (now && now !== main.dataset.stamp) {
          notice.hidden = false;
          return; // said once: the page stays as it is until the user reloads
        }
      }
    } catch (error) { /* the server is gone for a moment: try again later */ }
    setTimeout(poll, 5000);
  };
  setTimeout(poll, 5000);
});
