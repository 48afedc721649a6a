// Small progressive enhancements; every page works without them.
document.addEventListener("DOMContentLoaded", () => {
  // Suggest the browser's time zone on the sign-up form.
  document.querySelectorAll("[data-detect-time-zone]").forEach((input) => {
    try {
      const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
      if (zone && !input.dataset.touched && input.value === "Europe/Amsterdam") input.value = zone;
    } catch (error) { /* keep the default */ }
  });
  // Copy buttons, e.g. for a team's invite code.
  document.querySelectorAll("[data-copy]").forEach((button) => {
    button.addEventListener("click", async () => {
      const source = document.querySelector(button.dataset.copy);
      if (!source || !navigator.clipboard) return;
      await navigator.clipboard.writeText(source.textContent.trim());
      button.textContent = button.dataset.copied || "✓";
    });
  });
  // Notices the member has now seen are marked read (the form's button does the same by hand);
  // the page itself stays a plain read, so links that prefetch it change nothing.
  document.querySelectorAll("form[data-mark-seen]").forEach((form) => {
    fetch(form.action, { method: "POST", body: new FormData(form), credentials: "same-origin" })
      .catch(() => { /* they stay unread; the button still works */ });
  });
  // Move focus to an error summary so keyboard and screen-reader users hear it first.
  const summary = document.querySelector(".error-summary");
  if (summary) summary.focus();
});
