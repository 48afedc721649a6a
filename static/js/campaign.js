// Keep a campaign's progress bar current: live over Socket.IO, else by polling every 15 s.
document.addEventListener("DOMContentLoaded", () => {
  const page = document.querySelector("[data-campaign-id]");
  if (!page) return;
  const id = Number(page.dataset.campaignId);
  const bar = document.getElementById("campaign-progress");
  const text = document.getElementById("campaign-progress-text");
  const template = text.textContent;
  const show = (campaign) => {
    if (!campaign || campaign.id !== id) return;
    bar.max = campaign.goal;
    bar.value = Math.min(campaign.done, campaign.goal);
    text.textContent = template.replace(/\d+(?=\D+\d+\D*$)/, String(campaign.done));
  };
  const poll = () => fetch(page.dataset.progressUrl, {
    credentials: "same-origin",
    // Marks a script's request: logged out, it gets a 401 instead of the login page.
    headers: { "X-Requested-With": "fetch" },
  })
    .then((response) => (response.ok ? response.json() : null))
    .then((body) => body && show(body.campaign))
    .catch(() => {});
  if (window.io) {
    const socket = window.io("/feed", { transports: ["websocket", "polling"] });
    socket.on("campaign.updated", (event) => show(event.campaign));
    socket.on("session.ended", () => socket.disconnect());
    socket.on("connect", poll);
    socket.on("connect_error", () => setInterval(poll, 15000));
  } else {
    setInterval(poll, 15000);
  }
});
