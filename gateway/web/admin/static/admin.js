// Progressive touches only: every page works without this file.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  // Forms that change something for good ask first.
  for (const form of document.querySelectorAll("form[data-confirm]")) {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  }
  // Filters apply as soon as one is chosen; the button stays for keyboards and no-JS.
  for (const select of document.querySelectorAll("select[data-autosubmit]")) {
    select.addEventListener("change", () => select.form.submit());
  }
});
