// Progressive touches only: every page works without this file.
"use strict";

// Follow a run's progress events (see gateway/web/admin/progress.py) on one progress bar.
function followProgress(box) {
  const bar = box.querySelector("progress");
  const text = box.querySelector(".progress-text");
  const labels = JSON.parse(box.dataset.labels);
  const states = JSON.parse(box.dataset.states);
  const number = new Intl.NumberFormat(document.documentElement.lang);
  const source = new EventSource(box.dataset.progress);
  const show = (data) => {
    box.dataset.state = data.state;
    box.dataset.read = data.read;
    if (data.total) {
      bar.max = data.total;
      bar.value = Math.min(data.read, data.total);
    } else {
      bar.removeAttribute("value"); // still counting: an indeterminate bar
    }
    let said = labels[data.phase] || states[data.state] || data.state;
    if (data.read) {
      said += ": " + number.format(data.read);
      if (data.total) said += " " + labels.of + " " + number.format(data.total);
      said += " " + labels.records;
    }
    text.textContent = said;
  };
  source.addEventListener("progress", (event) => show(JSON.parse(event.data)));
  source.addEventListener("done", (event) => {
    const data = JSON.parse(event.data);
    source.close();
    box.dataset.state = data.state;
    bar.max = 1;
    bar.value = 1;
    text.textContent = states[data.state] || data.state;
    box.querySelector(".progress-review").hidden = false;
    box.dispatchEvent(new CustomEvent("run-settled", { bubbles: true, detail: data }));
  });
  source.onerror = () => {
    if (source.readyState === EventSource.CLOSED) text.textContent += " …";
  };
}

// The wizard's file step: drop a file on the zone, or choose one; the name shows either way.
function dropZone(zone) {
  const input = zone.querySelector("input[type=file]");
  const named = zone.querySelector(".chosen");
  const say = () => { named.textContent = input.files.length ? input.files[0].name : ""; };
  input.addEventListener("change", say);
  for (const name of ["dragenter", "dragover"]) {
    zone.addEventListener(name, (event) => { event.preventDefault(); zone.classList.add("over"); });
  }
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    zone.classList.remove("over");
    if (event.dataTransfer.files.length) {
      input.files = event.dataTransfer.files;
      say();
    }
  });
}

// Issues filtered as one types or chooses: rows not matching hide.
function issueFilter(form) {
  const table = document.getElementById(form.dataset.filters);
  const apply = () => {
    const severity = form.elements.severity.value;
    const words = form.elements.q.value.trim().toLowerCase();
    for (const row of table.tBodies[0].rows) {
      const fits = (!severity || row.dataset.severity === severity)
        && (!words || row.textContent.toLowerCase().includes(words));
      row.hidden = !fits;
    }
  };
  form.addEventListener("input", apply);
  form.addEventListener("submit", (event) => { event.preventDefault(); apply(); });
}

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
  for (const box of document.querySelectorAll(".progress[data-progress]")) {
    if (box.dataset.state === "queued" || box.dataset.state === "running") followProgress(box);
  }
  for (const zone of document.querySelectorAll(".dropzone")) dropZone(zone);
  for (const form of document.querySelectorAll("form[data-filters]")) issueFilter(form);
});

// The wizard's waiting page shows the outcome once its run settles.
document.addEventListener("run-settled", (event) => {
  if (event.target.closest("[data-reload-on-settle]")) window.location.reload();
});
