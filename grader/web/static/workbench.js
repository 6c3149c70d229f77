// grader serve: the override form's points field follows the maximum of the check chosen.
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
