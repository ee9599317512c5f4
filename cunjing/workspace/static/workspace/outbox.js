// The outbox: every submission of the quick-add forms is first kept here, on the phone
// (IndexedDB), then sent to the API; it leaves the outbox only once the server has answered.
//
// An item: {uuid, user, kind, body, summary, createdAt, status, attempts, errors, detail}.
// ``uuid`` is the client UUID sent as Idempotency-Key and ``client_uuid``: the server stores a
// submission once however often it is sent, so sending again after a lost answer is safe.
// Items are kept per user id: a phone shared by two officers never sends one's records in the
// other's session.
//
// Status: queued (waiting for the network), sending, rejected (the server refused a field: the
// draft waits to be corrected), blocked (signed out: waits for a new sign-in).

const DB_NAME = "cunjing-workspace";
const STORE = "outbox";
const LOCK = "cunjing-outbox";
const channel = "BroadcastChannel" in self ? new BroadcastChannel(LOCK) : null;

let opening = null;

function openDb() {
  opening ??= new Promise((resolve, reject) => {
    const request = indexedDB.open(DB_NAME, 1);
    request.onupgradeneeded = () => {
      const store = request.result.createObjectStore(STORE, { keyPath: "uuid" });
      store.createIndex("user", "user");
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  return opening;
}

async function run(mode, action) {
  const db = await openDb();
  return new Promise((resolve, reject) => {
    const transaction = db.transaction(STORE, mode);
    const request = action(transaction.objectStore(STORE));
    transaction.oncomplete = () => resolve(request ? request.result : undefined);
    transaction.onerror = () => reject(transaction.error);
    transaction.onabort = () => reject(transaction.error);
  });
}

function changed() {
  if (channel) channel.postMessage("changed");
  self.dispatchEvent(new Event("outbox-changed"));
}

export function onChange(listener) {
  if (channel) channel.addEventListener("message", listener);
  self.addEventListener("outbox-changed", listener);
}

export const get = (uuid) => run("readonly", (store) => store.get(uuid));

export async function put(item) {
  await run("readwrite", (store) => store.put(item));
  changed();
  return item;
}

export async function remove(uuid) {
  await run("readwrite", (store) => store.delete(uuid));
  changed();
}

export async function itemsOf(user) {
  const items = await run("readonly", (store) => store.index("user").getAll(user));
  return items.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
}

// Keep a submission (a new one, or a corrected draft under the same uuid).
export async function keep({ user, kind, body, summary }) {
  const previous = await get(body.client_uuid);
  return put({
    uuid: body.client_uuid,
    user,
    kind,
    body,
    summary,
    createdAt: previous ? previous.createdAt : new Date().toISOString(),
    status: "queued",
    attempts: previous ? previous.attempts : 0,
    errors: null,
    detail: "",
  });
}

function csrfToken() {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}

// Send one item; returns "sent", "rejected", "blocked", "retry" or "network".
async function send(item, api) {
  await put({ ...item, status: "sending" });
  let response;
  try {
    response = await fetch(api + item.kind, {
      method: "POST",
      credentials: "same-origin",
      cache: "no-store",
      headers: {
        "Content-Type": "application/json",
        Accept: "application/json",
        "Idempotency-Key": item.uuid,
        "X-CSRFToken": csrfToken(),
      },
      body: JSON.stringify(item.body),
    });
  } catch (error) {
    await put({ ...item, status: "queued", attempts: item.attempts + 1 });
    return "network";
  }
  if (response.ok) {
    await remove(item.uuid);
    return "sent";
  }
  let data = {};
  try {
    data = await response.json();
  } catch (error) {
    data = {};
  }
  const detail = typeof data.detail === "string" ? data.detail : "";
  let status = "queued";
  if ([400, 404, 422].includes(response.status)) status = "rejected";
  else if ([401, 403].includes(response.status)) status = "blocked";
  // 409 (the first send is still being stored), 429 and 5xx: try again later.
  await put({ ...item, status, detail, errors: data.errors || null, attempts: item.attempts + 1 });
  return status === "queued" ? "retry" : status;
}

async function flushUnlocked(user, api) {
  const results = {};
  for (const item of await itemsOf(user)) {
    if (item.status === "rejected") continue;
    const result = await send(item, api);
    results[item.uuid] = result;
    if (result === "network") break; // the others would fail the same way
  }
  return results;
}

let chain = Promise.resolve();

// Send every waiting item of ``user``, one sender at a time (across tabs where the browser
// has Web Locks); returns {uuid: result}.
export function flush(user, api) {
  if (navigator.locks) return navigator.locks.request(LOCK, () => flushUnlocked(user, api));
  chain = chain.then(() => flushUnlocked(user, api), () => flushUnlocked(user, api));
  return chain;
}
