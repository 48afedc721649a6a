// Render the live OpenAPI document with Redoc, under the site's Content-Security-Policy:
// no inline script, no worker (search would start one from a blob: URL, so it stays off),
// native scrollbars. The page's policy lets Redoc's <style> elements apply (network/api/views.py).
(() => {
  document.addEventListener("DOMContentLoaded", () => {
    const element = document.getElementById("api-reference");
    if (!element || typeof Redoc === "undefined") return;
    Redoc.init(
      element.dataset.document,
      {
        disableSearch: true,
        nativeScrollbars: true,
        hideDownloadButton: false,
        expandResponses: "200,201,202",
        jsonSampleExpandLevel: 2,
      },
      element,
    );
  });
})();
