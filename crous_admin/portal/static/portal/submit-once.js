// A form marked data-submit-once is sent once: a double click, or a second press while the
// next page loads, does not send it again. The services are idempotent anyway (one renewal
// request per file and window); this spares the second round trip and a confusing page.
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-submit-once")) {
    return;
  }
  if (form.dataset.submitted === "true") {
    event.preventDefault();
    return;
  }
  form.dataset.submitted = "true";
});
