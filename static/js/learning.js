// When a volunteer copies a message template for their claim, record which one (its id and tone,
// never the text). Delegated, so cards the live feed re-renders keep working.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-template-record]");
  if (!button) return;
  const token = document.querySelector("input[name=csrf_token]");
  const body = new FormData();
  body.append("template_id", button.dataset.templateId || "");
  body.append("tone", button.dataset.templateTone || "");
  if (token) body.append("csrf_token", token.value);
  fetch(button.dataset.templateRecord, { method: "POST", body, credentials: "same-origin" })
    .catch(() => { /* only the record is lost; the copy worked */ });
});
