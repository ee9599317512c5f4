// The workspace pages: service worker, queue panel, quick-add forms.
import * as outbox from "./outbox.js";

const config = JSON.parse(document.getElementById("ws-config").textContent);
const S = config.strings;
const RETRY_MS = 30000;

// A version-4 UUID. ``crypto.randomUUID`` exists only in secure contexts (HTTPS, localhost); a
// county intranet served over plain HTTP still gets random UUIDs, from ``getRandomValues``.
function newUuid() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

// --- Service worker: install, and keep this user's pages for offline use ----------------------

function ask(worker, message) {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    const timer = setTimeout(() => resolve(null), 20000);
    channel.port1.onmessage = (event) => {
      clearTimeout(timer);
      resolve(event.data);
    };
    worker.postMessage(message, [channel.port2]);
  });
}

async function setUpServiceWorker() {
  if (!("serviceWorker" in navigator)) return;
  await navigator.serviceWorker.register(config.sw, { scope: config.scope });
  const registration = await navigator.serviceWorker.ready;
  if (!navigator.onLine) {
    document.documentElement.dataset.offlineReady = "1";
    return;
  }
  const answer = await ask(registration.active, {
    type: "warm",
    urls: config.pages,
    owner: config.user,
    // The Today page refreshes every kept page; a form page only fills what is missing.
    onlyMissing: location.pathname !== config.scope,
  });
  const ready = Boolean(answer && answer.kept === config.pages.length);
  document.documentElement.dataset.offlineReady = ready ? "1" : "0";
}

// --- The queue panel ---------------------------------------------------------------------------

const STATUS_BADGE = {
  queued: "bg-yellow-lt",
  sending: "bg-blue-lt",
  rejected: "bg-red-lt",
  blocked: "bg-orange-lt",
};

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function errorText(item) {
  const parts = [];
  if (item.detail) parts.push(item.detail);
  for (const messages of Object.values(item.errors || {})) parts.push(...messages);
  return parts.join(" ");
}

function queueRow(item) {
  const row = el("div", "list-group-item ws-queue-item");
  row.dataset.uuid = item.uuid;
  row.dataset.status = item.status;
  const top = el("div", "d-flex gap-2 align-items-baseline");
  top.append(
    el("span", "badge bg-azure-lt flex-shrink-0", config.labels[item.kind] || item.kind),
    el("span", "text-truncate", item.summary),
    el("span", "ms-auto text-secondary small text-nowrap",
      new Date(item.createdAt).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })),
  );
  const bottom = el("div", "d-flex flex-wrap gap-2 align-items-center mt-1");
  bottom.append(el("span", `badge ${STATUS_BADGE[item.status] || ""} ws-status`, S[item.status] || item.status));
  const problem = item.status === "rejected" || item.status === "blocked" ? errorText(item) : "";
  if (problem) bottom.append(el("span", "text-danger small", problem));
  if (item.status === "rejected") {
    const edit = el("a", "btn btn-sm btn-outline-primary ms-auto", S.edit);
    edit.href = `${config.scope}add/${item.kind}/?draft=${encodeURIComponent(item.uuid)}`;
    const discard = el("button", "btn btn-sm btn-ghost-danger", S.discard);
    discard.type = "button";
    discard.addEventListener("click", async () => {
      if (window.confirm(S.discard_confirm)) await outbox.remove(item.uuid);
    });
    bottom.append(edit, discard);
  }
  row.append(top, bottom);
  return row;
}

async function renderQueue() {
  const list = document.getElementById("ws-queue-list");
  if (!list) return;
  const items = await outbox.itemsOf(config.user);
  document.getElementById("ws-queue-count").textContent = String(items.length);
  const empty = document.getElementById("ws-queue-empty");
  empty.hidden = items.length > 0;
  list.replaceChildren(empty, ...items.map(queueRow));
  document.getElementById("ws-queue").dataset.count = String(items.length);
}

let flushing = null;

// Send what waits; concurrent calls share one run.
function sendWaiting() {
  flushing ??= outbox.flush(config.user, config.api).finally(() => {
    flushing = null;
  });
  return flushing;
}

// --- The quick-add form -----------------------------------------------------------------------

function fieldsOf(form) {
  return [...form.querySelectorAll("[data-type]")];
}

function collect(form) {
  const body = {};
  for (const input of fieldsOf(form)) {
    const value = input.type === "checkbox" ? input.checked : input.value;
    switch (input.dataset.type) {
      case "bool":
        body[input.name] = Boolean(value);
        break;
      case "int": {
        const text = String(value).trim();
        if (text === "") break;
        const number = Number(text);
        // Not a whole number: sent as typed, so the server names the error in the user's language.
        body[input.name] = Number.isInteger(number) ? number : text;
        break;
      }
      case "date":
        if (value) body[input.name] = value;
        break;
      case "uuid":
        body.client_uuid = value;
        break;
      default:
        // An unchosen choice is left out (the server answers "required"); text goes as typed.
        if (value !== "" || input.tagName !== "SELECT") body[input.name] = value;
    }
  }
  return body;
}

function fill(form, body) {
  for (const input of fieldsOf(form)) {
    const name = input.dataset.type === "uuid" ? "client_uuid" : input.name;
    if (!(name in body)) continue;
    if (input.type === "checkbox") input.checked = Boolean(body[name]);
    else input.value = body[name];
  }
}

function summaryOf(form) {
  const parts = [];
  const area = form.querySelector("[data-summary-prefix]");
  if (area && area.selectedIndex >= 0 && area.value) parts.push(area.options[area.selectedIndex].text);
  const main = form.querySelector("[data-summary]");
  if (main && main.value.trim()) parts.push(main.value.trim().slice(0, 40));
  return parts.join(" · ");
}

function clearErrors(form) {
  for (const node of form.querySelectorAll(".is-invalid")) node.classList.remove("is-invalid");
  for (const node of form.querySelectorAll("[data-errors-for]")) {
    node.textContent = "";
    node.classList.remove("d-block");
  }
}

function showErrors(form, errors, detail) {
  clearErrors(form);
  const general = [];
  for (const [name, messages] of Object.entries(errors || {})) {
    const slot = form.querySelector(`[data-errors-for="${CSS.escape(name)}"]`);
    if (!slot || name === "__all__") {
      general.push(...messages);
      continue;
    }
    slot.textContent = messages.join(" ");
    slot.classList.add("d-block");
    const input = form.elements.namedItem(name);
    if (input && input.classList) input.classList.add("is-invalid");
  }
  if (!errors && detail) general.push(detail);
  const all = form.querySelector('[data-errors-for="__all__"]');
  all.textContent = general.join(" ");
  all.classList.toggle("d-block", general.length > 0);
}

// GB 11643: 17 digits, a real birth date, and the check digit (the server also checks the
// region code).
function validIdNumber(text) {
  const id = text.trim().toUpperCase();
  if (!/^\d{17}[\dX]$/.test(id)) return false;
  const born = new Date(`${id.slice(6, 10)}-${id.slice(10, 12)}-${id.slice(12, 14)}T00:00:00`);
  if (Number.isNaN(born.getTime()) || born > new Date() || born.getFullYear() < 1880) return false;
  if (born.getDate() !== Number(id.slice(12, 14))) return false;
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = weights.reduce((total, w, i) => total + w * Number(id[i]), 0);
  return "10X98765432"[sum % 11] === id[17];
}

// A Chinese mobile (1xx xxxx xxxx, optionally +86) or landline with its area code (0xxx-xxxxxxx).
function validPhone(text) {
  const digits = text.replace(/[\s\-()]/g, "").replace(/^\+?86/, "");
  return /^1[3-9]\d{9}$/.test(digits) || /^0\d{2,3}\d{7,8}$/.test(digits);
}

// Every field's problem at once, before anything is sent or kept: required fields, whole
// numbers within their bounds, dates not in the future, phone numbers and ID numbers. The
// server checks again (and what only it can know); its answer also names every field at once.
function checkFields(form) {
  const errors = {};
  const add = (name, message) => (errors[name] = errors[name] || []).push(message);
  for (const input of fieldsOf(form)) {
    const text = input.type === "checkbox" ? "" : String(input.value).trim();
    if (input.dataset.required && !text) {
      add(input.name, S.required);
      continue;
    }
    if (!text) continue;
    if (input.dataset.type === "int") {
      const number = Number(text);
      if (!Number.isInteger(number)) add(input.name, S.whole_number);
      else if (input.min !== "" && number < Number(input.min))
        add(input.name, S.at_least.replace("%(limit_value)s", input.min));
      else if (input.max !== "" && number > Number(input.max))
        add(input.name, S.at_most.replace("%(limit_value)s", input.max));
    } else if (input.dataset.type === "date") {
      if (!/^\d{4}-\d\d-\d\d$/.test(text)) add(input.name, S.bad_date);
      else if (input.max && text > input.max) add(input.name, S.future_date);
    } else if (input.type === "tel" && !validPhone(text)) {
      add(input.name, S.bad_phone);
    } else if (input.name === "id_number" && !validIdNumber(text)) {
      add(input.name, S.bad_id);
    }
  }
  return Object.keys(errors).length ? errors : null;
}

function announce(state, text) {
  const box = document.getElementById("ws-result");
  box.hidden = false;
  box.dataset.state = state;
  box.className = `alert py-2 ${{ sent: "alert-success", queued: "alert-info", rejected: "alert-danger", blocked: "alert-warning" }[state]}`;
  box.textContent = text;
}

function startNew(form) {
  // The next record: a new UUID; the area and the date stay as they were.
  for (const input of fieldsOf(form)) {
    if (input.dataset.type === "uuid") input.value = newUuid();
    else if (input.type === "checkbox") input.checked = false;
    else if (input.tagName !== "SELECT" || input.name !== "area") {
      if (!input.dataset.keep) input.value = "";
    }
  }
  if (location.search) history.replaceState(null, "", location.pathname);
}

async function setUpForm(form) {
  const draft = new URLSearchParams(location.search).get("draft");
  const item = draft ? await outbox.get(draft) : null;
  if (item && item.user === config.user && item.kind === form.dataset.kind) {
    fill(form, item.body);
    showErrors(form, item.errors, item.detail);
  } else {
    form.querySelector('[data-type="uuid"]').value = newUuid();
  }
  const button = document.getElementById("ws-submit");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (button.disabled) return;
    const missing = checkFields(form);
    if (missing) {
      showErrors(form, missing, "");
      announce("rejected", S.fix_fields);
      return;
    }
    button.disabled = true;
    try {
      clearErrors(form);
      const body = collect(form);
      await outbox.keep({ user: config.user, kind: form.dataset.kind, body, summary: summaryOf(form) });
      // Not the shared run: one already under way may have read the outbox before this item.
      await outbox.flush(config.user, config.api);
      const left = await outbox.get(body.client_uuid);
      if (!left) {
        announce("sent", S.saved);
        startNew(form);
      } else if (left.status === "rejected") {
        showErrors(form, left.errors, left.detail);
        announce("rejected", S.fix_fields);
      } else if (left.status === "blocked") {
        announce("blocked", S.blocked);
        startNew(form);
      } else {
        announce("queued", S.saved_queued);
        startNew(form);
      }
    } finally {
      button.disabled = false;
    }
  });
}

// --- Start -------------------------------------------------------------------------------------

function showConnection() {
  const banner = document.getElementById("ws-offline");
  if (banner) banner.hidden = navigator.onLine;
}

async function start() {
  showConnection();
  window.addEventListener("offline", showConnection);
  window.addEventListener("online", () => {
    showConnection();
    sendWaiting();
  });
  outbox.onChange(() => renderQueue());
  document.getElementById("ws-send-now")?.addEventListener("click", () => sendWaiting());
  const form = document.getElementById("ws-form");
  if (form) await setUpForm(form);
  await renderQueue();
  document.documentElement.dataset.wsReady = "1";
  setInterval(() => sendWaiting(), RETRY_MS);
  sendWaiting();
  setUpServiceWorker().catch(() => {
    document.documentElement.dataset.offlineReady = "0";
  });
}

start();
