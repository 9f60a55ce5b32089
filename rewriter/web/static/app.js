// rewriter serve: the page's behaviour. No build step, no dependency, nothing from another origin.
// Every piece of user or model text reaches the page through textContent, never as HTML.

const settings = JSON.parse(document.getElementById("settings").textContent);
const $ = (id) => document.getElementById(id);

// ------------------------------------------------------------------ small helpers

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = text;
  return node;
}

function plural(count, word) {
  return `${count} ${word}${count === 1 ? "" : "s"}`;
}

function countWords(text) {
  return text.split(/\s+/).filter(Boolean).length;
}

function showAlert(box, message) {
  box.textContent = message;
  box.hidden = false;
}

function hideAlert(box) {
  box.textContent = "";
  box.hidden = true;
}

function fillList(blockId, listId, items, render) {
  const list = $(listId);
  list.replaceChildren(...items.map(render));
  $(blockId).hidden = items.length === 0;
}

async function postJSON(url, body, signal) {
  let response;
  try {
    response = await fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
      signal,
      credentials: "same-origin",
    });
  } catch (error) {
    if (error.name === "AbortError") throw error;
    throw new Error("rewriter serve could not be reached: is it still running?");
  }
  let data = null;
  try {
    data = await response.json();
  } catch {
    data = null; // not JSON: a proxy's page, say; the status tells the story
  }
  return { response, data };
}

function failureMessage(response, data) {
  if (data && typeof data.message === "string" && data.message) return data.message;
  return `the server answered ${response.status} ${response.statusText}`.trim();
}

async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    // No clipboard API (a page shared over plain http on a network): the old way.
    const area = el("textarea", "offscreen");
    area.value = text;
    area.setAttribute("readonly", "");
    document.body.append(area);
    area.select();
    let done = false;
    try {
      done = document.execCommand("copy");
    } catch {
      done = false;
    }
    area.remove();
    return done;
  }
}

// Ctrl+Enter (Cmd+Enter on a Mac) in a form's text area sends the form.
function submitOnCtrlEnter(form) {
  form.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && event.target.tagName === "TEXTAREA") {
      event.preventDefault();
      form.requestSubmit();
    }
  });
}

// A "busy" state that keeps focus where it is (a disabled button would drop it).
function setBusy(button, busy) {
  button.setAttribute("aria-disabled", String(busy));
  button.classList.toggle("busy", busy);
}

// ------------------------------------------------------------------ tabs

const tabs = [...document.querySelectorAll('[role="tab"]')];

function selectTab(tab, focus) {
  for (const other of tabs) {
    const selected = other === tab;
    other.setAttribute("aria-selected", String(selected));
    other.tabIndex = selected ? 0 : -1;
    $(other.getAttribute("aria-controls")).hidden = !selected;
  }
  if (focus) tab.focus();
  const hash = tab.id === "tab-check" ? "#check" : "";
  if (location.hash !== hash) history.replaceState(null, "", location.pathname + hash);
}

tabs.forEach((tab, index) => {
  tab.addEventListener("click", () => selectTab(tab, false));
  tab.addEventListener("keydown", (event) => {
    const moves = {
      ArrowRight: (index + 1) % tabs.length,
      ArrowLeft: (index - 1 + tabs.length) % tabs.length,
      Home: 0,
      End: tabs.length - 1,
    };
    if (event.key in moves) {
      event.preventDefault();
      selectTab(tabs[moves[event.key]], true);
    }
  });
});
if (location.hash === "#check") selectTab($("tab-check"), false);

// ------------------------------------------------------------------ findings

function principleLabel(id) {
  const title = settings.principles[id];
  return title ? `${id} · ${title}` : id;
}

function findingItem(finding, wholeAnswer = false) {
  const item = el("li", `finding ${finding.severity}`);
  const head = el("p", "finding-head");
  head.append(el("span", `badge ${finding.severity}`, finding.severity));
  head.append(" ");
  head.append(wholeAnswer ? el("span", "excerpt", "the whole answer") : el("span", "excerpt", `“${finding.excerpt}”`));
  item.append(head);
  item.append(el("p", "finding-message", finding.message));
  const suggestion = el("p", "finding-suggestion");
  suggestion.append(el("strong", null, "Try: "), finding.suggestion);
  item.append(suggestion);
  item.append(el("p", "finding-rule muted", `${finding.rule} (${principleLabel(finding.principle)})`));
  return item;
}

function summaryOf(findings) {
  const errors = findings.filter((f) => f.severity === "error").length;
  const warnings = findings.length - errors;
  if (findings.length === 0) return "No problems found: this answer reads as positive.";
  return `${plural(errors, "error")}, ${plural(warnings, "warning")}.`;
}

// ------------------------------------------------------------------ rewrite

const rewriteForm = $("rewrite-form");
const rewriteButton = $("rewrite-button");
const rewriteError = $("rewrite-error");
const rewriteProgress = $("rewrite-progress");
let rewriteController = null;
let lastAnswer = "";
let lastDraft = "";

function optional(id) {
  const field = $(id);
  const value = field ? field.value.trim() : "";
  return value || null;
}

function rewriteBody() {
  const seconds = $("seconds").value.trim();
  const offline = $("offline");
  return {
    draft: $("draft").value,
    role: optional("role"),
    company: optional("company"),
    job_posting: optional("job-posting"),
    tone: optional("tone") || "professional",
    level: optional("level") || "full",
    seconds: seconds === "" ? 60 : Number(seconds),
    engine: offline && offline.checked ? "offline" : "auto",
  };
}

function startProgress(box, textNode, verb) {
  // Shown after a moment: the offline engine answers in milliseconds and a flash is noise.
  const started = Date.now();
  let timer = 0;
  const tick = () => {
    const seconds = Math.round((Date.now() - started) / 1000);
    textNode.textContent = seconds >= 2 ? `${verb}… ${seconds} s` : `${verb}…`;
  };
  const reveal = window.setTimeout(() => {
    tick();
    box.hidden = false;
    timer = window.setInterval(tick, 1000);
  }, 150);
  return () => {
    window.clearTimeout(reveal);
    window.clearInterval(timer);
    box.hidden = true;
  };
}

rewriteForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  if (rewriteController) return; // one at a time
  hideAlert(rewriteError);
  const body = rewriteBody();
  if (!body.draft.trim()) {
    showAlert(rewriteError, "Write your draft first: what you would really say, bluntly.");
    $("draft").focus();
    return;
  }
  const viaLLM = settings.llm && body.engine !== "offline";
  const stop = startProgress(rewriteProgress, $("rewrite-progress-text"),
    viaLLM ? "Waiting for the LLM, then checking its answer" : "Rewriting");
  rewriteController = new AbortController();
  setBusy(rewriteButton, true);
  $("rewrite-result").setAttribute("aria-busy", "true");
  try {
    const { response, data } = await postJSON("/api/rewrite", body, rewriteController.signal);
    if (data && (data.status === "ok" || data.status === "findings") && typeof data.answer === "string") {
      renderRewrite(data, body);
    } else {
      showAlert(rewriteError, `Could not rewrite: ${failureMessage(response, data)}. Your draft is still here.`);
    }
  } catch (error) {
    const message = error.name === "AbortError" ? "Cancelled." : `Could not rewrite: ${error.message}`;
    showAlert(rewriteError, `${message} Your draft is still here.`);
  } finally {
    stop();
    rewriteController = null;
    setBusy(rewriteButton, false);
    $("rewrite-result").removeAttribute("aria-busy");
  }
});

$("rewrite-cancel").addEventListener("click", () => {
  if (rewriteController) rewriteController.abort();
  $("draft").focus();
});

function engineLine(record) {
  if (record.engine === "offline") {
    const line = "Written by the offline engine: nothing left this computer.";
    return settings.llm ? line : `${line} ${settings.llmHelp}`;
  }
  const attempts = Array.isArray(record.attempts) ? record.attempts.length : record.attempts;
  let line = `Written by the LLM${record.model ? ` (${record.model})` : ""} and checked on this computer`;
  if (attempts > 1) line += `, in ${attempts} attempts`;
  if (record.usage && record.usage.total_tokens) line += `; ${record.usage.total_tokens} tokens`;
  return `${line}.`;
}

function renderRewrite(record, asked) {
  lastAnswer = record.answer;
  lastDraft = asked.draft;
  const clean = record.status === "ok";
  const errors = record.findings.filter((f) => f.severity === "error").length;
  $("rewrite-title").textContent = clean ? "Your answer" : "Best attempt: not ready yet";
  $("rewrite-status").textContent = clean
    ? record.findings.length
      ? `Ready to say. ${plural(record.findings.length, "warning")} worth a look below.`
      : "Ready to say: no problems found."
    : `It still has ${plural(errors, "error")}: fix ${errors === 1 ? "it" : "them"} before you use it (see below).`;
  $("rewrite-status").className = `status ${clean ? "good" : "bad"}`;
  $("answer").textContent = record.answer;
  const words = countWords(record.answer);
  const seconds = Math.round((words * 60) / settings.wordsPerMinute);
  $("spoken").textContent =
    `About ${seconds} seconds spoken (${plural(words, "word")} at ${settings.wordsPerMinute} a minute); ` +
    `you asked for about ${asked.seconds}.`;
  $("engine-used").textContent = engineLine(record);
  $("copy-status").textContent = "";

  renderVariants(record);
  fillList("reasons-block", "reasons", record.reasons || [], (r) => {
    const item = el("li");
    item.append(el("span", "reason", r.reason), el("span", "arrow", " → "), el("span", "reframed", r.reframed_as));
    return item;
  });
  fillList("left-out-block", "left-out", record.left_out || [], (text) => el("li", null, text));
  fillList("facts-block", "facts", record.facts_kept || [], (text) => el("li", null, text));
  const answerChars = Array.from(record.answer);
  fillList("rewrite-findings-block", "rewrite-findings", record.findings || [],
    (f) => findingItem(f, coversAll(answerChars, f)));
  fillList("notices-block", "notices", record.notices || [], (text) => el("li", null, text));

  $("rewrite-result").hidden = false;
  $("rewrite-title").focus();
}

// issue 15's "variants": other answers to choose from, each checked on its own.
function renderVariants(record) {
  const variants = Array.isArray(record.variants) ? record.variants : [];
  const others = variants.filter((v) => v && typeof v.answer === "string" && v.answer !== record.answer);
  const box = $("variants");
  box.replaceChildren(
    ...others.map((variant, index) => {
      const card = el("article", "variant");
      const head = el("h4", null, `Version ${index + 2}`);
      const findings = Array.isArray(variant.findings) ? variant.findings : [];
      head.append(" ", el("span", `badge ${variant.ok === false ? "error" : "ok"}`,
        variant.ok === false ? summaryOf(findings) : "clean"));
      const text = el("p", "answer small", variant.answer);
      const copy = el("button", "secondary", "Copy this version");
      copy.type = "button";
      copy.addEventListener("click", async () => {
        copy.textContent = (await copyText(variant.answer)) ? "Copied" : "Copy failed: select the text";
      });
      card.append(head, text, copy);
      return card;
    }),
  );
  $("variants-block").hidden = others.length === 0;
}

$("copy-answer").addEventListener("click", async () => {
  const done = await copyText(lastAnswer);
  $("copy-status").textContent = done ? "Copied." : "Could not copy: select the answer and copy it by hand.";
});

$("check-answer").addEventListener("click", () => {
  $("check-text").value = lastAnswer;
  $("check-draft").value = lastDraft;
  selectTab($("tab-check"), false);
  $("check-form").requestSubmit();
});

submitOnCtrlEnter(rewriteForm);

// ------------------------------------------------------------------ check

const checkForm = $("check-form");
const checkButton = $("check-button");
const checkError = $("check-error");
let checking = false;

checkForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  if (checking) return;
  hideAlert(checkError);
  const text = $("check-text").value;
  if (!text.trim()) {
    showAlert(checkError, "Paste the answer you want checked first.");
    $("check-text").focus();
    return;
  }
  const draft = $("check-draft").value.trim();
  checking = true;
  setBusy(checkButton, true);
  const stop = startProgress($("check-progress"), $("check-progress").querySelector("span"), "Checking");
  try {
    const { response, data } = await postJSON("/api/check", { text, draft: draft || null });
    if (response.ok && data && Array.isArray(data.findings)) {
      renderCheck(data, text);
    } else {
      showAlert(checkError, `Could not check: ${failureMessage(response, data)}. Your answer is still here.`);
    }
  } catch (error) {
    showAlert(checkError, `Could not check: ${error.message} Your answer is still here.`);
  } finally {
    stop();
    checking = false;
    setBusy(checkButton, false);
  }
});

submitOnCtrlEnter(checkForm);

function renderCheck(report, text) {
  const findings = report.findings;
  const summary = $("check-summary");
  summary.textContent = summaryOf(findings);
  summary.className = `summary ${report.ok ? (findings.length ? "fair" : "good") : "bad"}`;
  const chars = Array.from(text);
  const whole = findings.filter((f) => coversAll(chars, { start: f.start, end: f.end }));
  $("whole").replaceChildren(...whole.map(wholeAnswerItem));
  $("whole").hidden = whole.length === 0;
  const marks = renderMarked($("marked"), text, findings);
  $("check-findings").replaceChildren(
    ...findings.map((finding, index) => {
      const item = findingItem(finding, whole.includes(finding));
      const mark = marks.get(index);
      if (mark) {
        const show = el("button", "link", "Show it in the answer");
        show.type = "button";
        show.addEventListener("click", () => mark.focus());
        item.append(show);
      }
      return item;
    }),
  );
  $("check-findings-block").hidden = findings.length === 0;
  $("check-result").hidden = false;
  $("check-title").focus();
}

// The answer with each finding highlighted at its span. Spans may overlap, so the text is
// cut at every start and end, and each piece lists every finding that covers it. Offsets
// count code points, as Python does (an emoji is one), hence Array.from.
function renderMarked(container, text, findings) {
  const chars = Array.from(text);
  const clamp = (n) => Math.max(0, Math.min(chars.length, n));
  const spans = findings.map((f, index) => ({ index, start: clamp(f.start), end: clamp(f.end), finding: f }))
    .filter((s) => s.end > s.start && !coversAll(chars, s));
  const cuts = [...new Set([0, chars.length, ...spans.flatMap((s) => [s.start, s.end])])].sort((a, b) => a - b);
  const pieces = [];
  for (let i = 0; i + 1 < cuts.length; i += 1) {
    const [start, end] = [cuts[i], cuts[i + 1]];
    const covering = spans.filter((s) => s.start <= start && s.end >= end);
    const key = covering.map((s) => s.index).join(",");
    const last = pieces[pieces.length - 1];
    if (last && last.key === key) last.end = end;
    else pieces.push({ start, end, covering, key });
  }
  const firstMark = new Map();
  const nodes = pieces.map((piece, n) => {
    const pieceText = chars.slice(piece.start, piece.end).join("");
    if (piece.covering.length === 0) return document.createTextNode(pieceText);
    const severe = piece.covering.some((s) => s.finding.severity === "error");
    const mark = el("mark", `hl ${severe ? "error" : "warning"}`);
    mark.tabIndex = 0;
    const tip = el("span", "tip");
    tip.id = `tip-${n}`;
    tip.setAttribute("role", "tooltip");
    for (const { finding } of piece.covering) {
      const part = el("span", "tip-item");
      part.append(el("strong", null, `${finding.severity === "error" ? "Error" : "Warning"}: `), finding.message);
      const suggestion = el("span", "tip-suggestion");
      suggestion.append(el("strong", null, "Try: "), finding.suggestion);
      part.append(suggestion);
      tip.append(part);
    }
    mark.setAttribute("aria-describedby", tip.id);
    mark.append(document.createTextNode(pieceText), tip);
    for (const { index } of piece.covering) if (!firstMark.has(index)) firstMark.set(index, mark);
    return mark;
  });
  container.replaceChildren(...nodes);
  return firstMark;
}

// A finding about the whole answer (its length, say) is told above it, not painted over all of it:
// that would hide the findings inside.
function coversAll(chars, span) {
  let first = 0;
  let last = chars.length;
  while (first < last && /\s/.test(chars[first])) first += 1;
  while (last > first && /\s/.test(chars[last - 1])) last -= 1;
  return span.start <= first && span.end >= last;
}

function wholeAnswerItem(finding) {
  const item = el("li", `whole ${finding.severity}`);
  item.append(el("span", `badge ${finding.severity}`, finding.severity), " ", finding.message, " ");
  item.append(el("strong", null, "Try: "), finding.suggestion);
  return item;
}

// A tooltip stays inside the window, and Esc hides it until the pointer or focus moves on.
function placeTip(mark) {
  const tip = mark.querySelector(".tip");
  if (!tip) return;
  tip.style.left = "";
  const box = tip.getBoundingClientRect();
  const margin = 8;
  const room = document.documentElement.clientWidth - margin;
  if (box.right > room) tip.style.left = `${Math.min(0, room - box.right)}px`;
  const moved = tip.getBoundingClientRect();
  if (moved.left < margin) tip.style.left = `${(parseFloat(tip.style.left) || 0) + (margin - moved.left)}px`;
}

const marked = $("marked");
for (const type of ["focusin", "mouseover"]) {
  marked.addEventListener(type, (event) => {
    const mark = event.target.closest && event.target.closest("mark.hl");
    if (mark) {
      mark.classList.remove("tip-off");
      placeTip(mark);
    }
  });
}
marked.addEventListener("keydown", (event) => {
  const mark = event.target.closest && event.target.closest("mark.hl");
  if (mark && event.key === "Escape") mark.classList.add("tip-off");
});
