"use strict";
// The moderators' console: the queue as JSON, drawn with textContent only (question text is data),
// refreshed when the server says it changed, worked by keyboard. Every change carries the CSRF token.
const csrf = document.querySelector('meta[name="csrf-token"]').content;
const root = document.getElementById("console");
const line = document.getElementById("status-line");

document.getElementById("sign-out").addEventListener("click", async () => {
  await fetch("/console/sign-out", { method: "POST", headers: { "X-CSRF-Token": csrf } });
  location.assign("/console");
});

if (root) {
  const eventId = root.dataset.event;
  const body = document.getElementById("questions");
  const filters = ["search", "status", "theme", "flagged", "similar"].map((id) => document.getElementById(id));
  const [search, status, theme, flagged, similar] = filters;
  const preview = document.getElementById("merge-preview");
  const REASONS = { 1: "off_topic", 2: "duplicate", 3: "inappropriate", 4: "already_answered" };
  const WORDS = { pending_review: "waiting for review", published: "in the queue", live: "live", answered: "answered", dismissed: "set aside" };
  let questions = [], byId = new Map(), shown = [], current = 0, selected = new Set(), merging = null;

  async function load() {
    const answer = await fetch(`/console/events/${eventId}/questions`, { credentials: "same-origin" });
    const data = await answer.json();
    if (!answer.ok) { line.textContent = data.error; return; }
    questions = data.questions;
    byId = new Map(questions.map((q) => [q.id, q]));
    const themes = [...new Set(questions.map((q) => q.theme).filter(Boolean))].sort();
    const chosen = theme.value;
    theme.replaceChildren(new Option("every theme", ""), ...themes.map((t) => new Option(t, t)));
    theme.value = chosen;
    draw();
    document.body.dataset.version = data.version.join(":");
  }

  function matches(q) {
    const words = search.value.trim().toLowerCase();
    return (!status.value || q.status === status.value) && (!theme.value || q.theme === theme.value)
      && (!flagged.checked || q.flagged) && (!similar.checked || q.similar_to !== null)
      && (!words || q.text.toLowerCase().includes(words) || String(q.id) === words.replace("#", ""));
  }

  function cell(row, text, className) {
    const td = row.insertCell();
    td.textContent = text;
    if (className) td.className = className;
    return td;
  }

  function draw() {
    const keep = shown[current]?.id;
    shown = questions.filter(matches);
    current = Math.max(0, Math.min(keep ? shown.findIndex((q) => q.id === keep) : current, shown.length - 1));
    if (current < 0) current = 0;
    body.replaceChildren();
    shown.forEach((q, n) => {
      const row = body.insertRow();
      row.dataset.question = q.id;
      row.dataset.status = q.status;
      row.className = (n === current ? "current " : "") + (selected.has(q.id) ? "selected" : "");
      cell(row, selected.has(q.id) ? "☑" : "☐");
      cell(row, `#${q.id}`);
      cell(row, q.text + (q.anonymous ? ` — anonymous: ${q.asked_by}` : ` — ${q.asked_by}`));
      cell(row, (q.pinned ? "📌 " : "") + WORDS[q.status] + (q.reason ? ` (${q.reason.replace("_", " ")})` : ""));
      cell(row, `▲${q.votes_up} ▼${q.votes_down}`);
      cell(row, q.theme || "");
      cell(row, q.flagged ? `⚠️ ${q.flag_reason || "flagged"}` : "", "flag");
      const twin = q.similar_to !== null ? byId.get(q.similar_to) : null;
      cell(row, twin ? `#${twin.id} (${q.similarity.toFixed(2)}): ${twin.text}` : (q.similar_to ? `#${q.similar_to}` : ""));
    });
    body.rows[current]?.scrollIntoView({ block: "nearest" });
  }

  async function decide(action, extra = {}) {
    const targets = selected.size ? [...selected] : (shown[current] ? [shown[current].id] : []);
    if (!targets.length) return;
    const answer = await fetch(`/console/events/${eventId}/decide`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify({ action, questions: targets, ...extra }),
    });
    const result = await answer.json();
    if (!answer.ok) { line.textContent = result.error; return; }
    selected.clear();
    line.textContent = `${action}: ${result.done.length} done` + (result.refused.length ? `; refused: ${result.refused.map((r) => `#${r.question} ${r.error}`).join(" ")}` : "");
    await load();
  }

  function showMerge() {
    const q = shown[current];
    const into = q && q.similar_to !== null ? byId.get(q.similar_to) : null;
    if (!into) { line.textContent = "This question has no similar one to merge into."; return; }
    merging = { question: q.id, into: into.id };
    const left = document.createElement("p"), right = document.createElement("p");
    left.textContent = `#${q.id} (▲${q.votes_up}): ${q.text}`;
    right.textContent = `into #${into.id} (▲${into.votes_up}): ${into.text}`;
    const hint = document.createElement("p");
    hint.textContent = "Enter merges (votes united, both askers credited); Escape cancels.";
    preview.replaceChildren(left, right, hint);
    preview.hidden = false;
  }

  document.addEventListener("keydown", async (key) => {
    if (key.target instanceof HTMLInputElement || key.target instanceof HTMLSelectElement) {
      // Escape leaves the field for the keys, keeping what was typed (a search box would clear it).
      if (key.key === "Escape") { key.preventDefault(); key.target.blur(); }
      return;
    }
    if (merging) {
      if (key.key === "Enter") {
        const { question, into } = merging;
        merging = null; preview.hidden = true;
        selected = new Set([question]);
        await decide("merge", { into });
      } else if (key.key === "Escape") { merging = null; preview.hidden = true; }
      return;
    }
    const q = shown[current];
    switch (key.key) {
      case "j": current = Math.min(current + 1, shown.length - 1); draw(); break;
      case "k": current = Math.max(current - 1, 0); draw(); break;
      case "x": if (q) { selected.has(q.id) ? selected.delete(q.id) : selected.add(q.id); draw(); } break;
      case "/": key.preventDefault(); search.focus(); break;
      case "p": await decide("publish"); break;
      case "1": case "2": case "3": case "4": await decide("aside", { reason: REASONS[key.key] }); break;
      case "5": {
        const note = prompt("Why is it set aside?");
        if (note) await decide("aside", { reason: "other", note });
        break;
      }
      case "m": showMerge(); break;
      case "l": await decide("live"); break;
      case "a": await decide("answer"); break;
      case "r": await decide("restore"); break;
      default: return;
    }
  });
  filters.forEach((f) => f.addEventListener("input", draw));

  const stream = new EventSource(`/console/events/${eventId}/stream`);
  stream.addEventListener("changed", load);
  load();
}
