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
  // Narrow screens: the menu folds behind one button (wide screens hide the button in CSS).
  const toggle = document.querySelector(".menu-toggle");
  const menu = toggle && document.getElementById(toggle.getAttribute("aria-controls"));
  if (toggle && menu) {
    document.documentElement.classList.add("has-menu-toggle");
    toggle.hidden = false;
    toggle.addEventListener("click", () => {
      const open = toggle.getAttribute("aria-expanded") !== "true";
      toggle.setAttribute("aria-expanded", String(open));
      menu.classList.toggle("is-open", open);
    });
    document.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && toggle.getAttribute("aria-expanded") === "true") {
        toggle.setAttribute("aria-expanded", "false");
        menu.classList.remove("is-open");
        toggle.focus();
      }
    });
  }
  // Times for visitors: the server writes UTC, the browser shows its own zone.
  document.querySelectorAll("time[data-local]").forEach((element) => {
    const moment = new Date(element.getAttribute("datetime"));
    if (Number.isNaN(moment.getTime())) return;
    const style = element.dataset.local === "medium" ? "medium" : "short";
    try {
      const options = { dateStyle: style, timeStyle: "short" };
      let text = new Intl.DateTimeFormat(document.documentElement.lang || undefined, options).format(moment);
      if (element.hasAttribute("data-zone")) {
        text += ` (${Intl.DateTimeFormat().resolvedOptions().timeZone})`;
      }
      element.textContent = text;
    } catch (error) { /* keep the server's UTC text */ }
  });
  // A bookmarklet runs on the other site's page; here (under our CSP) it would do nothing.
  document.querySelectorAll("a[data-bookmarklet]").forEach((link) => {
    link.addEventListener("click", (event) => {
      event.preventDefault();
      const hint = document.getElementById(link.dataset.bookmarklet);
      if (hint) hint.hidden = false;
    });
  });
  // The installable app: a service worker that keeps the static shell and an offline page.
  const worker = document.body.dataset.serviceWorker;
  if (worker && "serviceWorker" in navigator && window.isSecureContext) {
    navigator.serviceWorker.register(worker, { scope: "/" }).catch(() => { /* the site works without it */ });
  }
  // Move focus to an error summary so keyboard and screen-reader users hear it first.
  const summary = document.querySelector(".error-summary");
  if (summary) summary.focus();
});
